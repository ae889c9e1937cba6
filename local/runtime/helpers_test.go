package runtime

import "os"

func mkdirAll(p string) error           { return os.MkdirAll(p, 0o755) }
func writeAll(p string, b []byte) error { return os.WriteFile(p, b, 0o644) }
