package store

import (
	"time"
)

// API is a row of apis. BaseURLs and Tags hold JSON arrays.
type API struct {
	ID             int64
	Name           string
	Title          string
	Version        string
	Owner          string
	Contact        string
	Description    string
	Environment    string
	BaseURLs       string `gorm:"column:base_urls"`
	Tags           string
	Classification string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Endpoint is a row of endpoints.
type Endpoint struct {
	ID          int64
	APIID       int64 `gorm:"column:api_id"`
	Protocol    string
	Method      string
	Path        string
	OperationID string
	Summary     string
	Deprecated  bool
	InSpec      bool
	InGateway   bool
	InTraffic   bool
	FirstSeen   time.Time
	LastSeen    time.Time
}

// Key is "METHOD path", as collectors.Endpoint.Key.
func (e Endpoint) Key() string { return e.Method + " " + e.Path }

// Source is a row of sources.
type Source struct {
	ID        int64
	Name      string
	Kind      string
	Schedule  string
	Config    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Run statuses and triggers.
const (
	RunRunning   = "running"
	RunSucceeded = "succeeded"
	RunFailed    = "failed"

	TriggerSchedule = "schedule"
	TriggerManual   = "manual"
	TriggerStartup  = "startup"
	TriggerIngest   = "ingest"
)

// Run is a row of collector_runs.
type Run struct {
	ID         int64
	SourceID   int64
	Trigger    string
	Status     string
	StartedAt  time.Time
	FinishedAt *time.Time
	APIs       int `gorm:"column:apis"`
	Endpoints  int
	Evidence   int
	Findings   int
	Error      string
	Warnings   string // JSON array of strings, "" for none
}

// TableName maps Run to collector_runs.
func (Run) TableName() string { return "collector_runs" }

// Artifact is a row of artifacts.
type Artifact struct {
	SHA256      string `gorm:"column:sha256;primaryKey"`
	Name        string
	ContentType string
	Size        int64
	Data        []byte
	CreatedAt   time.Time
}

// Evidence is a row of evidence.
type Evidence struct {
	ID               int64
	Seq              int64
	RunID            *int64
	Source           string
	Collector        string
	CollectorVersion string
	APIID            int64  `gorm:"column:api_id"`
	EndpointID       *int64 `gorm:"column:endpoint_id"`
	APIName          string `gorm:"column:api_name"`
	EndpointKey      string
	Route            string // JSON collectors.Route, "" when not a gateway rule
	ArtifactSHA256   string `gorm:"column:artifact_sha256"`
	Location         string
	Facts            string
	Notes            string // JSON []collectors.Note, "" for none
	ObservedAt       time.Time
	RecordedAt       time.Time
	PrevHash         string
	Hash             string
}

// TableName maps Evidence to evidence.
func (Evidence) TableName() string { return "evidence" }

// Finding is a row of findings.
type Finding struct {
	ID            int64
	APIID         int64  `gorm:"column:api_id"`
	EndpointID    *int64 `gorm:"column:endpoint_id"`
	Fingerprint   string
	Tool          string
	RuleID        string
	Title         string
	Description   string
	Severity      string
	RawSeverity   string
	CWE           int    `gorm:"column:cwe"`
	OWASP         string `gorm:"column:owasp"`
	Location      string
	Remediation   string
	Status        string
	Assignee      string
	DueAt         *time.Time
	AcceptedUntil *time.Time
	FirstSeen     time.Time
	LastSeen      time.Time
	UpdatedAt     time.Time
	Source        string
	LastRunID     *int64
	Method        string
	URL           string `gorm:"column:url"`
	File          string
	Line          int
	Excerpt       string
	Tags          string // JSON array of strings
	AcceptReason  string
	AcceptedBy    string
	TrackerURL    string `gorm:"column:tracker_url"`
	FixedAt       *time.Time
	// Correlation is the cross-tool identity (API, place, CWE); "" when
	// the finding names no CWE or no place. DuplicateOf points at the
	// first finding of another tool with the same correlation.
	Correlation string
	DuplicateOf *int64
}

// Finding statuses.
const (
	FindingOpen          = "open"
	FindingInProgress    = "in_progress"
	FindingFixed         = "fixed"
	FindingVerified      = "verified"
	FindingFalsePositive = "false_positive"
	FindingRiskAccepted  = "risk_accepted"
)

// StandsForIssue is the condition (on findings AS f, with their primary
// joined as p by JoinPrimary) that keeps one finding per issue: a finding
// no other tool reported first, or a duplicate that is still open while
// the first report of it is not (the issue is not over while one tool
// still sees it).
const (
	JoinPrimary    = "LEFT JOIN findings AS p ON p.id = f.duplicate_of"
	StandsForIssue = "(f.duplicate_of IS NULL OR (f.status IN ('open','in_progress') AND p.status NOT IN ('open','in_progress')))"
)

// FindingEvent is a row of finding_events: one change of a finding.
type FindingEvent struct {
	ID        int64
	FindingID int64
	At        time.Time
	Actor     string
	Kind      string
	FromValue string
	ToValue   string
	Note      string
}

// Assessment is a row of assessments: the latest evaluation of an API.
type Assessment struct {
	APIID      int64 `gorm:"column:api_id;primaryKey"`
	Level      int
	PreBasic   float64
	PreAdv     float64
	RunBasic   float64
	RunAdv     float64
	Unknown    int
	Body       string
	ComputedAt time.Time
}

// Snapshot is a row of score_snapshots.
type Snapshot struct {
	APIID      int64  `gorm:"column:api_id;primaryKey"`
	Day        string `gorm:"primaryKey"`
	Level      int
	PreBasic   float64
	PreAdv     float64
	RunBasic   float64
	RunAdv     float64
	ComputedAt time.Time
}

// TableName maps Snapshot to score_snapshots.
func (Snapshot) TableName() string { return "score_snapshots" }

// LogCursor is a row of log_cursors: how far a source read a log file.
type LogCursor struct {
	SourceID  int64  `gorm:"primaryKey;autoIncrement:false"`
	FileID    string `gorm:"primaryKey"`
	Path      string
	Offset    int64 `gorm:"column:offset"`
	Lines     int64
	Complete  bool
	UpdatedAt time.Time
}

// Traffic is a row of traffic: one API endpoint's requests on one day.
type Traffic struct {
	ID         int64
	APIID      int64  `gorm:"column:api_id"`
	EndpointID *int64 `gorm:"column:endpoint_id"`
	Method     string
	Path       string
	Day        time.Time
	FirstSeen  time.Time
	LastSeen   time.Time
	Requests   int64
	S2xx       int64  `gorm:"column:s2xx"`
	S3xx       int64  `gorm:"column:s3xx"`
	S4xx       int64  `gorm:"column:s4xx"`
	S5xx       int64  `gorm:"column:s5xx"`
	S401       int64  `gorm:"column:s401"`
	S403       int64  `gorm:"column:s403"`
	S429       int64  `gorm:"column:s429"`
	TLSKnown   int64  `gorm:"column:tls_known"`
	TLS        int64  `gorm:"column:tls"`
	PlainOK    int64  `gorm:"column:plain_ok"`
	AuthKnown  int64  `gorm:"column:auth_known"`
	UnauthOK   int64  `gorm:"column:unauth_ok"`
	Latency    string // JSON array of histogram counts, "" when none logged
	Clients    []byte // HyperLogLog sketch
}

// TableName maps Traffic to traffic.
func (Traffic) TableName() string { return "traffic" }

// ReportSchedule is a row of report_schedules. Formats and Recipients
// hold JSON arrays.
type ReportSchedule struct {
	ID         int64
	Name       string
	Origin     string // "config" or "api"
	Cron       string
	TimeZone   string `gorm:"column:timezone"`
	ScopeKind  string
	ScopeName  string
	Formats    string
	Kind       string
	Recipients string
	WebhookURL string `gorm:"column:webhook_url"`
	Directory  string
	CreatedBy  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Delivery statuses.
const (
	DeliveryRunning   = "running"
	DeliverySucceeded = "succeeded"
	DeliveryPartial   = "partial" // some channels failed
	DeliveryFailed    = "failed"
)

// ReportDelivery is a row of report_deliveries: one run of a schedule or
// one report generated on demand. Channels holds JSON.
type ReportDelivery struct {
	ID           int64
	ScheduleID   *int64
	ScheduleName string
	Trigger      string
	RequestedBy  string
	ScopeKind    string
	ScopeName    string
	Status       string
	Attempts     int
	Error        string
	Channels     string
	StartedAt    time.Time
	FinishedAt   *time.Time
}

// ReportFile is a row of report_files: an archived generated report.
type ReportFile struct {
	ID             int64
	DeliveryID     int64
	Name           string
	Format         string
	ContentType    string
	ArtifactSHA256 string `gorm:"column:artifact_sha256"`
	Size           int64
	CreatedAt      time.Time
}

// Token is a row of api_tokens.
type Token struct {
	ID         int64
	Name       string
	TokenHash  string
	Role       string
	Team       string
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

// TableName maps Token to api_tokens.
func (Token) TableName() string { return "api_tokens" }

// Session is a row of sessions.
type Session struct {
	IDHash    string `gorm:"column:id_hash;primaryKey"`
	TokenID   int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// AuditEntry is a row of audit_log.
type AuditEntry struct {
	ID         int64
	At         time.Time
	Actor      string
	Action     string
	Object     string
	Detail     string
	RemoteAddr string
}

// TableName maps AuditEntry to audit_log.
func (AuditEntry) TableName() string { return "audit_log" }
