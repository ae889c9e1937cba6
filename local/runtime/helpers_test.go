package runtime

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/store/sqlite"
	"github.com/dealflow/dealflow/shared/webhook"
)

func mkdirAll(p string) error           { return os.MkdirAll(p, 0o755) }
func writeAll(p string, b []byte) error { return os.WriteFile(p, b, 0o644) }

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func signLead(body string) string { return webhook.Sign([]byte(body), time.Now(), "lead-secret") }

func jsonDecode(res *http.Response, v any) error { return json.NewDecoder(res.Body).Decode(v) }

// checkView opens a database a child process is using, read-side, for assertions.
type checkView struct {
	Store  *sqlite.Store
	Outbox *notify.Outbox
}

func openForCheck(db string) (*checkView, error) {
	st, err := sqlite.Open(db)
	if err != nil {
		return nil, err
	}
	ob, err := notify.OpenOutbox(st.DB(), clock.Real{})
	if err != nil {
		return nil, err
	}
	return &checkView{Store: st, Outbox: ob}, nil
}
