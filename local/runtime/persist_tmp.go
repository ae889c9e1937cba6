package runtime

import (
	"context"
	"database/sql"

	"github.com/dealflow/dealflow/local/sfn"
)

// newPersistence is where the engine keeps executions. TEMPORARY: in memory until the engine's
// SQLite persistence lands; then executions survive restarts.
func newPersistence(_ context.Context, _ *sql.DB) sfn.Persistence { return sfn.NewMemoryPersistence() }
