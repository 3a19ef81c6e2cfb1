package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/altogic-emulator/altogic-emulator/internal/contract"
)

func TestUnknownErrorsStillSpeakTheEnvelope(t *testing.T) {
	rec := newRecorder()
	em, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	em.writeError(rec, nil, asAPIError(http.ErrHandlerTimeout))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), `"code":"internal_server_error"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

// Large answers (a list of megabytes) count against the answers in flight:
// while another holds them, one more is refused with 503, before anything
// of it was written; one always fits.
func TestLargeAnswersAreBounded(t *testing.T) {
	h := newHarnessWith(t, Options{MaxStateBytes: 1 << 30})
	en := h.em.mustEnv(t, DefaultEnvironment)
	en.mu.Lock()
	for i := range 6 {
		bio := json.RawMessage(`"` + strings.Repeat("x", 500<<10) + `"`)
		if _, err := en.newUserLocked("", fmt.Sprintf("big%d@example.com", i), "", "pw", userData{extra: map[string]json.RawMessage{"bio": bio}}, epoch); err != nil {
			t.Fatal(err)
		}
	}
	en.mu.Unlock()
	var users struct{ Users []map[string]any }
	h.do("GET", "/_emulator/users", nil, nil).wantStatus(t, 200).json(t, &users) // alone, it always fits
	if len(users.Users) != 11 {
		t.Fatalf("%d users", len(users.Users))
	}
	held := h.em.answers.newAnswer() // another large answer, not read yet
	if !held.add(make([]byte, smallAnswer+maxAnswersInFlight)) {
		t.Fatal("the only large answer did not fit")
	}
	res := h.do("GET", "/_emulator/users", nil, nil)
	res.wantError(t, 503, "server_busy", "")
	if res.header.Get("Retry-After") != "1" {
		t.Fatalf("headers %v", res.header)
	}
	h.do("GET", "/_emulator/config", nil, nil).wantStatus(t, 200) // small answers are not counted
	// An answer of a few hundred kilobytes is counted too: a thousand
	// clients that do not read could otherwise hold a thousand of them.
	h.do("POST", "/e:mid/_emulator/users", nil, map[string]any{"email": "mid@example.com", "password": "pw", "bio": strings.Repeat("m", 200<<10)}).wantStatus(t, 201)
	h.do("GET", "/e:mid/_emulator/users", nil, nil).wantError(t, 503, "server_busy", "")
	// A sign-in takes its room before it opens a session: refused, it
	// changed nothing; an answer to a change already made is written.
	h.do("PATCH", "/e:mid/_emulator/config", nil, map[string]any{"emailConfirmation": false}).wantStatus(t, 200)
	h.envAPI("mid", "POST", "/signin-email", "", map[string]string{"email": "mid@example.com", "password": "pw"}).wantError(t, 503, "server_busy", "")
	if n := h.em.mustEnv(t, "mid").sessions.len(); n != 0 {
		t.Fatalf("a refused sign-in opened %d sessions", n)
	}
	h.envAPI("mid", "POST", "/signup-email", "", map[string]any{"email": "mid2@example.com", "password": "Passw0rd!", "nameOrUserData": map[string]any{"bio": strings.Repeat("m", 200<<10)}}).wantStatus(t, 200)
	held.release()
	h.do("GET", "/e:mid/_emulator/users", nil, nil).wantStatus(t, 200)
	h.envAPI("mid", "POST", "/signin-email", "", map[string]string{"email": "mid@example.com", "password": "pw"}).wantStatus(t, 200)
	h.do("GET", "/_emulator/users", nil, nil).wantStatus(t, 200)
	if n := h.em.answers.bytes.Load(); n != 0 || h.em.answers.large.Load() != 0 {
		t.Fatalf("answers in flight after all were written: %d bytes, %d large", n, h.em.answers.large.Load())
	}
}

// An error no handler meant is marked, so tests (internal/contract) fail
// on it and not on an injected 500 of the same code.
func TestUnexpectedErrorsAreMarked(t *testing.T) {
	if unexpectedHeader != contract.UnexpectedHeader {
		t.Fatalf("the emulator marks %q, the contract looks for %q", unexpectedHeader, contract.UnexpectedHeader)
	}
	em := benchEmulatorT(t)
	rec := httptest.NewRecorder()
	em.writeError(rec, nil, asAPIError(errors.New("boom")))
	if rec.Code != 500 || rec.Header().Get(unexpectedHeader) != "true" {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	rec = httptest.NewRecorder()
	em.writeError(rec, nil, serverError(500, "internal_server_error", "Injected."))
	if rec.Header().Get(unexpectedHeader) != "" {
		t.Fatal("an injected fault was marked unexpected")
	}
}

func benchEmulatorT(t *testing.T) *Emulator {
	em, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	return em
}
