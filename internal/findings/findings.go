// Package findings is the remediation workflow: who may move a finding to
// which status, what each move requires (a reason and an expiry to accept
// a risk), the history every change leaves, and the expiry of risk
// acceptances. Imports create and fix findings (package ingest); people
// drive them through this package.
package findings

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/posture-dev/posture/internal/auth"
	"github.com/posture-dev/posture/internal/ingest"
	"github.com/posture-dev/posture/internal/store"
)

// Statuses, in the order a person reads them.
var Statuses = []string{store.FindingOpen, store.FindingInProgress, store.FindingFixed, store.FindingVerified,
	store.FindingFalsePositive, store.FindingRiskAccepted}

// transitions lists where a status may go.
var transitions = map[string][]string{
	store.FindingOpen:          {store.FindingInProgress, store.FindingFixed, store.FindingFalsePositive, store.FindingRiskAccepted},
	store.FindingInProgress:    {store.FindingOpen, store.FindingFixed, store.FindingFalsePositive, store.FindingRiskAccepted},
	store.FindingFixed:         {store.FindingVerified, store.FindingOpen},
	store.FindingVerified:      {store.FindingOpen},
	store.FindingFalsePositive: {store.FindingOpen},
	store.FindingRiskAccepted:  {store.FindingOpen},
}

// Next lists the statuses a finding in status may move to.
func Next(status string) []string { return transitions[status] }

// MaxAcceptance is the longest a risk may be accepted for: acceptances are
// reviewed at least once a year.
const MaxAcceptance = 366 * 24 * time.Hour

// Errors a caller maps to HTTP statuses.
var (
	ErrNotFound  = errors.New("no such finding")
	ErrForbidden = errors.New("not allowed")
	ErrInvalid   = errors.New("invalid change")
)

// Change is what a person asks for; nil fields are left as they are.
type Change struct {
	Status      *string    `json:"status,omitempty"`
	Reason      string     `json:"reason,omitempty"`       // why: required for false_positive and risk_accepted
	AcceptUntil *time.Time `json:"accept_until,omitempty"` // required for risk_accepted
	Assignee    *string    `json:"assignee,omitempty"`
	TrackerURL  *string    `json:"tracker_url,omitempty"`
}

// Service applies changes.
type Service struct {
	DB  *gorm.DB
	SLA map[string]int // days to fix by severity; nil means ingest.DefaultSLA
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) due(severity string, from time.Time) *time.Time {
	return ingest.DueAt(s.SLA, severity, from)
}

// Load returns a finding and its API's owner if p may read it, else
// ErrNotFound (a finding of another team does not exist for the caller).
func (s *Service) Load(ctx context.Context, p auth.Principal, id int64) (store.Finding, string, error) {
	var f store.Finding
	if err := s.DB.WithContext(ctx).First(&f, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return f, "", ErrNotFound
		}
		return f, "", err
	}
	var api store.API
	if err := s.DB.WithContext(ctx).Select("id", "owner").First(&api, f.APIID).Error; err != nil {
		return f, "", err
	}
	if !p.CanReadEvidence(api.Owner) {
		return store.Finding{}, "", ErrNotFound
	}
	return f, api.Owner, nil
}

// mayMove reports whether p may move a finding of owner to status.
// Teams work their own findings; verifying a fix is an auditor's (or
// admin's) call, and accepting a risk an admin's, so nobody approves
// their own exception.
func mayMove(p auth.Principal, owner, to string) bool {
	switch p.Role {
	case auth.RoleAdmin:
		return true
	case auth.RoleAuditor:
		return to == store.FindingVerified || to == store.FindingOpen
	case auth.RoleTeam:
		return p.Team != "" && p.Team == owner && to != store.FindingVerified && to != store.FindingRiskAccepted
	}
	return false
}

// mayEdit reports whether p may change assignee or tracker link, or comment.
func mayEdit(p auth.Principal, owner string) bool {
	switch p.Role {
	case auth.RoleAdmin, auth.RoleAuditor:
		return true
	case auth.RoleTeam:
		return p.Team != "" && p.Team == owner
	}
	return false
}

// Apply makes one change to one finding, all or nothing, and records it.
func (s *Service) Apply(ctx context.Context, p auth.Principal, id int64, c Change) (store.Finding, error) {
	var out store.Finding
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		sub := &Service{DB: tx, SLA: s.SLA, Now: s.Now}
		f, owner, err := sub.Load(ctx, p, id)
		if err != nil {
			return err
		}
		out, err = sub.apply(tx, p, f, owner, c)
		return err
	})
	return out, err
}

