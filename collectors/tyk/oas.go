package tyk

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Tyk OAS: an OpenAPI 3 document with the gateway configuration under
// x-tyk-api-gateway (github.com/TykTechnologies/tyk/apidef/oas). The gateway
// itself converts it to a classic definition before serving it
// (oas.OAS.ExtractTo); decodeOAS does the same for the parts that decide
// protection, so both formats share one fact derivation.

type oasDocument struct {
	OpenAPI string `json:"openapi"`
	Info    struct {
		Title string `json:"title"`
	} `json:"info"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		SecuritySchemes map[string]struct {
			Type         string `json:"type"`
			Scheme       string `json:"scheme"`
			BearerFormat string `json:"bearerFormat"`
		} `json:"securitySchemes"`
	} `json:"components"`
	Tyk xTyk `json:"x-tyk-api-gateway"`
}

type enabledFlag struct {
	Enabled bool `json:"enabled"`
}

type oasRateLimit struct {
	Enabled bool            `json:"enabled"`
	Rate    float64         `json:"rate"`
	Per     json.RawMessage `json:"per"`
}

type oasHeaders struct {
	Enabled bool `json:"enabled"`
	Add     []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"add"`
	Remove []string `json:"remove"`
}

type oasPlugin struct {
	Enabled      bool   `json:"enabled"`
	FunctionName string `json:"functionName"`
}

type oasOperation struct {
	Allow                    *enabledFlag  `json:"allow"`
	Block                    *enabledFlag  `json:"block"`
	IgnoreAuthentication     *enabledFlag  `json:"ignoreAuthentication"`
	Internal                 *enabledFlag  `json:"internal"`
	ValidateRequest          *enabledFlag  `json:"validateRequest"`
	MockResponse             *enabledFlag  `json:"mockResponse"`
	VirtualEndpoint          *enabledFlag  `json:"virtualEndpoint"`
	DoNotTrackEndpoint       *enabledFlag  `json:"doNotTrackEndpoint"`
	TrackEndpoint            *enabledFlag  `json:"trackEndpoint"`
	Cache                    *enabledFlag  `json:"cache"`
	CircuitBreaker           *enabledFlag  `json:"circuitBreaker"`
	URLRewrite               *enabledFlag  `json:"urlRewrite"`
	TransformRequestBody     *enabledFlag  `json:"transformRequestBody"`
	TransformResponseBody    *enabledFlag  `json:"transformResponseBody"`
	TransformRequestHeaders  *oasHeaders   `json:"transformRequestHeaders"`
	TransformResponseHeaders *oasHeaders   `json:"transformResponseHeaders"`
	TransformRequestMethod   *enabledFlag  `json:"transformRequestMethod"`
	RateLimit                *oasRateLimit `json:"rateLimit"`
	RequestSizeLimit         *struct {
		Enabled bool  `json:"enabled"`
		Value   int64 `json:"value"`
	} `json:"requestSizeLimit"`
	EnforceTimeout *struct {
		Enabled bool  `json:"enabled"`
		Value   int64 `json:"value"`
	} `json:"enforceTimeout"`
	PostPlugins []oasPlugin `json:"postPlugins"`
}

type oasSecurityScheme struct {
	Enabled          bool            `json:"enabled"`
	SigningMethod    string          `json:"signingMethod"`
	Source           string          `json:"source"`
	JWKSURIs         json.RawMessage `json:"jwksURIs"`
	AllowedIssuers   []string        `json:"allowedIssuers"`
	AllowedAudiences []string        `json:"allowedAudiences"`
	AllowedSubjects  []string        `json:"allowedSubjects"`
	JTIValidation    *enabledFlag    `json:"jtiValidation"`
	EnableClientCert bool            `json:"enableClientCertificate"`
	Scopes           *struct {
		ScopeToPolicyMapping []json.RawMessage `json:"scopeToPolicyMapping"`
	} `json:"scopes"`
}

