package contract

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	text, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(text)
	if err != nil {
		t.Fatal(err)
	}
	json := http.Header{"Content-Type": {"application/json"}}
	envelope := `{"errors":[{"origin":"client_error","code":"not_found","message":"No such thing."}]}`
	cases := []struct {
		name, method, path string
		status             int
		body               string
		want               string // "" when the answer is right
	}{
		{"a documented answer", "GET", "/_emulator/health", 200, `{"status":"ok","version":"1"}`, ""},
		{"under an environment", "GET", "/e:dev/_emulator/health", 200, `{"status":"ok","version":"1"}`, ""},
		{"a missing property", "GET", "/_emulator/health", 200, `{"status":"ok"}`, "does not match openapi.yaml"},
		{"a value out of its enum", "GET", "/e:x/_emulator/health", 200, `{"status":"fine","version":"1"}`, "does not match openapi.yaml"},
		{"an error in the envelope", "GET", "/_emulator/health", 404, envelope, ""},
		{"an error outside the envelope", "GET", "/_emulator/health", 400, `{"error":"bad"}`, "not Altogic's envelope"},
		{"an item without a code", "GET", "/nowhere", 404, `{"errors":[{"origin":"client_error","message":"x"}]}`, "without a string code"},
		{"a crash", "GET", "/nowhere", 500, `{"errors":[{"origin":"client_error","code":"internal_server_error","message":"x"}]}`, "answered 500"},
		{"an injected fault", "GET", "/_emulator/health", 503, `{"errors":[{"origin":"server_error","code":"unavailable","message":"x"}]}`, ""},
		{"an injected fault named as a crash", "GET", "/_emulator/health", 500, `{"errors":[{"origin":"server_error","code":"internal_server_error","message":"x"}]}`, ""},
		{"user data naming the code", "GET", "/_emulator/health", 200, `{"status":"ok","version":"internal_server_error"}`, ""},
		{"no route, right envelope", "GET", "/nowhere", 404, envelope, ""},
	}
	t.Run("marked unexpected", func(t *testing.T) {
		r := httptest.NewRequest("GET", "/_emulator/health", nil)
		h := http.Header{"Content-Type": {"application/json"}, UnexpectedHeader: {"true"}}
		if err := c.Check(r, 500, h, []byte(`{"errors":[{"origin":"server_error","code":"internal_server_error","message":"x"}]}`)); err == nil {
			t.Fatal("an answer marked unexpected passed")
		}
	})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.path, nil)
			err := c.Check(r, tc.status, json, []byte(tc.body))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("a right answer was refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}
