package emulator

import (
	"encoding/json"
	"testing"
)

func TestFaults(t *testing.T) {
	h := newHarness(t, nil)
	var f fault
	h.do("POST", "/_emulator/faults", nil, map[string]any{"operation": "sendResetPwdEmail", "status": 503, "times": 2}).
		wantStatus(t, 201).json(t, &f)
	if f.Code != "service_unavailable" || f.Times != 2 || f.ID == "" {
		t.Fatalf("fault %+v", f)
	}
	h.api("POST", "/send-reset?email="+verified, "", nil).wantError(t, 503, "service_unavailable", "Fault injected by altogic-emulator into sendResetPwdEmail.")
	var list struct{ Faults []fault }
	h.do("GET", "/_emulator/faults", nil, nil).wantStatus(t, 200).json(t, &list)
	if len(list.Faults) != 1 || list.Faults[0].Times != 1 {
		t.Fatalf("faults %+v", list.Faults)
	}
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 503)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	h.do("GET", "/_emulator/faults", nil, nil).wantStatus(t, 200).json(t, &list)
	if len(list.Faults) != 0 {
		t.Fatalf("a used-up fault is still listed: %+v", list.Faults)
	}

	// A lost email: the call succeeds, nothing is captured.
	h.do("DELETE", "/_emulator/inbox", nil, nil).wantStatus(t, 204)
	h.do("POST", "/_emulator/faults", nil, map[string]any{"operation": "sendResetPwdEmail", "dropMessage": true}).wantStatus(t, 201)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	h.do("GET", "/_emulator/inbox/emails/latest", nil, nil).wantError(t, 404, "not_found", "")

	// * matches any API operation, never the control API; custom code and message.
	h.do("POST", "/_emulator/faults", nil, map[string]any{"operation": "*", "status": 429, "code": "rate_limited", "message": "Slow down", "times": 1}).wantStatus(t, 201)
	h.do("GET", "/_emulator/health", nil, nil).wantStatus(t, 200)
	h.api("POST", "/signin-email", "", map[string]string{"email": verified, "password": "Passw0rd!"}).wantError(t, 429, "rate_limited", "Slow down")

	h.do("POST", "/_emulator/faults", nil, map[string]any{"operation": "signInWithEmail", "status": 500, "times": 5}).wantStatus(t, 201)
	h.do("DELETE", "/_emulator/faults", nil, nil).wantStatus(t, 204)
	h.signInEmail(verified, "Passw0rd!")

	for _, bad := range []map[string]any{
		{"operation": "noSuchOperation", "status": 503},
		{"operation": "health", "status": 503},
		{"operation": "*", "status": 200},
		{"operation": "*"},
		{"operation": "*", "status": 503, "times": -1},
		{"operation": "*", "delayMs": 600000},
		{"operation": "*", "status": 503, "extra": true},
	} {
		h.do("POST", "/_emulator/faults", nil, bad).wantError(t, 400, "validation_error", "")
	}
}

func TestOutOfRangeNumbersAreNamed(t *testing.T) {
	h := newHarness(t, nil)
	h.do("POST", "/_emulator/faults", nil, json.RawMessage(`{"operation":"*","status":503,"times":1e20}`)).
		wantError(t, 400, "validation_error", "'times' does not have a valid value (number 1e20).")
}

func TestPendingFaultsAreBounded(t *testing.T) {
	h := newHarness(t, nil)
	fault := map[string]any{"operation": "signInWithEmail", "status": 503}
	for range maxFaults {
		h.do("POST", "/_emulator/faults", nil, fault).wantStatus(t, 201)
	}
	h.do("POST", "/_emulator/faults", nil, fault).wantError(t, 429, "too_many_faults",
		"An environment holds at most 1000 pending faults: DELETE /_emulator/faults clears them.")
	// Using one makes room for one.
	h.api("POST", "/signin-email", "", map[string]string{"email": verified, "password": "Passw0rd!"}).wantStatus(t, 503)
	h.do("POST", "/_emulator/faults", nil, fault).wantStatus(t, 201)
	h.do("DELETE", "/_emulator/faults", nil, nil).wantStatus(t, 204)
	h.do("POST", "/_emulator/faults", nil, fault).wantStatus(t, 201)
}

func TestFaultsAreTakenAtomically(t *testing.T) {
	h := newHarness(t, nil)
	h.do("POST", "/_emulator/faults", nil, map[string]any{"operation": "signInWithEmail", "status": 503, "times": 5}).wantStatus(t, 201)
	statuses := race(20, func() int {
		return h.api("POST", "/signin-email", "", map[string]string{"email": verified, "password": "Passw0rd!"}).status
	})
	faulted := 0
	for _, s := range statuses {
		if s == 503 {
			faulted++
		}
	}
	if faulted != 5 {
		t.Fatalf("%d of 20 concurrent calls were faulted, want exactly 5", faulted)
	}
}

func TestFaultDelay(t *testing.T) {
	h := newHarness(t, nil)
	h.do("POST", "/_emulator/faults", nil, map[string]any{"operation": "sendResetPwdCode", "delayMs": 30}).wantStatus(t, 201)
	h.api("POST", "/send-reset-code?phone=%2B15555555555", "", nil).wantStatus(t, 200)
	var j struct{ Requests []journalEntry }
	h.do("GET", "/_emulator/requests?operation=sendResetPwdCode", nil, nil).wantStatus(t, 200).json(t, &j)
	if len(j.Requests) != 1 || j.Requests[0].DurationMs < 30 {
		t.Fatalf("the delayed call: %+v", j.Requests)
	}
}
