package traffic

import (
	"encoding/json"
	"fmt"

	"gorm.io/gorm"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/store"
)

// Inventory reads what the access-log collector matches requests
// against: every API with its base URLs and endpoints. An endpoint is in
// a description when the latest run of a source described it (its
// current endpoint evidence); one that a description once had and no
// longer has counts as removed.
func Inventory(db *gorm.DB, apiIDs ...int64) ([]collectors.InventoryAPI, error) {
	apis, byID, err := inventory(db, apiIDs)
	if err != nil {
		return nil, err
	}
	out := make([]collectors.InventoryAPI, 0, len(apis))
	for _, a := range apis {
		out = append(out, byID[a.ID])
	}
	return out, nil
}

// inventory reads the APIs (all, or those of apiIDs) in name order and
// their inventory by API id.
func inventory(db *gorm.DB, apiIDs []int64) ([]store.API, map[int64]collectors.InventoryAPI, error) {
	apiQ, epQ, evFilter := db.Order("name"), db.Order("api_id, method, path"), ""
	var args []any
	if len(apiIDs) > 0 {
		apiQ, epQ = apiQ.Where("id IN ?", apiIDs), epQ.Where("api_id IN ?", apiIDs)
		evFilter, args = " AND e.api_id IN ?", []any{apiIDs}
	}
	var apis []store.API
	if err := apiQ.Find(&apis).Error; err != nil {
		return nil, nil, fmt.Errorf("inventory: %w", err)
	}
	var eps []store.Endpoint
	if err := epQ.Find(&eps).Error; err != nil {
		return nil, nil, fmt.Errorf("inventory: endpoints: %w", err)
	}
	var cur []struct {
		APIID       int64 `gorm:"column:api_id"`
		EndpointKey string
		Facts       string
	}
	if err := db.Raw(`SELECT e.api_id, e.endpoint_key, e.facts FROM evidence e
		JOIN (SELECT api_id, source, MAX(run_id) AS run_id FROM evidence GROUP BY api_id, source) l
		  ON e.api_id = l.api_id AND e.source = l.source AND e.run_id = l.run_id
		WHERE e.endpoint_key <> ''`+evFilter+` ORDER BY e.seq`, args...).Scan(&cur).Error; err != nil {
		return nil, nil, fmt.Errorf("inventory: current evidence: %w", err)
	}
	type state struct{ described, deprecated, authDeclared, public bool }
	states := map[string]*state{}
	for _, r := range cur {
		var facts map[string]any
		if err := json.Unmarshal([]byte(r.Facts), &facts); err != nil {
			return nil, nil, fmt.Errorf("inventory: evidence facts: %w", err)
		}
		k := fmt.Sprint(r.APIID, "|", r.EndpointKey)
		st := states[k]
		if st == nil {
			st = &state{}
			states[k] = st
		}
		st.described = true
		if v, ok := facts[collectors.FactDeprecated].(bool); ok {
			st.deprecated = v
		}
		if v, ok := facts[collectors.FactAuthDeclared].(bool); ok {
			st.authDeclared = v
		}
		if v, ok := facts[collectors.FactAuthPublic].(bool); ok {
			st.public = v
		}
	}
	byAPI := map[int64][]collectors.InventoryEndpoint{}
	for _, e := range eps {
		ie := collectors.InventoryEndpoint{Method: e.Method, Path: e.Path}
		if st := states[fmt.Sprint(e.APIID, "|", e.Key())]; st != nil {
			ie.InSpec, ie.Deprecated, ie.AuthRequired = true, st.deprecated, st.authDeclared && !st.public
		} else if e.InSpec {
			ie.Removed = true
		}
		byAPI[e.APIID] = append(byAPI[e.APIID], ie)
	}
	out := make(map[int64]collectors.InventoryAPI, len(apis))
	for _, a := range apis {
		var bases []string
		_ = json.Unmarshal([]byte(a.BaseURLs), &bases)
		out[a.ID] = collectors.InventoryAPI{Name: a.Name, BaseURLs: bases, Endpoints: byAPI[a.ID]}
	}
	return apis, out, nil
}
