package tyk

import "encoding/json"

// The types below mirror the parts of Tyk's classic API definition
// (github.com/TykTechnologies/tyk/apidef.APIDefinition) that decide how a
// request is protected. Field names and JSON keys follow Tyk's own; fields
// that carry no protection (analytics plugin paths, GraphQL engine config,
// uptime tests...) are left out and ignored when present. Tyk decodes its
// definitions with encoding/json too, so a value of the wrong type is an
// error here exactly where the gateway would refuse to load the API.

// apiDefinition is one classic API definition.
type apiDefinition struct {
	Name  string `json:"name"`
	APIID string `json:"api_id"`
	// Active is a pointer: only an explicit "active": false counts (see
	// doc.go, "Inactive and internal APIs").
	Active     *bool  `json:"active"`
	Internal   bool   `json:"internal"`
	IsOAS      bool   `json:"is_oas"`
	Protocol   string `json:"protocol"`
	ListenPort int    `json:"listen_port"`

	Domain         string `json:"domain"`
	DomainDisabled bool   `json:"domain_disabled"`

	UseKeyless      bool `json:"use_keyless"`
	UseStandardAuth bool `json:"use_standard_auth"`
	UseOauth2       bool `json:"use_oauth2"`
	UseOpenID       bool `json:"use_openid"`
	OpenIDOptions   struct {
		Providers []struct {
			Issuer string `json:"issuer"`
		} `json:"providers"`
	} `json:"openid_options"`
	UseBasicAuth            bool                  `json:"use_basic_auth"`
	EnableJWT               bool                  `json:"enable_jwt"`
	JWTSigningMethod        string                `json:"jwt_signing_method"`
	JWTSource               string                `json:"jwt_source"`
	JWTScopeToPolicyMapping map[string]string     `json:"jwt_scope_to_policy_mapping"`
	Scopes                  scopes                `json:"scopes"`
	EnableSignatureChecking bool                  `json:"enable_signature_checking"`
	UseMutualTLSAuth        bool                  `json:"use_mutual_tls_auth"`
	ClientCertificates      []string              `json:"client_certificates"`
	UseGoPluginAuth         bool                  `json:"use_go_plugin_auth"`
	EnableCoProcessAuth     bool                  `json:"enable_coprocess_auth"`
	CustomPluginAuthEnabled bool                  `json:"custom_plugin_auth_enabled"`
	CustomMiddleware        middlewareSection     `json:"custom_middleware"`
	ExternalOAuth           externalOAuth         `json:"external_oauth"`
	BaseIdentityProvidedBy  string                `json:"base_identity_provided_by"`
	Auth                    authConfig            `json:"auth"`
	AuthConfigs             map[string]authConfig `json:"auth_configs"`
	AuthProvider            struct {
		Name          string `json:"name"`
		StorageEngine string `json:"storage_engine"`
	} `json:"auth_provider"`
	StripAuthData bool `json:"strip_auth_data"`

	EnableIPWhitelisting bool     `json:"enable_ip_whitelisting"`
	AllowedIPs           []string `json:"allowed_ips"`
	EnableIPBlacklisting bool     `json:"enable_ip_blacklisting"`
	BlacklistedIPs       []string `json:"blacklisted_ips"`

	DisableRateLimit bool            `json:"disable_rate_limit"`
	DisableQuota     bool            `json:"disable_quota"`
	GlobalRateLimit  globalRateLimit `json:"global_rate_limit"`

	CORS corsConfig `json:"CORS"`

	DoNotTrack              bool `json:"do_not_track"`
	EnableDetailedRecording bool `json:"enable_detailed_recording"`
	AnalyticsPlugin         struct {
		Enable   bool   `json:"enable"`
		FuncName string `json:"func_name"`
	} `json:"analytics_plugin"`

	Proxy                        proxyConfig       `json:"proxy"`
	UpstreamCertificates         map[string]string `json:"upstream_certificates"`
	UpstreamCertificatesDisabled bool              `json:"upstream_certificates_disabled"`

	VersionData        versionData         `json:"version_data"`
	Definition         versionDefinition   `json:"definition"`
	ResponseProcessors []responseProcessor `json:"response_processors"`

	CacheOptions struct {
		EnableCache bool `json:"enable_cache"`
	} `json:"cache_options"`
	EnableBatchRequestSupport bool `json:"enable_batch_request_support"`
	GraphQL                   struct {
		Enabled       bool   `json:"enabled"`
		ExecutionMode string `json:"execution_mode"`
	} `json:"graphql"`

	// oas carries the settings only a Tyk OAS definition can express; nil
	// for classic definitions.
	oas *oasExtras
}

type scopes struct {
	JWT  scopeClaim `json:"jwt"`
	OIDC scopeClaim `json:"oidc"`
}

type scopeClaim struct {
	ScopeClaimName string            `json:"scope_claim_name"`
	ScopeToPolicy  map[string]string `json:"scope_to_policy"`
}

type externalOAuth struct {
	Enabled   bool              `json:"enabled"`
	Providers []json.RawMessage `json:"providers"`
}

type authConfig struct {
	Name           string `json:"name"`
	UseCertificate bool   `json:"use_certificate"`
}

type middlewareDefinition struct {
	Disabled bool   `json:"disabled"`
	Name     string `json:"name"`
	Path     string `json:"path"`
}

type middlewareSection struct {
	Pre         []middlewareDefinition `json:"pre"`
	Post        []middlewareDefinition `json:"post"`
	PostKeyAuth []middlewareDefinition `json:"post_key_auth"`
	AuthCheck   middlewareDefinition   `json:"auth_check"`
	Response    []middlewareDefinition `json:"response"`
	Driver      string                 `json:"driver"`
}

