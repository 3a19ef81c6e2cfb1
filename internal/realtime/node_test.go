package realtime

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/altogic-emulator/altogic-emulator/internal/e2egate"
)

// TestNodeClients runs testdata/realtime.test.js with Node's test runner:
// socket.io-client 4 and the official altogic client, both from e2e's
// npm packages, against this package's handler served with a stub
// Authenticate. It needs Node and `npm ci --prefix e2e`, so it runs only
// when ALTOGIC_EMULATOR_E2E=1, and then fails if they are missing.
func TestNodeClients(t *testing.T) {
	node := e2egate.Node(t, "npm ci --prefix e2e")
	modules, err := filepath.Abs("../../e2e/node_modules")
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"altogic", "socket.io-client"} {
		if _, err := os.Stat(filepath.Join(modules, pkg, "package.json")); err != nil {
			t.Fatalf("%s is not installed: run `npm ci --prefix e2e` first", pkg)
		}
	}

	srv := New(Options{
		Authenticate: stubAuthenticate,
		PingInterval: 2 * time.Second,
		PingTimeout:  2 * time.Second,
		Logger:       testLogger(t),
	})
	ts := httptest.NewServer(stubEmulator(srv))
	defer ts.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	_, port, _ := net.SplitHostPort(ts.Listener.Addr().String())

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "testdata/realtime.test.js")
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules, "REALTIME_TEST_PORT="+port)
	out, err := cmd.CombinedOutput()
	t.Logf("node --test testdata/realtime.test.js:\n%s", out)
	if err != nil {
		t.Fatalf("the Node realtime tests failed: %v", err)
	}
	if !regexp.MustCompile(`(?m)^ℹ pass [1-9]`).Match(out) || !regexp.MustCompile(`(?m)^ℹ fail 0$`).Match(out) {
		t.Fatal("the Node realtime tests ran no passing test, or some failed")
	}
}

const stubClientKey = "test-client-key"

// stubAuthenticate stands for the emulator's: the client key must be
// stubClientKey, the request must have come to a realtime.* host, and a
// Session "tok-NAME" is user NAME. The session kept records the Host.
func stubAuthenticate(r *http.Request, auth map[string]any) (Identity, error) {
	if auth["clientKey"] != stubClientKey {
		return Identity{}, &ConnectError{
			Message: "Realtime Connection Error - Invalid API Key",
			Data:    map[string]any{"origin": "client_error", "code": "invalid_api_key"},
		}
	}
	if !strings.HasPrefix(r.Host, "realtime.") {
		return Identity{}, &ConnectError{Message: "Realtime Connection Error - Not a realtime host: " + r.Host}
	}
	envID, _ := auth["envId"].(string)
	id := Identity{EnvID: envID}
	if tok, _ := auth["Session"].(string); strings.HasPrefix(tok, "tok-") {
		id.UserID = strings.TrimPrefix(tok, "tok-")
		id.Session = map[string]any{"token": tok, "userId": id.UserID, "host": r.Host}
	} else {
		id.Session = map[string]any{"host": r.Host}
	}
	return id, nil
}

// stubEmulator serves the realtime handler at Path, getMembers as the
// emulator will (POST /e:ENV/_api/rest/v1/realtime/get-members), and
// test-only endpoints for the Node script.
func stubEmulator(srv *Server) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{env}/_api/rest/v1/realtime/get-members", func(w http.ResponseWriter, r *http.Request) {
		envID, ok := strings.CutPrefix(r.PathValue("env"), "e:")
		var body struct {
			Channel string `json:"channel"`
		}
		if !ok || json.NewDecoder(r.Body).Decode(&body) != nil {
			http.Error(w, `{"errors":[{"code":"invalid_request"}]}`, http.StatusBadRequest)
			return
		}
		writeJSON(w, srv.Members(envID, body.Channel))
	})
	mux.HandleFunc("POST /test/user-event", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			EnvID   string `json:"envId"`
			UserID  string `json:"userId"`
			Event   string `json:"event"`
			Session any    `json:"session"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		srv.EmitUserEvent(body.EnvID, body.UserID, body.Event, body.Session)
		writeJSON(w, map[string]bool{"ok": true})
	})
	mux.HandleFunc("POST /test/close-env", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			EnvID string `json:"envId"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		srv.CloseEnv(body.EnvID)
		writeJSON(w, map[string]bool{"ok": true})
	})
	mux.HandleFunc("GET /test/connections", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, srv.Connections(r.URL.Query().Get("env")))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, Path) {
			srv.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
