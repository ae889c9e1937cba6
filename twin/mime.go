package twin

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// parseRaw reads the subject and the text and HTML parts of a raw MIME message (SES v2
// Content.Raw), so stories can assert what the recipient reads.
func parseRaw(data []byte, e *Email) {
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		e.Text = string(data)
		return
	}
	dec := new(mime.WordDecoder)
	if s, err := dec.DecodeHeader(msg.Header.Get("Subject")); err == nil {
		e.Subject = s
	}
	readPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, e)
}

func readPart(ctype, enc string, body io.Reader, e *Email) {
	mt, params, _ := mime.ParseMediaType(ctype)
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			readPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, e)
		}
	}
	switch strings.ToLower(enc) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, _ := io.ReadAll(body)
	switch mt {
	case "text/html":
		e.HTML += string(b)
	case "text/plain", "":
		e.Text += string(b)
	}
}
