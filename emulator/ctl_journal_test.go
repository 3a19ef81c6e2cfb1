package emulator

import (
	"reflect"
	"strings"
	"testing"
)

// A journal entry keeps a bounded part of a huge request: the journal's
// 1000 entries cannot hold 64 KiB paths each.
func TestJournalEntriesAreBounded(t *testing.T) {
	h := newHarness(t, nil)
	h.do("GET", "/_api/rest/v1/auth/"+strings.Repeat("p", 30000), hdr{"X-Client-Key": "k"}, nil).wantStatus(t, 404)
	var j struct{ Requests []journalEntry }
	h.do("GET", "/_emulator/requests", nil, nil).wantStatus(t, 200).json(t, &j)
	if len(j.Requests) != 1 || !strings.HasPrefix(j.Requests[0].Path, "/_api/rest/v1/auth/ppp") {
		t.Fatalf("journal %+v", j.Requests)
	}
	if n := len(j.Requests[0].Path); n > maxJournalText+len("…") {
		t.Fatalf("a path of %d bytes was kept", n)
	}
}

func TestRequestJournal(t *testing.T) {
	h := newHarness(t, nil)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	h.api("POST", "/send-reset?email=bad", "", nil).wantStatus(t, 400)
	h.api("POST", "/signup-email", "", map[string]string{"email": "x", "password": "y"}).wantStatus(t, 400)
	h.do("GET", "/_api/rest/v1/auth/nope", hdr{"X-Client-Key": "k"}, nil).wantStatus(t, 404)
	h.do("GET", "/_emulator/users", nil, nil).wantStatus(t, 200)
	h.envAPI("elsewhere", "POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)

	var j struct{ Requests []journalEntry }
	h.do("GET", "/_emulator/requests", nil, nil).wantStatus(t, 200).json(t, &j)
	if len(j.Requests) != 4 {
		t.Fatalf("journal %+v", j.Requests)
	}
	last := j.Requests[0]
	if last.Operation != "" || last.Status != 404 || !reflect.DeepEqual(last.Errors, []string{"not_found"}) {
		t.Fatalf("newest entry %+v", last)
	}
	signup := j.Requests[1]
	if signup.Operation != "signUpWithEmail" || len(signup.Validation) != 2 || signup.Method != "POST" ||
		signup.Path != "/_api/rest/v1/auth/signup-email" || !signup.Time.Equal(epoch) {
		t.Fatalf("sign-up entry %+v", signup)
	}
	h.do("GET", "/_emulator/requests?operation=sendResetPwdEmail&status=200", nil, nil).wantStatus(t, 200).json(t, &j)
	if len(j.Requests) != 1 {
		t.Fatalf("exactly one reset email was requested, the journal says %+v", j.Requests)
	}
	h.do("GET", "/_emulator/requests?status=abc", nil, nil).wantError(t, 400, "validation_error", "")
	h.do("POST", "/_emulator/reset", nil, nil).wantStatus(t, 204)
	h.do("GET", "/_emulator/requests", nil, nil).wantStatus(t, 200).json(t, &j)
	if len(j.Requests) != 0 {
		t.Fatalf("reset kept the journal: %+v", j.Requests)
	}
}

func TestCoverage(t *testing.T) {
	h := newHarness(t, nil)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	h.api("POST", "/send-reset?email=unverified@example.com", "", nil).wantStatus(t, 401)
	h.envAPI("x", "POST", "/send-reset?email=unverified@example.com", "", nil).wantStatus(t, 401)
	h.api("POST", "/send-reset", "", nil).wantStatus(t, 400)
	h.do("GET", "/_emulator/users", nil, nil).wantStatus(t, 200)

	var rep CoverageReport
	h.do("GET", "/_emulator/coverage", nil, nil).wantStatus(t, 200).json(t, &rep)
	var reset *OperationCoverage
	for i := range rep.Operations {
		if rep.Operations[i].OperationID == "sendResetPwdEmail" {
			reset = &rep.Operations[i]
		}
	}
	if reset == nil || reset.Calls != 4 || reset.Statuses["401"] != 2 || reset.Statuses["200"] != 1 ||
		len(reset.Unexercised) != 0 || reset.Method != "POST" || reset.Path != "/_api/rest/v1/auth/send-reset" {
		t.Fatalf("sendResetPwdEmail coverage %+v", reset)
	}
	if !contains(rep.UnexercisedOperations, "changePhone") || contains(rep.UnexercisedOperations, "sendResetPwdEmail") {
		t.Fatalf("unexercised operations %v", rep.UnexercisedOperations)
	}
	if !contains(rep.UnexercisedResponses, "resetPwdWithToken 403") {
		t.Fatalf("unexercised responses %v", rep.UnexercisedResponses)
	}
	if rep.Totals.Operations != len(h.em.ops) || rep.Totals.Exercised < 2 || rep.Totals.ResponsesExercised < 3 {
		t.Fatalf("totals %+v", rep.Totals)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// The journal names the fault a call met, and refuses to filter by an
// operation it can never hold.
func TestJournalShowsFaults(t *testing.T) {
	h := newHarness(t, nil)
	h.do("POST", "/_emulator/faults", nil, map[string]any{"operation": "sendResetPwdEmail", "dropMessage": true}).wantStatus(t, 201)
	h.do("POST", "/_emulator/faults", nil, map[string]any{"operation": "sendResetPwdEmail", "status": 503, "code": "down", "message": "Down."}).wantStatus(t, 201)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 503)
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	var j struct{ Requests []journalEntry }
	h.do("GET", "/_emulator/requests?operation=sendResetPwdEmail", nil, nil).wantStatus(t, 200).json(t, &j)
	var faults []string
	for _, r := range j.Requests {
		faults = append(faults, r.Fault)
	}
	if strings.Join(faults, ",") != ",error,dropMessage" { // newest first
		t.Fatalf("faults %q", faults)
	}
	h.runErrorCases([]errorCase{
		{"unknown operation", rawCall("GET", "/_emulator/requests?operation=nope", nil, nil), 400, "validation_error",
			`'operation' must be an operationId of the Altogic API in openapi.yaml (such as sendResetPwdEmail), not "nope": the journal holds no other.`},
		{"a control operation", rawCall("GET", "/_emulator/requests?operation=listUsers", nil, nil), 400, "validation_error", ""},
	})
}

// The coverage report tells the Altogic API from the control plane, so a
// suite that calls every API operation passes the gate.
func TestCoverageAreas(t *testing.T) {
	h := newHarness(t, nil)
	var rep CoverageReport
	h.do("GET", "/_emulator/coverage", nil, nil).wantStatus(t, 200).json(t, &rep)
	areas := map[string]string{}
	for _, op := range rep.Operations {
		areas[op.OperationID] = op.Area
	}
	for id, want := range map[string]string{"sendResetPwdEmail": "api", "verifyEmailLink": "api", "signInWithProvider": "api",
		"listUsers": "control", "mailhogMessages": "control", "inboxPage": "control", "health": "control"} {
		if areas[id] != want {
			t.Errorf("%s: area %q, want %q", id, areas[id], want)
		}
	}
	for _, id := range rep.UnexercisedAPIOperations {
		if areas[id] != "api" {
			t.Errorf("unexercisedApiOperations holds %s of area %q", id, areas[id])
		}
	}
	if !contains(rep.UnexercisedAPIOperations, "sendResetPwdEmail") || contains(rep.UnexercisedAPIOperations, "listUsers") {
		t.Fatalf("unexercisedApiOperations %v", rep.UnexercisedAPIOperations)
	}
}