type globalRateLimit struct {
	Disabled bool    `json:"disabled"`
	Rate     float64 `json:"rate"`
	Per      float64 `json:"per"`
}

type corsConfig struct {
	Enable             bool     `json:"enable"`
	AllowedOrigins     []string `json:"allowed_origins"`
	AllowCredentials   bool     `json:"allow_credentials"`
	OptionsPassthrough bool     `json:"options_passthrough"`
}

type proxyConfig struct {
	ListenPath          string   `json:"listen_path"`
	TargetURL           string   `json:"target_url"`
	StripListenPath     bool     `json:"strip_listen_path"`
	EnableLoadBalancing bool     `json:"enable_load_balancing"`
	TargetList          []string `json:"target_list"`
	Transport           struct {
		SSLInsecureSkipVerify bool `json:"ssl_insecure_skip_verify"`
		SSLMinVersion         int  `json:"ssl_min_version"`
	} `json:"transport"`
}

type versionData struct {
	NotVersioned   bool                   `json:"not_versioned"`
	DefaultVersion string                 `json:"default_version"`
	Versions       map[string]versionInfo `json:"versions"`
}

type versionDefinition struct {
	Location string `json:"location"`
	Key      string `json:"key"`
}

type responseProcessor struct {
	Name    string          `json:"name"`
	Options json.RawMessage `json:"options"`
}

type versionInfo struct {
	Name  string `json:"name"`
	Paths struct {
		Ignored   []string `json:"ignored"`
		WhiteList []string `json:"white_list"`
		BlackList []string `json:"black_list"`
	} `json:"paths"`
	UseExtendedPaths              bool              `json:"use_extended_paths"`
	ExtendedPaths                 extendedPaths     `json:"extended_paths"`
	GlobalHeaders                 map[string]string `json:"global_headers"`
	GlobalHeadersDisabled         bool              `json:"global_headers_disabled"`
	GlobalResponseHeaders         map[string]string `json:"global_response_headers"`
	GlobalResponseHeadersDisabled bool              `json:"global_response_headers_disabled"`
	GlobalSizeLimit               int64             `json:"global_size_limit"`
	GlobalSizeLimitDisabled       bool              `json:"global_size_limit_disabled"`
	IgnoreEndpointCase            bool              `json:"ignore_endpoint_case"`
	OverrideTarget                string            `json:"override_target"`
}

// pathMeta is what every extended path entry has.
type pathMeta struct {
	Disabled   bool   `json:"disabled"`
	Path       string `json:"path"`
	Method     string `json:"method"`
	IgnoreCase bool   `json:"ignore_case"`
	// src is the JSON pointer of the entry when it does not follow from
	// its list and index (Tyk OAS operations).
	src string
}

type endpointMeta struct {
	pathMeta
	MethodActions map[string]struct {
		Action string `json:"action"`
	} `json:"method_actions"`
}

type extendedPaths struct {
	Ignored                  []endpointMeta `json:"ignored"`
	WhiteList                []endpointMeta `json:"white_list"`
	BlackList                []endpointMeta `json:"black_list"`
	Internal                 []pathMeta     `json:"internal"`
	ValidateJSON             []pathMeta     `json:"validate_json"`
	ValidateRequest          []validateReq  `json:"validate_request"`
	SizeLimit                []sizeLimit    `json:"size_limits"`
	HardTimeouts             []hardTimeout  `json:"hard_timeouts"`
	RateLimit                []pathRate     `json:"rate_limit"`
	DoNotTrackEndpoints      []pathMeta     `json:"do_not_track_endpoints"`
	TrackEndpoints           []pathMeta     `json:"track_endpoints"`
	TransformResponseHeaders []headerInject `json:"transform_response_headers"`
	TransformHeaders         []headerInject `json:"transform_headers"`
	Transform                []pathMeta     `json:"transform"`
	TransformResponse        []pathMeta     `json:"transform_response"`
	TransformJQ              []pathMeta     `json:"transform_jq"`
	TransformJQResponse      []pathMeta     `json:"transform_jq_response"`
	URLRewrite               []pathMeta     `json:"url_rewrites"`
	Virtual                  []pathMeta     `json:"virtual"`
	MockResponse             []pathMeta     `json:"mock_response"`
	MethodTransforms         []pathMeta     `json:"method_transforms"`
	CircuitBreaker           []pathMeta     `json:"circuit_breakers"`
	AdvanceCacheConfig       []pathMeta     `json:"advance_cache_config"`
	GoPlugin                 []pathMeta     `json:"go_plugin"`
	PersistGraphQL           []pathMeta     `json:"persist_graphql"`
	Cached                   []string       `json:"cache"`
}

type validateReq struct {
	Enabled bool   `json:"enabled"`
	Path    string `json:"path"`
	Method  string `json:"method"`
	src     string
}

type sizeLimit struct {
	pathMeta
	SizeLimit int64 `json:"size_limit"`
}

type hardTimeout struct {
	pathMeta
	TimeOut int64 `json:"timeout"`
}

type pathRate struct {
	pathMeta
	Rate float64 `json:"rate"`
	Per  float64 `json:"per"`
}

type headerInject struct {
	pathMeta
	AddHeaders    map[string]string `json:"add_headers"`
	DeleteHeaders []string          `json:"delete_headers"`
}

// oasExtras are Tyk OAS settings without a classic field of their own.
type oasExtras struct {
	// JWT claims verified besides exp/iat/nbf (allowedIssuers and friends).
	jwtClaims []string
	// trafficLogsSet tells whether middleware.global.trafficLogs exists.
	trafficLogsSet bool
}
