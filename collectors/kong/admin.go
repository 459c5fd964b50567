package kong

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/posture-dev/posture/internal/safedecode"
)

// The Admin API source reads what a running Kong holds and turns it into
// a decK-shaped document, which Parse then reads like any file: the same
// code decides the facts, and the document (not the raw pages) is the
// artifact, so its JSON pointers locate every route.
//
// Entities are listed with GET /services, /routes, /plugins, /consumers
// and /upstreams (size=1000 per page, following the offset Kong returns in
// "offset" / "next"). Only the offset is taken from "next", never a URL,
// so a response cannot send the collector to another host. GET / gives the
// Kong version: before 3.0, paths with regex characters are regexes
// without "~", so such a Kong is read as _format_version "1.1".
// Credentials (key-auth keys, JWT secrets) are never requested, so
// jwt.algorithms is not known from the Admin API.

const (
	adminPageSize = 1000
	adminMaxPages = 10000
	// adminMaxResponse bounds one response unless max_bytes says otherwise;
	// the whole collection is bounded by 4 times that.
	adminMaxResponse int64 = 16 << 20
)

// adminEntities are the collections read, with whether a 404 is tolerated
// (Konnect and some Kong versions lack some).
var adminEntities = []struct {
	name     string
	optional bool
}{
	{"services", false}, {"routes", false}, {"plugins", false}, {"consumers", true}, {"upstreams", true},
}

type adminClient struct {
	base   *url.URL
	name   string // base URL without credentials, for messages and the artifact
	client *http.Client
	token  string
	lim    safedecode.Limits
	total  int64
	budget int64
}

func collectAdmin(ctx context.Context, st settings) (*Result, error) {
	data, name, err := fetchAdmin(ctx, st)
	if err != nil {
		return nil, err
	}
	lim := st.lim
	lim.MaxBytes = int64(len(data)) + 1 // the assembled document is already bounded
	return Parse(name, data, Options{Limits: lim})
}

// fetchAdmin reads the Admin API into a decK-shaped JSON document.
func fetchAdmin(ctx context.Context, st settings) ([]byte, string, error) {
	u, err := url.Parse(st.adminURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, st.adminURL, fmt.Errorf("kong: admin_url %q is not an http(s) URL", st.adminURL)
	}
	safe := *u
	safe.User, safe.RawQuery, safe.Fragment = nil, "", ""
	ac := &adminClient{base: u, name: strings.TrimRight(safe.String(), "/"), lim: st.lim}
	if ac.lim.MaxBytes <= 0 {
		ac.lim.MaxBytes = adminMaxResponse
	}
	ac.budget = 4 * ac.lim.MaxBytes
	ac.client = &http.Client{
		Timeout: st.timeout,
		// A redirect could lead anywhere; the Admin API does not redirect.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if st.tokenEnv != "" {
		ac.token = os.Getenv(st.tokenEnv)
		if ac.token == "" {
			return nil, ac.name, fmt.Errorf("kong: %s: admin_token_env names %s, which is empty", ac.name, st.tokenEnv)
		}
	}

	doc := map[string]any{}
	version := ""
	var root struct {
		Version string `json:"version"`
	}
	if body, status, err := ac.get(ctx, "", nil); err == nil && status == http.StatusOK {
		if json.Unmarshal(body, &root) == nil {
			version = root.Version
		}
	} else if err != nil && ctx.Err() != nil {
		return nil, ac.name, err
	}
	format := "3.0"
	if major, _, _ := strings.Cut(version, "."); major != "" {
		if n, err := strconv.Atoi(major); err == nil && n < 3 {
			format = "1.1"
		}
	}
	doc["_format_version"] = format
	doc["_admin_api"] = map[string]string{"url": ac.name, "kong_version": version}
	for _, e := range adminEntities {
		items, err := ac.list(ctx, e.name, e.optional)
		if err != nil {
			return nil, ac.name, err
		}
		doc[e.name] = items
	}
	out, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		return nil, ac.name, fmt.Errorf("kong: %s: %w", ac.name, err)
	}
	return out, ac.name, nil
}

// list reads every page of one collection.
func (ac *adminClient) list(ctx context.Context, entity string, optional bool) ([]json.RawMessage, error) {
	var all []json.RawMessage
	offset := ""
	seen := map[string]bool{}
	for page := 0; ; page++ {
		if page >= adminMaxPages {
			return nil, fmt.Errorf("kong: %s/%s: more than %d pages", ac.name, entity, adminMaxPages)
		}
		q := url.Values{"size": {strconv.Itoa(adminPageSize)}}
		if offset != "" {
			q.Set("offset", offset)
		}
		body, status, err := ac.get(ctx, entity, q)
		if err != nil {
			return nil, err
		}
		where := ac.name + "/" + entity
		if status == http.StatusNotFound && optional && page == 0 {
			return nil, nil
		}
		if status != http.StatusOK {
			return nil, fmt.Errorf("kong: %s: HTTP status %d: %s", where, status, snippet(body))
		}
		if err := safedecode.CheckJSON(where, body, ac.lim); err != nil {
			return nil, safeError(where, err)
		}
		var pg struct {
			Data   []json.RawMessage `json:"data"`
			Next   *string           `json:"next"`
			Offset *string           `json:"offset"`
		}
		if err := json.Unmarshal(body, &pg); err != nil {
			return nil, &Error{File: where, Msg: "not an Admin API list (" + err.Error() + ")", Kind: ErrNotKong}
		}
		all = append(all, pg.Data...)
		next := ""
		if pg.Offset != nil {
			next = *pg.Offset
		} else if pg.Next != nil && *pg.Next != "" {
			if nu, err := url.Parse(*pg.Next); err == nil {
				next = nu.Query().Get("offset")
			}
		}
		if next == "" {
			return all, nil
		}
		if seen[next] {
			return nil, fmt.Errorf("kong: %s: pagination repeats offset %q", where, next)
		}
		seen[next] = true
		offset = next
	}
}

// get fetches base/entity?query within the size budget.
func (ac *adminClient) get(ctx context.Context, entity string, q url.Values) ([]byte, int, error) {
	u := *ac.base
	u.Path = strings.TrimRight(u.Path, "/") + "/" + entity
	u.RawPath = ""
	u.RawQuery = q.Encode()
	where := ac.name + "/" + entity
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, 0, fmt.Errorf("kong: %s: %w", where, err)
	}
	req.Header.Set("Accept", "application/json")
	if ac.token != "" {
		req.Header.Set("Kong-Admin-Token", ac.token)
	}
	resp, err := ac.client.Do(req)
	if err != nil {
		// url.Error repeats the URL (credentials included): report ours.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, 0, fmt.Errorf("kong: %s: %w", where, err)
	}
	defer resp.Body.Close()
	lim := ac.lim
	if rest := ac.budget - ac.total; rest < lim.MaxBytes {
		lim.MaxBytes = max(rest, 1)
	}
	body, err := safedecode.ReadAll(resp.Body, where, lim)
	if err != nil {
		return nil, resp.StatusCode, safeError(where, err)
	}
	ac.total += int64(len(body))
	return body, resp.StatusCode, nil
}

// safeError turns a safedecode error into an *Error naming where.
func safeError(where string, err error) error {
	var se *safedecode.Error
	if errors.As(err, &se) {
		return &Error{File: where, Line: se.Line, Column: se.Column, Msg: se.Msg, Err: err}
	}
	return &Error{File: where, Msg: err.Error(), Err: err}
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
