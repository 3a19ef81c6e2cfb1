package emulator

import (
	"bytes"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"strings"
	"time"

	"github.com/altogic-emulator/altogic-emulator/inbox"
)

// mimeHost names the emulator in Message-IDs and SMTP greetings.
const mimeHost = "altogic-emulator"

// mimeMessage renders a captured email as the message a real mail server
// would receive: headers, and a multipart/alternative body with the text
// and the HTML version, quoted-printable.
func mimeMessage(m inbox.Email) []byte {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.SetBoundary("altogic-" + strings.ReplaceAll(m.ID, "-", ""))
	for _, part := range []struct{ ctype, text string }{
		{"text/plain; charset=UTF-8", m.Text},
		{"text/html; charset=UTF-8", m.HTML},
	} {
		w, _ := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.ctype},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		qp := quotedprintable.NewWriter(w)
		qp.Write([]byte(strings.ReplaceAll(part.text, "\n", "\r\n")))
		qp.Close()
	}
	mw.Close()

	var msg bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&msg, "%s: %s\r\n", k, v) }
	header("From", senderAddress)
	header("To", m.To)
	header("Subject", mime.QEncoding.Encode("UTF-8", m.Subject))
	header("Date", m.CreatedAt.Format(time.RFC1123Z))
	header("Message-ID", "<"+m.ID+"@"+mimeHost+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "multipart/alternative; boundary=\""+mw.Boundary()+"\"")
	header("X-Altogic-Action", m.Action)
	msg.WriteString("\r\n")
	msg.Write(body.Bytes())
	return msg.Bytes()
}
