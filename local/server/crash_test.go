package server

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

// TestCrashChild is the serve process the crash test kills; it only runs when re-executed.
func TestCrashChild(t *testing.T) {
	db := os.Getenv("DEALFLOW_CRASH_CHILD_DB")
	if db == "" {
		t.Skip("only runs as the child of TestKillNineUnderLoad")
	}
	ctx := context.Background()
	rt, err := New(ctx, Config{Root: "../..", OrgFile: "testdata/org.yaml", DBPath: db, Env: testEnv, Log: discardLogger()})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	if err := rt.Start(ctx); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	fmt.Println("READY", ln.Addr().String())
	_ = http.Serve(ln, rt.Handler()) // until SIGKILL
}

func startChild(t *testing.T, db string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "DEALFLOW_CRASH_CHILD_DB="+db)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if addr, ok := strings.CutPrefix(line, "READY "); ok {
			go func() {
				for sc.Scan() {
				}
			}()
			return cmd, "http://" + addr
		}
		if strings.HasPrefix(line, "ERROR") {
			t.Fatal(line)
		}
	}
	t.Fatal("child exited before it was ready")
	return nil, ""
}

// TestKillNineUnderLoad kills the serve process with SIGKILL at random moments while leads arrive,
// restarts it on the same database, and checks that every accepted lead is routed exactly once,
// with exactly one notification, and that nothing accepted was lost.
func TestKillNineUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	kills := 3
	if v, _ := strconv.Atoi(os.Getenv("DEALFLOW_SOAK_KILLS")); v > 0 {
		kills = v
	}
	db := filepath.Join(t.TempDir(), "dealflow.db")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	var mu sync.Mutex
	accepted := map[string]bool{}
	seq := 0
	for round := 0; round <= kills; round++ {
		cmd, url := startChild(t, db)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for c := 0; c < 4; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					mu.Lock()
					seq++
					n := seq
					mu.Unlock()
					body := fmt.Sprintf(`{"email":"k%d@crash%d.de","company":"Crash %d","country":"DE"}`, n, n, n)
					code, id := postLeadQuiet(url, body)
					if code == http.StatusAccepted || code == http.StatusOK {
						mu.Lock()
						accepted[id] = true
						mu.Unlock()
					}
					time.Sleep(2 * time.Millisecond)
				}
			}()
		}
		if round < kills {
			time.Sleep(time.Duration(150+rng.IntN(600)) * time.Millisecond)
			_ = cmd.Process.Signal(syscall.SIGKILL)
			close(stop)
			wg.Wait()
			_ = cmd.Wait()
			continue
		}
		// Last round: stop the load, let the survivor finish everything.
		time.Sleep(300 * time.Millisecond)
		close(stop)
		wg.Wait()
		rt, err := openForCheck(db)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		waitFor(t, "every accepted lead routed", func() bool {
			for id := range accepted {
				l, err := rt.Store.GetLead(ctx, id)
				if err != nil || l.Status != domain.LeadRouted {
					return false
				}
			}
			n, _ := rt.Outbox.Count(ctx)
			return n >= len(accepted)
		})
		time.Sleep(300 * time.Millisecond)
		msgs, err := rt.Outbox.List(ctx, "", 1_000_000)
		if err != nil {
			t.Fatal(err)
		}
		perLead := map[string]int{}
		for _, m := range msgs {
			perLead[m.Message.Refs["leadId"]]++
		}
		for id, c := range perLead {
			if c != 1 {
				t.Errorf("lead %s got %d notifications", id, c)
			}
			if l, err := rt.Store.GetLead(ctx, id); err != nil || l.Status != domain.LeadRouted {
				t.Errorf("notified lead %s is not routed: %v", id, err)
			}
		}
		for id := range accepted {
			if perLead[id] != 1 {
				t.Errorf("accepted lead %s has %d notifications", id, perLead[id])
			}
		}
		n := len(msgs)
		rt.Store.Close()
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		// A lead stored just before a kill may never have been acknowledged to its sender: it
		// is still routed and notified (nothing stored is lost), so leads ≥ acknowledged.
		t.Logf("%d kills: %d acknowledged leads, %d stored leads all routed once with one notification each", kills, len(accepted), n)
	}
}

func postLeadQuiet(url, body string) (int, string) {
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/leads", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Dealflow-Signature", signLead(body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, ""
	}
	defer res.Body.Close()
	var out struct {
		ID string `json:"id"`
	}
	_ = jsonDecode(res, &out)
	return res.StatusCode, out.ID
}
