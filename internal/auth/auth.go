// Package auth manages credentials: API tokens for machines (and for people
// to log in with), sessions, roles and what each role may see. Only
// SHA-256 hashes of tokens and session ids are stored; a database leak
// does not leak a usable credential.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/posture-dev/posture/internal/store"
)

// Roles.
const (
	RoleAdmin   = "admin"   // everything, including running collectors and managing tokens
	RoleAuditor = "auditor" // read everything, including evidence and artifacts
	RoleTeam    = "team"    // read its own team's APIs, their evidence and findings
	RoleViewer  = "viewer"  // read scores and the catalog, not evidence
)

// ValidRole reports whether r is a role.
func ValidRole(r string) bool {
	switch r {
	case RoleAdmin, RoleAuditor, RoleTeam, RoleViewer:
		return true
	}
	return false
}

// Principal is who is making a request.
type Principal struct {
	Name      string
	Role      string
	Team      string
	TokenID   int64
	Anonymous bool
}

// CanReadAPI is the object-level check for an API owned by owner.
func (p Principal) CanReadAPI(owner string) bool {
	switch p.Role {
	case RoleAdmin, RoleAuditor, RoleViewer:
		return true
	case RoleTeam:
		return p.Team != "" && p.Team == owner
	}
	return false
}

// CanReadEvidence: evidence and raw artifacts of an API owned by owner.
func (p Principal) CanReadEvidence(owner string) bool {
	switch p.Role {
	case RoleAdmin, RoleAuditor:
		return true
	case RoleTeam:
		return p.Team != "" && p.Team == owner
	}
	return false
}

// CanOperate: run collectors, manage sources.
func (p Principal) CanOperate() bool { return p.Role == RoleAdmin }

// TeamScope returns the owner every listed API must have, "" for all.
func (p Principal) TeamScope() (string, bool) {
	if p.Role == RoleTeam {
		return p.Team, true
	}
	return "", false
}

// tokenPrefix makes posture tokens recognisable to secret scanners.
const tokenPrefix = "pst_"

// NewSecret returns a fresh random token with the posture prefix.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return tokenPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)), nil
}

// HashSecret is the stored form of a token or session id.
func HashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// Service issues and checks credentials.
type Service struct {
	DB         *gorm.DB
	SessionTTL time.Duration
	Now        func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// ErrInvalid is returned for an unknown, revoked or expired credential.
var ErrInvalid = errors.New("invalid or expired credential")

// CreateToken stores a new token and returns its secret, shown once.
func (s *Service) CreateToken(ctx context.Context, name, role, team string, ttl time.Duration) (string, store.Token, error) {
	if !ValidRole(role) {
		return "", store.Token{}, fmt.Errorf("token: unknown role %q (admin, auditor, team, viewer)", role)
	}
	if role == RoleTeam && team == "" {
		return "", store.Token{}, errors.New("token: role team needs a team")
	}
	secret, err := NewSecret()
	if err != nil {
		return "", store.Token{}, fmt.Errorf("token: %w", err)
	}
	t, err := s.AddToken(ctx, name, role, team, secret, ttl)
	return secret, t, err
}

// AddToken stores a token whose secret the caller chose (read from a file
// or the environment), unless a token with that secret exists already.
func (s *Service) AddToken(ctx context.Context, name, role, team, secret string, ttl time.Duration) (store.Token, error) {
	if len(secret) < 20 {
		return store.Token{}, errors.New("token: secret shorter than 20 characters")
	}
	h := HashSecret(secret)
	var existing store.Token
	err := s.DB.WithContext(ctx).Where("token_hash = ?", h).Limit(1).Find(&existing).Error
	if err != nil {
		return store.Token{}, fmt.Errorf("token: %w", err)
	}
	if existing.ID != 0 {
		return existing, nil
	}
	t := store.Token{Name: name, TokenHash: h, Role: role, Team: team, CreatedAt: s.now()}
	if ttl > 0 {
		exp := s.now().Add(ttl)
		t.ExpiresAt = &exp
	}
	if err := s.DB.WithContext(ctx).Create(&t).Error; err != nil {
		return store.Token{}, fmt.Errorf("token: %w", err)
	}
	return t, nil
}

// Authenticate resolves a bearer token.
func (s *Service) Authenticate(ctx context.Context, secret string) (Principal, error) {
	if !strings.HasPrefix(secret, tokenPrefix) && len(secret) < 20 {
		return Principal{}, ErrInvalid
	}
	var t store.Token
	if err := s.DB.WithContext(ctx).Where("token_hash = ?", HashSecret(secret)).Limit(1).Find(&t).Error; err != nil {
		return Principal{}, fmt.Errorf("auth: %w", err)
	}
	if t.ID == 0 || t.RevokedAt != nil || (t.ExpiresAt != nil && s.now().After(*t.ExpiresAt)) {
		return Principal{}, ErrInvalid
	}
	now := s.now()
	// last_used_at is informative; it is updated at most once a minute
	// per token to keep reads from turning into writes.
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		s.DB.WithContext(ctx).Model(&store.Token{}).Where("id = ?", t.ID).Update("last_used_at", now)
	}
	return Principal{Name: t.Name, Role: t.Role, Team: t.Team, TokenID: t.ID}, nil
}

// Login exchanges a token for a session id (the cookie value).
func (s *Service) Login(ctx context.Context, secret string) (string, Principal, error) {
	p, err := s.Authenticate(ctx, secret)
	if err != nil {
		return "", p, err
	}
	sid, err := NewSecret()
	if err != nil {
		return "", p, fmt.Errorf("auth: %w", err)
	}
	ttl := s.SessionTTL
	if ttl <= 0 {
		ttl = 12 * time.Hour
	}
	now := s.now()
	sess := store.Session{IDHash: HashSecret(sid), TokenID: p.TokenID, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.DB.WithContext(ctx).Create(&sess).Error; err != nil {
		return "", p, fmt.Errorf("auth: %w", err)
	}
	return sid, p, nil
}

// Session resolves a session id; the token behind it must still be valid.
func (s *Service) Session(ctx context.Context, sid string) (Principal, error) {
	var sess store.Session
	if err := s.DB.WithContext(ctx).Where("id_hash = ?", HashSecret(sid)).Limit(1).Find(&sess).Error; err != nil {
		return Principal{}, fmt.Errorf("auth: %w", err)
	}
	if sess.TokenID == 0 || s.now().After(sess.ExpiresAt) {
		return Principal{}, ErrInvalid
	}
	var t store.Token
	if err := s.DB.WithContext(ctx).Where("id = ?", sess.TokenID).Limit(1).Find(&t).Error; err != nil {
		return Principal{}, fmt.Errorf("auth: %w", err)
	}
	if t.ID == 0 || t.RevokedAt != nil || (t.ExpiresAt != nil && s.now().After(*t.ExpiresAt)) {
		return Principal{}, ErrInvalid
	}
	return Principal{Name: t.Name, Role: t.Role, Team: t.Team, TokenID: t.ID}, nil
}

// Logout deletes a session.
func (s *Service) Logout(ctx context.Context, sid string) error {
	return s.DB.WithContext(ctx).Where("id_hash = ?", HashSecret(sid)).Delete(&store.Session{}).Error
}

// Audit appends to the audit log. Secrets never go into detail.
func Audit(ctx context.Context, db *gorm.DB, actor, action, object, detail, remote string) error {
	e := store.AuditEntry{At: time.Now().UTC(), Actor: actor, Action: action, Object: object, Detail: detail, RemoteAddr: remote}
	return db.WithContext(ctx).Create(&e).Error
}
