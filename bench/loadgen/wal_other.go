//go:build !unix

package loadgen

type mapping struct{}

func (m *mapping) unmap() {}

func (w *WALCommits) size() int64 {
	fi, err := w.f.Stat()
	if err != nil {
		return 0
	}
	return fi.Size()
}

func (w *WALCommits) header(off int64) ([]byte, bool) {
	b := make([]byte, walFrameHdr)
	if _, err := w.f.ReadAt(b, off); err != nil {
		return nil, false
	}
	return b, true
}