type xTyk struct {
	Info struct {
		ID    string `json:"id"`
		Name  string `json:"name"`
		State struct {
			Active   *bool `json:"active"`
			Internal bool  `json:"internal"`
		} `json:"state"`
	} `json:"info"`
	Upstream struct {
		URL       string        `json:"url"`
		RateLimit *oasRateLimit `json:"rateLimit"`
		MutualTLS *struct {
			Enabled                    bool `json:"enabled"`
			DomainToCertificateMapping []struct {
				Domain      string `json:"domain"`
				Certificate string `json:"certificate"`
			} `json:"domainToCertificateMapping"`
		} `json:"mutualTLS"`
		TLSTransport *struct {
			InsecureSkipVerify bool   `json:"insecureSkipVerify"`
			MinVersion         string `json:"minVersion"`
		} `json:"tlsTransport"`
	} `json:"upstream"`
	Server struct {
		ListenPath struct {
			Value string `json:"value"`
			Strip bool   `json:"strip"`
		} `json:"listenPath"`
		CustomDomain *struct {
			Enabled bool   `json:"enabled"`
			Name    string `json:"name"`
		} `json:"customDomain"`
		Authentication *struct {
			Enabled              bool                         `json:"enabled"`
			BaseIdentityProvider string                       `json:"baseIdentityProvider"`
			StripAuthorization   bool                         `json:"stripAuthorizationData"`
			SecuritySchemes      map[string]oasSecurityScheme `json:"securitySchemes"`
			HMAC                 *enabledFlag                 `json:"hmac"`
			OIDC                 *struct {
				Enabled bool `json:"enabled"`
				Scopes  *struct {
					ScopeToPolicyMapping []json.RawMessage `json:"scopeToPolicyMapping"`
				} `json:"scopes"`
			} `json:"oidc"`
			Custom *enabledFlag `json:"custom"`
		} `json:"authentication"`
		ClientCertificates *struct {
			Enabled   bool     `json:"enabled"`
			Allowlist []string `json:"allowlist"`
		} `json:"clientCertificates"`
		DetailedActivityLogs *enabledFlag `json:"detailedActivityLogs"`
		IPAccessControl      *struct {
			Enabled bool     `json:"enabled"`
			Allow   []string `json:"allow"`
			Block   []string `json:"block"`
		} `json:"ipAccessControl"`
	} `json:"server"`
	Middleware struct {
		Global struct {
			CORS *struct {
				Enabled            bool     `json:"enabled"`
				AllowedOrigins     []string `json:"allowedOrigins"`
				AllowCredentials   bool     `json:"allowCredentials"`
				OptionsPassthrough bool     `json:"optionsPassthrough"`
			} `json:"cors"`
			TrafficLogs      *enabledFlag `json:"trafficLogs"`
			RequestSizeLimit *struct {
				Enabled bool  `json:"enabled"`
				Value   int64 `json:"value"`
			} `json:"requestSizeLimit"`
			IgnoreCase               *enabledFlag `json:"ignoreCase"`
			SkipRateLimit            bool         `json:"skipRateLimit"`
			TransformResponseHeaders *oasHeaders  `json:"transformResponseHeaders"`
			TransformRequestHeaders  *oasHeaders  `json:"transformRequestHeaders"`
			Cache                    *enabledFlag `json:"cache"`
			ContextVariables         *enabledFlag `json:"contextVariables"`
			PrePlugins               []oasPlugin  `json:"prePlugins"`
			PostAuthenticationPlugin []oasPlugin  `json:"postAuthenticationPlugins"`
			PostPlugins              []oasPlugin  `json:"postPlugins"`
			ResponsePlugins          []oasPlugin  `json:"responsePlugins"`
			PluginConfig             *struct {
				Driver string `json:"driver"`
			} `json:"pluginConfig"`
		} `json:"global"`
		Operations map[string]oasOperation `json:"operations"`
	} `json:"middleware"`
}

var oasMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// tlsVersions maps Tyk OAS minVersion strings and classic numeric
// constants (crypto/tls VersionTLS1x) to versions.
var tlsByName = map[string]int{"1.0": 769, "1.1": 770, "1.2": 771, "1.3": 772}

