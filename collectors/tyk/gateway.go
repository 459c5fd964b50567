package tyk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/posture-dev/posture/internal/safedecode"
)

// fetchAPIs lists the API definitions a Tyk Gateway has loaded:
// GET {gateway_url}/tyk/apis with the gateway secret in the
// x-tyk-authorization header (Tyk Gateway API, operation listApis).
// page=-1 asks gateways that paginate the list (5.x) for all of it; older
// gateways ignore the parameter and return everything anyway. The request
// is bounded by the timeout and the response by max_bytes; redirects are
// refused so the secret never travels to another host. name is the
// artifact name (the URL, without the secret).
func fetchAPIs(ctx context.Context, s settings, client *http.Client) (name string, data []byte, err error) {
	base, err := url.Parse(s.gatewayURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return "", nil, fmt.Errorf("tyk: gateway_url %q is not an http(s) URL", s.gatewayURL)
	}
	if base.User != nil {
		return "", nil, fmt.Errorf("tyk: gateway_url must not carry credentials; name the secret's environment variable with secret_env")
	}
	if s.secretEnv == "" {
		return "", nil, fmt.Errorf("tyk: gateway_url needs secret_env, the name of the environment variable holding the gateway secret")
	}
	secret := os.Getenv(s.secretEnv)
	if secret == "" {
		return "", nil, fmt.Errorf("tyk: gateway secret: environment variable %s (secret_env) is not set or empty", s.secretEnv)
	}
	name = strings.TrimRight(base.String(), "/") + "/tyk/apis"
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, name+"?page=-1", nil)
	if err != nil {
		return name, nil, fmt.Errorf("tyk: %s: %w", name, err)
	}
	req.Header.Set("x-tyk-authorization", secret)
	req.Header.Set("Accept", "application/json")
	if client == nil {
		client = &http.Client{}
	}
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return name, nil, fmt.Errorf("tyk: %s: no answer within %s (timeout)", name, s.timeout)
		}
		return name, nil, fmt.Errorf("tyk: %s: %w", name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		msg := strings.TrimSpace(string(body))
		var st struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &st) == nil && st.Message != "" {
			msg = st.Message
		}
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		hint := ""
		if resp.StatusCode == http.StatusForbidden {
			hint = " (is the secret in " + s.secretEnv + " the gateway's tyk.conf secret?)"
		}
		return name, nil, fmt.Errorf("tyk: %s: HTTP %s: %s%s", name, resp.Status, msg, hint)
	}
	data, err = safedecode.ReadAll(resp.Body, name, s.opt.Limits)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return name, nil, fmt.Errorf("tyk: %s: response not complete within %s (timeout)", name, s.timeout)
		}
		return name, nil, &Error{File: name, Msg: stripName(err, name), Kind: ErrInvalid, Err: err}
	}
	return name, data, nil
}
