package identity

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// AllowHosts answers 421 Misdirected Request to any request whose Host is not this machine's
// loopback names or the host of publicURL (settings.public_url): a page on another site that
// rebinds its DNS name to 127.0.0.1 reaches the server with its own name as Host, and is refused
// before any handler (console, outbox, links) runs. https://www.rfc-editor.org/rfc/rfc9110#status.421
func AllowHosts(publicURL string, next http.Handler) http.Handler {
	var public string
	if u, err := url.Parse(publicURL); err == nil && u.Host != "" {
		public = strings.ToLower(u.Hostname())
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := strings.ToLower(r.Host)
		if hh, _, err := net.SplitHostPort(h); err == nil {
			h = hh
		}
		h = strings.Trim(h, "[]")
		if !IsLoopback(h) && (public == "" || h != public) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.WriteHeader(http.StatusMisdirectedRequest)
			_, _ = w.Write([]byte("421 misdirected request: this server answers only to its configured host names (loopback and settings.public_url)\n"))
			return
		}
		next.ServeHTTP(w, r)
	})
}
