package loadgen

import (
	"encoding/binary"
	"os"
	"sync"
	"time"
)

// WALCommits counts the transactions committed to a SQLite database in WAL mode by any process,
// by reading its -wal file: every committed write transaction appends frames, and its last frame
// carries the database size after the commit (non-zero only in commit frames). Format:
// https://www.sqlite.org/fileformat2.html#walformat. A frame belongs to the current WAL
// generation when its salts equal the header's; when SQLite restarts the WAL after a checkpoint
// (new salts) the counter first finishes the old generation's frames that are still on disk, so
// commits are only missed if more frames than were left unread are rewritten between two polls.
type WALCommits struct {
	path string
	mu   sync.Mutex
	f    *os.File

	salt1, salt2 uint32
	pageSize     int64
	next         int64 // offset of the next unread frame of the current generation
	commits      int64
	frames       int64
	restarts     int64
	m            mapping
}

const (
	walHeaderSize = 32
	walFrameHdr   = 24
)

// NewWALCommits starts counting at the WAL's current end: earlier commits are not counted.
func NewWALCommits(dbPath string) *WALCommits {
	w := &WALCommits{path: dbPath + "-wal"}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.poll(false)
	return w
}

// Poll reads the frames appended since the last poll.
func (w *WALCommits) Poll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.poll(true)
}

// Run polls every interval until stop is closed, then once more.
func (w *WALCommits) Run(interval time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			w.Poll()
			return
		case <-t.C:
			w.Poll()
		}
	}
}

// Commits is the number of commits seen so far; Frames the pages written with them; Restarts how
// often the WAL was restarted after a checkpoint.
func (w *WALCommits) Commits() int64 { w.mu.Lock(); defer w.mu.Unlock(); return w.commits }
func (w *WALCommits) Frames() int64  { w.mu.Lock(); defer w.mu.Unlock(); return w.frames }
func (w *WALCommits) Restarts() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.restarts
}

// Close releases the file.
func (w *WALCommits) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.m.unmap()
	if w.f != nil {
		return w.f.Close()
	}
	return nil
}

func (w *WALCommits) poll(count bool) {
	if w.f == nil {
		f, err := os.Open(w.path)
		if err != nil {
			return // no WAL yet: nothing committed in WAL mode
		}
		w.f = f
	}
	var hdr [walHeaderSize]byte
	if _, err := w.f.ReadAt(hdr[:], 0); err != nil {
		return
	}
	magic := binary.BigEndian.Uint32(hdr[0:])
	if magic != 0x377f0682 && magic != 0x377f0683 {
		return // header not written yet
	}
	ps := int64(binary.BigEndian.Uint32(hdr[8:]))
	if ps == 1 {
		ps = 65536 // the format stores 65536 as 1
	}
	s1, s2 := binary.BigEndian.Uint32(hdr[16:]), binary.BigEndian.Uint32(hdr[20:])
	if w.pageSize == 0 {
		w.pageSize, w.salt1, w.salt2, w.next = ps, s1, s2, walHeaderSize
	}
	if s1 != w.salt1 || s2 != w.salt2 {
		// Restarted: count what is left of the old generation, then start over at frame 0.
		w.scan(count)
		w.salt1, w.salt2, w.pageSize, w.next = s1, s2, ps, walHeaderSize
		w.restarts++
	}
	w.scan(count)
}

// scan reads the frame headers from w.next while they carry the current salts. Page contents
// are never read, and on unix the file is memory-mapped, so polling costs two system calls
// however busy the server is.
func (w *WALCommits) scan(count bool) {
	frame := walFrameHdr + w.pageSize
	size := w.size()
	for w.next+frame <= size {
		h, ok := w.header(w.next)
		if !ok || binary.BigEndian.Uint32(h[8:]) != w.salt1 || binary.BigEndian.Uint32(h[12:]) != w.salt2 {
			return
		}
		if count {
			w.frames++
			if binary.BigEndian.Uint32(h[4:]) != 0 {
				w.commits++
			}
		}
		w.next += frame
	}
}
