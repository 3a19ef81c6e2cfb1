package emulator

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/routers"
)

// Benchmarks of the hot handlers, straight through ServeHTTP (no network),
// with allocation counts. BenchmarkBare is the reference: a handler that
// answers {} as the bench/ script's bare server does.

func benchEmulator(b *testing.B) *Emulator {
	b.Helper()
	em, err := New(Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	return em
}

func benchServe(b *testing.B, h http.Handler, method, target, body string, want int) {
	b.Helper()
	b.ReportAllocs()
	for b.Loop() {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req := httptest.NewRequest(method, target, rd)
		req.Header.Set("X-Client-Key", "k")
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			b.Fatalf("%d: %s", rec.Code, rec.Body)
		}
	}
}

func BenchmarkBare(b *testing.B) {
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{}")
	})
	benchServe(b, bare, "POST", "/_api/rest/v1/auth/send-reset?email=verified@example.com", "", 200)
}

func BenchmarkSendReset(b *testing.B) {
	benchServe(b, benchEmulator(b), "POST", "/_api/rest/v1/auth/send-reset?email=verified@example.com", "", 200)
}

func BenchmarkSignInEmail(b *testing.B) {
	benchServe(b, benchEmulator(b), "POST", "/_api/rest/v1/auth/signin-email", `{"email":"verified@example.com","password":"Passw0rd!"}`, 200)
}

func BenchmarkHealth(b *testing.B) {
	benchServe(b, benchEmulator(b), "GET", "/_emulator/health", "", 200)
}

// BenchmarkValidateRequest is routing and openapi.yaml validation alone.
func BenchmarkValidateRequest(b *testing.B) {
	em := benchEmulator(b)
	body := []byte(`{"email":"verified@example.com","password":"Passw0rd!"}`)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/_api/rest/v1/auth/signin-email", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Client-Key", "bench")
		route, params, err := em.spec.FindRoute(req)
		if err != nil {
			b.Fatal(err)
		}
		if err := validateRequest(em.spec, req, route, params, body); err != nil {
			b.Fatal(err)
		}
	}
}

var _ = context.Background
var _ routers.Route
