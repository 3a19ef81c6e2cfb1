package emulator

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Every byte charged to the state budget is given back: after a mix of
// every kind of state in two environments, deleting them and resetting the
// default one brings the budget back to where it started.
func TestStateBudgetIsGivenBack(t *testing.T) {
	h := newHarness(t, nil)
	start := h.em.budget.used.Load()
	if start < envOverhead {
		t.Fatalf("the default environment is charged %d bytes", start)
	}
	for _, env := range []string{"", "/e:a", "/e:b"} {
		api := func(method, path, session string, body any) resp {
			headers := hdr{"X-Client-Key": "k", "User-Agent": "Mozilla/5.0 (Macintosh) Chrome/120.0.0.0 Safari/537.36"}
			if session != "" {
				headers["Session"] = session
			}
			return h.do(method, env+"/_api/rest/v1/auth"+path, headers, body)
		}
		for i := range 30 {
			email := fmt.Sprintf("u%d@example.com", i)
			api("POST", "/signup-email", "", map[string]any{"email": email, "password": "Passw0rd!",
				"nameOrUserData": map[string]any{"bio": strings.Repeat("b", i*50), "emailVerified": i%2 == 0}}).wantStatus(t, 200)
			api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
			api("POST", "/send-reset-code?phone=%2B15555555555", "", nil).wantStatus(t, 200)
			api("POST", "/signin-email", "", map[string]string{"email": verified, "password": "Passw0rd!"}).wantStatus(t, 200)
			api("POST", "/nope", "", nil).wantStatus(t, 404) // journaled
		}
		s := h.signInEnv(env, verified)
		api("POST", "/change-email", s, map[string]string{"currentPassword": "Passw0rd!", "newEmail": "a-much-longer-address-than-before@example.com"}).wantStatus(t, 200)
		h.do("POST", env+"/_emulator/faults", nil, map[string]any{"operation": "signOut", "status": 500, "times": 3}).wantStatus(t, 201)
		h.do("POST", env+"/_emulator/users", nil, map[string]any{"email": "made@example.com", "password": "Passw0rd!", "plan": "pro"}).wantStatus(t, 201)
		h.follow(h.latestEmail(env, verified, "reset-pwd").Link)
	}
	if used := h.em.budget.used.Load(); used <= 3*start {
		t.Fatalf("the budget holds %d bytes after all that, %d at the start", used, start)
	}
	h.do("DELETE", "/e:a/_emulator/environment", nil, nil).wantStatus(t, 204)
	h.do("DELETE", "/e:b/_emulator/environment", nil, nil).wantStatus(t, 204)
	h.do("POST", "/_emulator/reset", nil, nil).wantStatus(t, 204)
	if used := h.em.budget.used.Load(); used != start {
		t.Fatalf("the budget holds %d bytes, %d at the start", used, start)
	}
	// An import replaces, and so charges, only the difference.
	st := h.do("GET", "/_emulator/state", nil, nil).wantStatus(t, 200).body
	h.do("PUT", "/_emulator/state", nil, st).wantStatus(t, 204)
	if used := h.em.budget.used.Load(); used != start {
		t.Fatalf("after importing its own state the budget holds %d bytes, %d before", used, start)
	}
}

func (h *harness) signInEnv(env, email string) string {
	h.t.Helper()
	var out signedIn
	h.do("POST", env+"/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "k", "Content-Type": "application/json"},
		map[string]string{"email": email, "password": "Passw0rd!"}).wantStatus(h.t, 200).json(h.t, &out)
	return out.Session.Token
}

// When the budget is spent, new users are refused, while links, codes and
// messages keep working by dropping the oldest of their kind.
func TestStateBudgetWhenSpent(t *testing.T) {
	const limit = 192 << 10
	h := newHarnessWith(t, Options{MaxStateBytes: limit})
	refused := false
	for i := 0; i < 1000 && !refused; i++ {
		res := h.api("POST", "/signup-email", "", map[string]any{"email": fmt.Sprintf("u%d@example.com", i), "password": "Passw0rd!",
			"nameOrUserData": map[string]any{"bio": strings.Repeat("b", 4000)}})
		if res.status == http.StatusTooManyRequests {
			res.wantError(t, 429, "storage_full", "")
			if !strings.Contains(res.errorItems(t)[0].Message, "192 KiB") || !strings.Contains(res.errorItems(t)[0].Message, "--max-state") {
				t.Fatalf("the refusal: %s", res.body)
			}
			refused = true
		} else {
			res.wantStatus(t, 200)
		}
	}
	if !refused {
		t.Fatal("a thousand 4 KB users fit a 192 KiB budget")
	}
	// The reset flows still work: their tokens and emails push out older ones.
	for range 50 {
		h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
		token := h.followOK(h.latestEmail("", verified, "reset-pwd").Link, "reset-pwd")
		h.api("POST", "/reset-pwd?key="+token, "", map[string]string{"newPassword": "Passw0rd!"}).wantStatus(t, 200)
		h.api("POST", "/send-reset-code?phone=%2B15555555555", "", nil).wantStatus(t, 200)
		code := h.latestSMS("", "+15555555555", "reset-pwd-code").Code
		h.api("POST", "/reset-pwd-code?phone=%2B15555555555&code="+code, "", map[string]string{"newPassword": "Passw0rd!"}).wantStatus(t, 200)
	}
	if used := h.em.budget.used.Load(); used > limit+4<<10 {
		t.Fatalf("the budget holds %d bytes, past its %d by more than a few small items", used, limit)
	}
	// A new environment does not fit any more; a reset frees the space.
	h.envAPI("other", "POST", "/send-reset?email="+verified, "", nil).wantError(t, 429, "storage_full", "")
	h.do("POST", "/_emulator/reset", nil, nil).wantStatus(t, 204)
	h.api("POST", "/signup-email", "", map[string]string{"email": "after@example.com", "password": "Passw0rd!"}).wantStatus(t, 200)
	h.envAPI("other", "POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{900: "900 B", 1536: "1.5 KiB", 128 << 20: "128 MiB", 3 << 29: "1.5 GiB", 2 << 30: "2 GiB"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
