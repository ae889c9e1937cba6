package notify

import "strings"

// JoinWords joins the non-empty trimmed parts with single spaces ("Ada", "", "(Acme)" → "Ada (Acme)").
func JoinWords(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

// Sent names the message a workflow task sent (its output, for the execution history).
type Sent struct {
	MessageID string `json:"messageId"`
}
