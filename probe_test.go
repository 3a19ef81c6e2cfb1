package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// With --admin-token the control plane needs it, but health does not, so
// the container's health check (--check-health) passes.
func TestCheckHealthWithAdminToken(t *testing.T) {
	s := start(t, []string{"--addr", "127.0.0.1:0", "--admin-token", "s3cret"}, nil)
	addr := strings.TrimPrefix(s.url, "http://")
	if err := run(context.Background(), []string{"--check-health", "--addr", addr}, func(string) string { return "" }, io.Discard); err != nil {
		t.Fatalf("--check-health: %v", err)
	}
	res, err := http.Get(s.url + "/_emulator/users")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("the control API without the token: %d", res.StatusCode)
	}
}
