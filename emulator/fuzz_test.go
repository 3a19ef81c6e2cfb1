package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzRequest sends arbitrary requests straight to the handler: it must
// never panic, never answer 5xx, and answer every error in the envelope.
// Seeds are in testdata/fuzz/FuzzRequest and below.
func FuzzRequest(f *testing.F) {
	em, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("POST", "/_api/rest/v1/auth/signin-email", "application/json", []byte(`{"email":"verified@example.com","password":"Passw0rd!"}`))
	f.Add("POST", "/_api/rest/v1/auth/send-reset?email=verified@example.com", "", []byte(nil))
	f.Add("POST", "/e:x/_api/rest/v1/auth/reset-pwd-code?phone=%2B15555555555&code=123456", "application/json", []byte(`{"newPassword":"abcdef"}`))
	f.Add("PATCH", "/_emulator/config", "application/json", []byte(`{"emailTokenTTL":"1m"}`))
	f.Add("GET", "/api/v2/search?kind=to&query=a", "", []byte(nil))
	f.Fuzz(func(t *testing.T, method, path, ctype string, body []byte) {
		if strings.Contains(path, "events") {
			return // a stream stays open by design
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, method, "http://emulator.test"+path, bytes.NewReader(body))
		if err != nil {
			return // not a request a client could send
		}
		req.Header.Set("X-Client-Key", "k")
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		rec := httptest.NewRecorder()
		em.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q answered %d: %s", method, path, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			var env struct {
				Errors []errorItem `json:"errors"`
			}
			if json.Unmarshal(rec.Body.Bytes(), &env) != nil || len(env.Errors) == 0 || env.Errors[0].Code == "" {
				t.Fatalf("%s %q answered %d without the envelope: %s", method, path, rec.Code, rec.Body)
			}
		}
	})
}