// ApplyAll makes the same change to many findings in one transaction: a
// bulk change either happens to all of them or to none.
func (s *Service) ApplyAll(ctx context.Context, p auth.Principal, ids []int64, c Change) (int, error) {
	if len(ids) == 0 {
		return 0, fmt.Errorf("%w: no findings selected", ErrInvalid)
	}
	if len(ids) > 1000 {
		return 0, fmt.Errorf("%w: at most 1000 findings per bulk change", ErrInvalid)
	}
	n := 0
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		sub := &Service{DB: tx, SLA: s.SLA, Now: s.Now}
		for _, id := range ids {
			f, owner, err := sub.Load(ctx, p, id)
			if err != nil {
				return fmt.Errorf("finding %d: %w", id, err)
			}
			if _, err := sub.apply(tx, p, f, owner, c); err != nil {
				return fmt.Errorf("finding %d: %w", id, err)
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

func (s *Service) apply(tx *gorm.DB, p auth.Principal, f store.Finding, owner string, c Change) (store.Finding, error) {
	now := s.now()
	upd := map[string]any{}
	var events []store.FindingEvent
	ev := func(kind, from, to, note string) {
		events = append(events, store.FindingEvent{FindingID: f.ID, At: now, Actor: p.Name, Kind: kind, FromValue: from, ToValue: to, Note: note})
	}
	reason := strings.TrimSpace(c.Reason)
	if len(reason) > 4000 {
		return f, fmt.Errorf("%w: the reason is longer than 4000 characters", ErrInvalid)
	}
	if c.Status != nil && *c.Status != f.Status {
		to := *c.Status
		if !slices.Contains(Statuses, to) {
			return f, fmt.Errorf("%w: unknown status %q (one of %s)", ErrInvalid, to, strings.Join(Statuses, ", "))
		}
		if !slices.Contains(transitions[f.Status], to) {
			return f, fmt.Errorf("%w: a finding cannot go from %s to %s", ErrInvalid, f.Status, to)
		}
		if !mayMove(p, owner, to) {
			return f, fmt.Errorf("%w: %s may not set %s", ErrForbidden, p.Role, to)
		}
		switch to {
		case store.FindingRiskAccepted:
			if reason == "" || c.AcceptUntil == nil {
				return f, fmt.Errorf("%w: accepting a risk needs a reason and an expiry (accept_until)", ErrInvalid)
			}
			until := c.AcceptUntil.UTC()
			if !until.After(now) || until.Sub(now) > MaxAcceptance {
				return f, fmt.Errorf("%w: accept_until must be in the future and at most a year away", ErrInvalid)
			}
			upd["accepted_until"], upd["accept_reason"], upd["accepted_by"] = until, reason, p.Name
		case store.FindingFalsePositive:
			if reason == "" {
				return f, fmt.Errorf("%w: marking a false positive needs a reason", ErrInvalid)
			}
		case store.FindingFixed:
			upd["fixed_at"] = now
		case store.FindingOpen:
			// Reopened by a person: the clock starts again.
			upd["due_at"], upd["fixed_at"] = s.due(f.Severity, now), nil
		}
		if f.Status == store.FindingRiskAccepted {
			upd["accepted_until"], upd["accept_reason"], upd["accepted_by"] = nil, "", ""
		}
		upd["status"] = to
		ev("status", f.Status, to, reason)
	}
	if c.Assignee != nil || c.TrackerURL != nil {
		if !mayEdit(p, owner) {
			return f, fmt.Errorf("%w: %s may not edit this finding", ErrForbidden, p.Role)
		}
	}
	if c.Assignee != nil && strings.TrimSpace(*c.Assignee) != f.Assignee {
		a := strings.TrimSpace(*c.Assignee)
		if len(a) > 200 {
			return f, fmt.Errorf("%w: assignee longer than 200 characters", ErrInvalid)
		}
		upd["assignee"] = a
		ev("assignee", f.Assignee, a, "")
	}
	if c.TrackerURL != nil && strings.TrimSpace(*c.TrackerURL) != f.TrackerURL {
		t := strings.TrimSpace(*c.TrackerURL)
		if t != "" {
			u, err := url.Parse(t)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(t) > 2000 {
				return f, fmt.Errorf("%w: tracker_url must be an http(s) URL", ErrInvalid)
			}
		}
		upd["tracker_url"] = t
		ev("tracker", f.TrackerURL, t, "")
	}
	if len(upd) == 0 {
		return f, nil
	}
	upd["updated_at"] = now
	if err := tx.Model(&store.Finding{}).Where("id = ?", f.ID).Updates(upd).Error; err != nil {
		return f, err
	}
	if err := tx.Create(&events).Error; err != nil {
		return f, err
	}
	if st, ok := upd["status"].(string); ok && f.DuplicateOf == nil {
		if err := s.followPrimary(tx, p, f.ID, st, upd, reason, now); err != nil {
			return f, err
		}
	}
	// A fresh value: gorm leaves a pointer field set when it reads NULL
	// into a struct that already had it.
	var fresh store.Finding
	err := tx.First(&fresh, f.ID).Error
	return fresh, err
}

// Comment adds a comment to a finding's history.
func (s *Service) Comment(ctx context.Context, p auth.Principal, id int64, text string) error {
	text = strings.TrimSpace(text)
	if text == "" || len(text) > 4000 {
		return fmt.Errorf("%w: a comment has 1 to 4000 characters", ErrInvalid)
	}
	f, owner, err := s.Load(ctx, p, id)
	if err != nil {
		return err
	}
	if !mayEdit(p, owner) {
		return fmt.Errorf("%w: %s may not comment here", ErrForbidden, p.Role)
	}
	return s.DB.WithContext(ctx).Create(&store.FindingEvent{FindingID: f.ID, At: s.now(), Actor: p.Name, Kind: "comment", Note: text}).Error
}

// History is a finding's events, oldest first.
func (s *Service) History(ctx context.Context, id int64) ([]store.FindingEvent, error) {
	var evs []store.FindingEvent
	err := s.DB.WithContext(ctx).Where("finding_id = ?", id).Order("id").Find(&evs).Error
	return evs, err
}

// ExpireAcceptances reopens every finding whose risk acceptance has
// expired, with a new deadline from today, and returns how many.
func (s *Service) ExpireAcceptances(ctx context.Context) (int, error) {
	now := s.now()
	n := 0
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var due []store.Finding
		if err := tx.Where("status = ? AND accepted_until IS NOT NULL AND accepted_until <= ?", store.FindingRiskAccepted, now).Find(&due).Error; err != nil {
			return err
		}
		for _, f := range due {
			if err := tx.Model(&store.Finding{}).Where("id = ?", f.ID).Updates(map[string]any{
				"status": store.FindingOpen, "due_at": s.due(f.Severity, now), "updated_at": now,
				"accepted_until": nil, "accept_reason": "", "accepted_by": ""}).Error; err != nil {
				return err
			}
			note := fmt.Sprintf("risk acceptance by %s expired on %s", f.AcceptedBy, f.AcceptedUntil.UTC().Format("2006-01-02"))
			if err := tx.Create(&store.FindingEvent{FindingID: f.ID, At: now, Actor: ingest.ActorPosture, Kind: "status",
				FromValue: store.FindingRiskAccepted, ToValue: store.FindingOpen, Note: note}).Error; err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// followPrimary gives the other tools' reports of the same issue the
// status a person just gave its first report: a risk accepted, a false
// positive or a fix verified is a decision about the issue, not about one
// tool's wording of it. Duplicates that cannot make that move keep theirs.
func (s *Service) followPrimary(tx *gorm.DB, p auth.Principal, primaryID int64, to string, upd map[string]any, reason string, now time.Time) error {
	var dups []store.Finding
	if err := tx.Where("duplicate_of = ? AND status <> ?", primaryID, to).Find(&dups).Error; err != nil {
		return err
	}
	for _, d := range dups {
		if !slices.Contains(transitions[d.Status], to) {
			continue
		}
		du := map[string]any{}
		for k, v := range upd {
			if k != "assignee" && k != "tracker_url" {
				du[k] = v
			}
		}
		if to == store.FindingOpen {
			du["due_at"] = s.due(d.Severity, now)
		}
		if err := tx.Model(&store.Finding{}).Where("id = ?", d.ID).Updates(du).Error; err != nil {
			return err
		}
		note := fmt.Sprintf("with finding %d, the first report of this issue", primaryID)
		if reason != "" {
			note += ": " + reason
		}
		if err := tx.Create(&store.FindingEvent{FindingID: d.ID, At: now, Actor: p.Name, Kind: "status",
			FromValue: d.Status, ToValue: to, Note: note}).Error; err != nil {
			return err
		}
	}
	return nil
}
