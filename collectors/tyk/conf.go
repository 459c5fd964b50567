package tyk

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/posture-dev/posture/internal/safedecode"
)

// GatewayConfig holds the settings of the gateway's own configuration file
// (tyk.conf) that decide facts an API definition cannot tell: whether the
// listener speaks TLS, whether analytics are recorded, the default upstream
// timeout, the global body size limit, how endpoint paths are anchored,
// whether custom domains are honoured and gateway-wide upstream client
// certificates. A Parse without one leaves those facts unknown.
type GatewayConfig struct {
	EnableAnalytics     bool  `json:"enable_analytics"`
	ProxyDefaultTimeout int64 `json:"proxy_default_timeout"`
	EnableCustomDomains bool  `json:"enable_custom_domains"`
	IgnoreEndpointCase  bool  `json:"ignore_endpoint_case"`
	HTTPServerOptions   struct {
		UseSSL                   bool  `json:"use_ssl"`
		MinVersion               int   `json:"min_version"`
		MaxRequestBodySize       int64 `json:"max_request_body_size"`
		EnablePathPrefixMatching bool  `json:"enable_path_prefix_matching"`
		EnablePathSuffixMatching bool  `json:"enable_path_suffix_matching"`
	} `json:"http_server_options"`
	AccessLogs struct {
		Enabled bool `json:"enabled"`
	} `json:"access_logs"`
	Security struct {
		Certificates struct {
			Upstream map[string]string `json:"upstream"`
		} `json:"certificates"`
	} `json:"security"`

	// Name is the file the configuration came from, for messages.
	Name string `json:"-"`
}

// ParseGatewayConfig reads a tyk.conf (JSON). Errors name the file and,
// for syntax and type errors, the line.
func ParseGatewayConfig(name string, data []byte, lim safedecode.Limits) (*GatewayConfig, error) {
	if err := safedecode.CheckJSON(name, data, lim); err != nil {
		return nil, &Error{File: name, Msg: stripName(err, name), Kind: ErrInvalid, Err: err}
	}
	var c GatewayConfig
	if err := json.Unmarshal(data, &c); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, &Error{File: name, Line: lineAt(data, te.Offset), Pointer: fieldPointer("", te.Field),
				Msg: fmt.Sprintf("%s is not a %s", describeJSON(te.Value), te.Type), Kind: ErrInvalid, Err: err}
		}
		return nil, &Error{File: name, Msg: "tyk.conf: " + err.Error(), Kind: ErrInvalid, Err: err}
	}
	c.Name = name
	return &c, nil
}

func (c *GatewayConfig) pathMode() pathMode {
	if c == nil {
		return pathMode{}
	}
	return pathMode{prefix: c.HTTPServerOptions.EnablePathPrefixMatching, suffix: c.HTTPServerOptions.EnablePathSuffixMatching}
}
