// Package migrations embeds posture's versioned SQL migrations. Files are
// named NNNN_description.sql, applied in order once each, and never edited
// after they ship: a change is a new file. One directory per dialect, so a
// PostgreSQL variant of every file can live beside the SQLite one.
package migrations

import "embed"

// SQLite holds the SQLite migrations under "sqlite/".
//
//go:embed sqlite/*.sql
var SQLite embed.FS
