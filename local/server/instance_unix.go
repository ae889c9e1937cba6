//go:build unix

package server

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// lockInstance makes sure one runtime at a time uses the SQLite file at db: it holds an exclusive
// flock(2) on db+".lock" (released when the process ends, even by kill -9) with this process's id
// inside for the error message. Two runtimes on one file would both resume the same executions,
// fire the same schedules and route against stale in-memory pool counters.
func lockInstance(db string) (release func(), err error) {
	path := db + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b := make([]byte, 32)
		n, _ := f.ReadAt(b, 0)
		f.Close()
		holder := strings.TrimSpace(string(b[:n]))
		if _, perr := strconv.Atoi(holder); perr != nil || holder == "" {
			holder = "another process"
		} else {
			holder = "process " + holder
		}
		return nil, fmt.Errorf("%s is in use by %s (another dealflow serve?); one runtime per file: stop it or use another --db", db, holder)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
