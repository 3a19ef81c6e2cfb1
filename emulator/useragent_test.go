package emulator

import (
	"testing"
)

// Sessions carry what npm useragent 2.3.0 makes of the header, as Altogic's
// do (the parser itself is compared with that package in
// internal/useragent); here, the cases its documentation and clients show.
func TestParseUserAgent(t *testing.T) {
	cases := []struct {
		ua   string
		want userAgent
	}{
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.51 Safari/537.36",
			userAgent{"Chrome", "99", "0", "4844", version{"Other", "0", "0", "0"}, version{"Mac OS X", "10", "15", "7"}}},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
			userAgent{"Mobile Safari", "17", "1", "0", version{"iPhone", "0", "0", "0"}, version{"iOS", "17", "1", "0"}}},
		// The official client under Node, and the Dart client.
		{"node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", userAgent{"Other", "0", "0", "0", version{"Other", "0", "0", "0"}, version{"Other", "0", "0", "0"}}},
		{"Dart/3.4 (dart:io)", userAgent{"Other", "0", "0", "0", version{"Other", "0", "0", "0"}, version{"Other", "0", "0", "0"}}},
		{"", userAgent{"Other", "0", "0", "0", version{"Other", "0", "0", "0"}, version{"Other", "0", "0", "0"}}},
	}
	for _, c := range cases {
		if got := parseUserAgent(c.ua); got != c.want {
			t.Errorf("%q parsed as\n%+v, want\n%+v", c.ua, got, c.want)
		}
	}
}

// Header bytes are Latin-1 to Node's server: a UTF-8 "é" is two characters.
func TestLatin1(t *testing.T) {
	if got := latin1("caf\xc3\xa9"); got != "caf\u00c3\u00a9" {
		t.Fatalf("%q", got)
	}
	if s := "plain ASCII"; latin1(s) != s {
		t.Fatal("ASCII changed")
	}
}
