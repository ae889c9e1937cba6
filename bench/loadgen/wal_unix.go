//go:build unix

package loadgen

import "syscall"

// mapping is the WAL file mapped read-only; it is remapped in large steps as the file grows.
type mapping struct {
	data []byte
}

func (m *mapping) unmap() {
	if m.data != nil {
		_ = syscall.Munmap(m.data)
		m.data = nil
	}
}

// size is the file's current size; bytes past it must not be touched (SIGBUS).
func (w *WALCommits) size() int64 {
	fi, err := w.f.Stat()
	if err != nil {
		return 0
	}
	n := fi.Size()
	if n > int64(len(w.m.data)) {
		w.m.unmap()
		length := (n/(64<<20) + 1) * (64 << 20) // mapping past EOF is allowed; reading there is not
		data, err := syscall.Mmap(int(w.f.Fd()), 0, int(length), syscall.PROT_READ, syscall.MAP_SHARED)
		if err != nil {
			return 0
		}
		w.m.data = data
	}
	return n
}

func (w *WALCommits) header(off int64) ([]byte, bool) {
	if off+walFrameHdr > int64(len(w.m.data)) {
		return nil, false
	}
	return w.m.data[off : off+walFrameHdr], true
}
