package emulator

import (
	"strings"
	"unicode/utf8"

	"github.com/altogic-emulator/altogic-emulator/internal/useragent"
)

// userAgent is the parsed User-Agent of a session, as Altogic's sessions
// show it: what the npm package useragent 2.3.0, which Altogic's server
// uses, makes of the header (useragent.parse(h).toJSON()): every leaf a
// string, unknowns "Other" and "0".
type userAgent struct {
	Family string  `json:"family"`
	Major  string  `json:"major"`
	Minor  string  `json:"minor"`
	Patch  string  `json:"patch"`
	Device version `json:"device"`
	OS     version `json:"os"`
}

type version struct {
	Family string `json:"family"`
	Major  string `json:"major"`
	Minor  string `json:"minor"`
	Patch  string `json:"patch"`
}

// maxUserAgent bounds the part of a User-Agent header that is parsed:
// real ones are a few hundred bytes, and parsing is linear in the length
// (done under the environment's lock), so a 60 KB header must not cost a
// long parse. Beyond it the emulator may differ from Altogic, which parses
// the whole header.
const maxUserAgent = 1024

// parseUserAgent derives the session's userAgent from the request header.
// Node's HTTP server reads header bytes as Latin-1, so each byte is a
// character to Altogic's parser, as it is here.
func parseUserAgent(h string) userAgent {
	a := useragent.Parse(latin1(h[:min(len(h), maxUserAgent)]))
	c := strings.Clone // the session's own copies, never pieces of a cached string
	return userAgent{
		Family: c(a.Family), Major: c(a.Major), Minor: c(a.Minor), Patch: c(a.Patch),
		Device: version{Family: c(a.Device.Family), Major: c(a.Device.Major), Minor: c(a.Device.Minor), Patch: c(a.Device.Patch)},
		OS:     version{Family: c(a.OS.Family), Major: c(a.OS.Major), Minor: c(a.OS.Minor), Patch: c(a.OS.Patch)},
	}
}

// latin1 answers s with each byte read as the character of the same value,
// as Node reads header bytes; ASCII, nearly every header, passes as is.
func latin1(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			var b strings.Builder
			b.Grow(len(s) * 2)
			for j := 0; j < len(s); j++ {
				b.WriteRune(rune(s[j]))
			}
			return b.String()
		}
	}
	return s
}
