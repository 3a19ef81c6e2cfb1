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
		extra: map[string]any{"z": 1, "a": []any{"x", map[string]any{"k": nil}}, "fn": make(chan int)}}
	var back map[string]any
	if err := json.Unmarshal(u.appendJSON(nil), &back); err != nil {
		t.Fatalf("%s: %v", u.appendJSON(nil), err)
	}
	if back["email"] != "a\"b@example.com" || back["fn"] != nil || back["a"].([]any)[0] != "x" {
		t.Fatalf("%v", back)
	}
}
