package emulator

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote\back`, "tab\tnl\ncr\r", "\x00\x01\x1f", "<a href='x'>&</a>",
		"ünïcödé ✓ 😀", "bad \xff utf8 \xc3\x28", "line\u2028sep\u2029", "\x7f"} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		if got := string(appendString(nil, s)); got != string(bytes.TrimSpace(want.Bytes())) {
			t.Errorf("%q: got %s, want %s", s, got, want.Bytes())
		}
	}
}

func TestUserJSONIsValidWithAnyData(t *testing.T) {
	u := &user{id: "0123456789abcdef01234567", provider: "altogic", email: "a\"b@example.com", name: "N\u2028",
		extra: map[string]json.RawMessage{"z": json.RawMessage("1"), "a": compactJSON([]byte(`[ "x", {"k": null} ]`)), "bad": compactJSON([]byte("{"))}}
	var back map[string]any
	if err := json.Unmarshal(u.appendJSON(nil), &back); err != nil {
		t.Fatalf("%s: %v", u.appendJSON(nil), err)
	}
	if back["email"] != "a\"b@example.com" || back["bad"] != nil || back["a"].([]any)[0] != "x" || back["z"] != 1.0 {
		t.Fatalf("%v", back)
	}
}