// decodeOAS converts a Tyk OAS document into a classic definition the way
// the gateway does (apidef/oas ExtractTo), for the protection settings.
func decodeOAS(doc *document, it item) (*apiDefinition, error) {
	var o oasDocument
	if err := decodeInto(doc, it.ptr, it.raw, &o); err != nil {
		return nil, err
	}
	t := &o.Tyk
	x := it.ptr + "/x-tyk-api-gateway"
	def := &apiDefinition{oas: &oasExtras{}}
	def.IsOAS = true
	def.APIID = t.Info.ID
	def.Name = t.Info.Name
	if def.Name == "" {
		def.Name = o.Info.Title
	}
	def.Active = t.Info.State.Active
	def.Internal = t.Info.State.Internal

	def.Proxy.ListenPath = t.Server.ListenPath.Value
	def.Proxy.StripListenPath = t.Server.ListenPath.Strip
	def.Proxy.TargetURL = t.Upstream.URL
	if cd := t.Server.CustomDomain; cd != nil && cd.Enabled {
		def.Domain = cd.Name
	}
	if rl := t.Upstream.RateLimit; rl != nil && rl.Enabled {
		per, err := oasPer(rl.Per)
		if err != nil {
			return nil, doc.errorf(x+"/upstream/rateLimit/per", "%v", err)
		}
		def.GlobalRateLimit = globalRateLimit{Rate: rl.Rate, Per: per}
	}
	if m := t.Upstream.MutualTLS; m != nil && m.Enabled {
		def.UpstreamCertificates = map[string]string{}
		for _, d := range m.DomainToCertificateMapping {
			def.UpstreamCertificates[d.Domain] = d.Certificate
		}
	}
	if tt := t.Upstream.TLSTransport; tt != nil {
		def.Proxy.Transport.SSLInsecureSkipVerify = tt.InsecureSkipVerify
		if tt.MinVersion != "" {
			v, ok := tlsByName[tt.MinVersion]
			if !ok {
				return nil, doc.errorf(x+"/upstream/tlsTransport/minVersion", "unknown TLS version %q (want 1.0, 1.1, 1.2 or 1.3)", tt.MinVersion)
			}
			def.Proxy.Transport.SSLMinVersion = v
		}
	}
	if cc := t.Server.ClientCertificates; cc != nil && cc.Enabled {
		def.UseMutualTLSAuth = true
		def.ClientCertificates = cc.Allowlist
	}
	if ip := t.Server.IPAccessControl; ip != nil && ip.Enabled {
		def.EnableIPWhitelisting, def.AllowedIPs = len(ip.Allow) > 0, ip.Allow
		def.EnableIPBlacklisting, def.BlacklistedIPs = len(ip.Block) > 0, ip.Block
	}
	if d := t.Server.DetailedActivityLogs; d != nil {
		def.EnableDetailedRecording = d.Enabled
	}

	// Authentication: disabled (or absent) means keyless.
	def.UseKeyless = true
	if a := t.Server.Authentication; a != nil && a.Enabled {
		def.UseKeyless = false
		def.BaseIdentityProvidedBy = a.BaseIdentityProvider
		def.StripAuthData = a.StripAuthorization
		names := make([]string, 0, len(a.SecuritySchemes))
		for n := range a.SecuritySchemes {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			s := a.SecuritySchemes[n]
			if !s.Enabled {
				continue
			}
			decl, ok := o.Components.SecuritySchemes[n]
			if !ok {
				return nil, doc.errorf(x+"/server/authentication/securitySchemes/"+escapePointer(n),
					"security scheme %q is not declared under components.securitySchemes", n)
			}
			switch strings.ToLower(decl.Type) {
			case "apikey":
				def.UseStandardAuth = true
				def.Auth.UseCertificate = def.Auth.UseCertificate || s.EnableClientCert
			case "http":
				switch strings.ToLower(decl.Scheme) {
				case "basic":
					def.UseBasicAuth = true
				case "bearer":
					if strings.EqualFold(decl.BearerFormat, "jwt") || s.SigningMethod != "" || s.Source != "" || len(s.JWKSURIs) > 0 {
						def.EnableJWT = true
						def.JWTSigningMethod = s.SigningMethod
						def.JWTSource = s.Source
						if len(s.AllowedIssuers) > 0 {
							def.oas.jwtClaims = append(def.oas.jwtClaims, "iss")
						}
						if len(s.AllowedAudiences) > 0 {
							def.oas.jwtClaims = append(def.oas.jwtClaims, "aud")
						}
						if len(s.AllowedSubjects) > 0 {
							def.oas.jwtClaims = append(def.oas.jwtClaims, "sub")
						}
						if s.JTIValidation != nil && s.JTIValidation.Enabled {
							def.oas.jwtClaims = append(def.oas.jwtClaims, "jti")
						}
						if s.Scopes != nil && len(s.Scopes.ScopeToPolicyMapping) > 0 {
							def.Scopes.JWT.ScopeToPolicy = map[string]string{"oas": "mapped"}
						}
					} else {
						def.UseStandardAuth = true // a bearer auth token
					}
				default:
					return nil, doc.errorf("/components/securitySchemes/"+escapePointer(n)+"/scheme",
						"HTTP authentication scheme %q is not one Tyk supports (basic, bearer)", decl.Scheme)
				}
			case "oauth2":
				def.UseOauth2 = true
			case "openidconnect":
				def.UseOpenID = true
			case "mutualtls":
				def.UseMutualTLSAuth = true
			default:
				return nil, doc.errorf("/components/securitySchemes/"+escapePointer(n)+"/type",
					"unknown security scheme type %q", decl.Type)
			}
		}
		if a.HMAC != nil && a.HMAC.Enabled {
			def.EnableSignatureChecking = true
		}
		if a.OIDC != nil && a.OIDC.Enabled {
			def.UseOpenID = true
			if a.OIDC.Scopes != nil && len(a.OIDC.Scopes.ScopeToPolicyMapping) > 0 {
				def.Scopes.OIDC.ScopeToPolicy = map[string]string{"oas": "mapped"}
			}
		}
		if a.Custom != nil && a.Custom.Enabled {
			def.CustomPluginAuthEnabled = true
		}
	}

	g := &t.Middleware.Global
	if c := g.CORS; c != nil {
		def.CORS = corsConfig{Enable: c.Enabled, AllowedOrigins: c.AllowedOrigins,
			AllowCredentials: c.AllowCredentials, OptionsPassthrough: c.OptionsPassthrough}
	}
	// Tyk OAS records traffic only when trafficLogs.enabled is true
	// (TrafficLogs.ExtractTo sets do_not_track = !enabled).
	def.oas.trafficLogsSet = g.TrafficLogs != nil
	def.DoNotTrack = g.TrafficLogs == nil || !g.TrafficLogs.Enabled
	if g.Cache != nil {
		def.CacheOptions.EnableCache = g.Cache.Enabled
	}
	if pc := g.PluginConfig; pc != nil {
		def.CustomMiddleware.Driver = pc.Driver
	}
	for _, p := range g.PrePlugins {
		def.CustomMiddleware.Pre = append(def.CustomMiddleware.Pre, middlewareDefinition{Disabled: !p.Enabled, Name: p.FunctionName})
	}
	for _, p := range g.PostAuthenticationPlugin {
		def.CustomMiddleware.PostKeyAuth = append(def.CustomMiddleware.PostKeyAuth, middlewareDefinition{Disabled: !p.Enabled, Name: p.FunctionName})
	}
	for _, p := range g.PostPlugins {
		def.CustomMiddleware.Post = append(def.CustomMiddleware.Post, middlewareDefinition{Disabled: !p.Enabled, Name: p.FunctionName})
	}
	for _, p := range g.ResponsePlugins {
		def.CustomMiddleware.Response = append(def.CustomMiddleware.Response, middlewareDefinition{Disabled: !p.Enabled, Name: p.FunctionName})
	}

	v := versionInfo{Name: "Default", UseExtendedPaths: true}
	if sl := g.RequestSizeLimit; sl != nil && sl.Enabled {
		v.GlobalSizeLimit = sl.Value
	}
	if ic := g.IgnoreCase; ic != nil && ic.Enabled {
		v.IgnoreEndpointCase = true
	}
	def.DisableRateLimit = g.SkipRateLimit
	if h := g.TransformResponseHeaders; h != nil && h.Enabled {
		v.GlobalResponseHeaders = map[string]string{}
		for _, a := range h.Add {
			v.GlobalResponseHeaders[a.Name] = a.Value
		}
	}
	if h := g.TransformRequestHeaders; h != nil && h.Enabled {
		v.GlobalHeaders = map[string]string{}
		for _, a := range h.Add {
			v.GlobalHeaders[a.Name] = a.Value
		}
	}

	// Operations: x-tyk-api-gateway names them by operationId; the path
	// and method come from the OpenAPI paths.
	ops := map[string][2]string{} // operationId -> path, METHOD
	pathKeys := make([]string, 0, len(o.Paths))
	for p := range o.Paths {
		pathKeys = append(pathKeys, p)
	}
	sort.Strings(pathKeys)
	for _, p := range pathKeys {
		for _, m := range oasMethods {
			raw, ok := o.Paths[p][m]
			if !ok {
				continue
			}
			var op struct {
				OperationID string `json:"operationId"`
			}
			if json.Unmarshal(raw, &op) == nil && op.OperationID != "" {
				ops[op.OperationID] = [2]string{p, strings.ToUpper(m)}
			}
		}
	}
	opIDs := make([]string, 0, len(t.Middleware.Operations))
	for id := range t.Middleware.Operations {
		opIDs = append(opIDs, id)
	}
	sort.Strings(opIDs)
	ep := &v.ExtendedPaths
	for _, id := range opIDs {
		op := t.Middleware.Operations[id]
		pm, ok := ops[id]
		if !ok {
			return nil, doc.errorf(x+"/middleware/operations/"+escapePointer(id),
				"operation %q is not an operationId under paths", id)
		}
		meta := pathMeta{Path: pm[0], Method: pm[1], src: x + "/middleware/operations/" + escapePointer(id)}
		em := endpointMeta{pathMeta: meta}
		on := func(f *enabledFlag) bool { return f != nil && f.Enabled }
		if on(op.Allow) {
			ep.WhiteList = append(ep.WhiteList, em)
		}
		if on(op.Block) {
			ep.BlackList = append(ep.BlackList, em)
		}
		if on(op.IgnoreAuthentication) {
			ep.Ignored = append(ep.Ignored, em)
		}
		if on(op.Internal) {
			ep.Internal = append(ep.Internal, meta)
		}
		if on(op.ValidateRequest) {
			ep.ValidateRequest = append(ep.ValidateRequest, validateReq{Enabled: true, Path: meta.Path, Method: meta.Method, src: meta.src})
		}
		if on(op.MockResponse) {
			ep.MockResponse = append(ep.MockResponse, meta)
		}
		if on(op.VirtualEndpoint) {
			ep.Virtual = append(ep.Virtual, meta)
		}
		if on(op.DoNotTrackEndpoint) {
			ep.DoNotTrackEndpoints = append(ep.DoNotTrackEndpoints, meta)
		}
		if on(op.TrackEndpoint) {
			ep.TrackEndpoints = append(ep.TrackEndpoints, meta)
		}
		if on(op.Cache) {
			ep.AdvanceCacheConfig = append(ep.AdvanceCacheConfig, meta)
		}
		if on(op.CircuitBreaker) {
			ep.CircuitBreaker = append(ep.CircuitBreaker, meta)
		}
		if on(op.URLRewrite) {
			ep.URLRewrite = append(ep.URLRewrite, meta)
		}
		if on(op.TransformRequestBody) {
			ep.Transform = append(ep.Transform, meta)
		}
		if on(op.TransformResponseBody) {
			ep.TransformResponse = append(ep.TransformResponse, meta)
		}
		if on(op.TransformRequestMethod) {
			ep.MethodTransforms = append(ep.MethodTransforms, meta)
		}
		if h := op.TransformRequestHeaders; h != nil && h.Enabled {
			ep.TransformHeaders = append(ep.TransformHeaders, headerInject{pathMeta: meta})
		}
		if h := op.TransformResponseHeaders; h != nil && h.Enabled {
			hi := headerInject{pathMeta: meta, AddHeaders: map[string]string{}, DeleteHeaders: h.Remove}
			for _, a := range h.Add {
				hi.AddHeaders[a.Name] = a.Value
			}
			ep.TransformResponseHeaders = append(ep.TransformResponseHeaders, hi)
		}
		if rl := op.RateLimit; rl != nil && rl.Enabled {
			per, err := oasPer(rl.Per)
			if err != nil {
				return nil, doc.errorf(x+"/middleware/operations/"+escapePointer(id)+"/rateLimit/per", "%v", err)
			}
			ep.RateLimit = append(ep.RateLimit, pathRate{pathMeta: meta, Rate: rl.Rate, Per: per})
		}
		if sl := op.RequestSizeLimit; sl != nil && sl.Enabled {
			ep.SizeLimit = append(ep.SizeLimit, sizeLimit{pathMeta: meta, SizeLimit: sl.Value})
		}
		if et := op.EnforceTimeout; et != nil && et.Enabled {
			ep.HardTimeouts = append(ep.HardTimeouts, hardTimeout{pathMeta: meta, TimeOut: et.Value})
		}
		for _, p := range op.PostPlugins {
			if p.Enabled {
				ep.GoPlugin = append(ep.GoPlugin, meta)
			}
		}
	}
	def.VersionData = versionData{NotVersioned: true, Versions: map[string]versionInfo{"Default": v}}
	return def, nil
}

// oasPer reads a Tyk OAS rate limit period: a duration string ("1m",
// "30s") in current versions, a number of seconds in older ones.
func oasPer(raw json.RawMessage) (float64, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return 0, nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return 0, err
		}
		d, err := time.ParseDuration(str)
		if err != nil {
			return 0, fmt.Errorf("rate limit period %q is not a duration like \"1s\" or \"1m\"", str)
		}
		return d.Seconds(), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, fmt.Errorf("rate limit period %s is not a number of seconds or a duration", s)
	}
	return f, nil
}
