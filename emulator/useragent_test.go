package emulator

import (
	"testing"
)

func TestParseUserAgent(t *testing.T) {
	cases := map[string][3]string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0":                                                        {"Firefox", "120", "Windows"},
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1": {"Safari", "17", "iOS"},
		"node-fetch/1.0 (+https://github.com/bitinn/node-fetch)":                                                                                  {"node-fetch", "1", "Other"},
		"": {"Other", "0", "Other"},
	}
	for ua, want := range cases {
		got := parseUserAgent(ua)
		if got.Family != want[0] || got.Major != want[1] || got.OS.Family != want[2] {
			t.Errorf("%q parsed as %+v", ua, got)
		}
	}
}
