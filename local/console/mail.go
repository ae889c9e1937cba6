package console

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Mail is an outbox message read back from the bytes that were stored as sent, so the console
// shows exactly what the recipient gets.
type Mail struct {
	From, To, Cc, Subject, Date string
	Text, HTML                  string
}

var wordDecoder = mime.WordDecoder{}

func parseEML(eml []byte) (Mail, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(eml))
	if err != nil {
		return Mail{}, err
	}
	h := func(k string) string {
		v := msg.Header.Get(k)
		if d, err := wordDecoder.DecodeHeader(v); err == nil {
			return d
		}
		return v
	}
	m := Mail{From: h("From"), To: h("To"), Cc: h("Cc"), Subject: h("Subject"), Date: h("Date")}
	err = walkPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, &m, 0)
	return m, err
}

// walkPart collects the first text/plain and text/html parts, descending into multiparts.
func walkPart(ctype, encoding string, body io.Reader, m *Mail, depth int) error {
	if depth > 5 {
		return fmt.Errorf("message nests multiparts too deeply")
	}
	if ctype == "" {
		ctype = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return fmt.Errorf("content type %q: %w", ctype, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walkPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, m, depth+1); err != nil {
				return err
			}
		}
	}
	var r io.Reader = body
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, newlineStripper{body})
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	switch {
	case mt == "text/plain" && m.Text == "":
		m.Text = string(b)
	case mt == "text/html" && m.HTML == "":
		m.HTML = string(b)
	}
	return nil
}

// newlineStripper drops CR and LF so base64 bodies broken into lines decode.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	for {
		k, err := n.r.Read(p)
		j := 0
		for _, c := range p[:k] {
			if c != '\r' && c != '\n' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}
