package emulator

import (
	"strings"
	"testing"
)

// Numbers are bounded before any arithmetic: a value that would overflow
// is refused with the bound, never wrapped into a small one.
func TestNumbersAreBoundedBeforeArithmetic(t *testing.T) {
	h := newHarness(t, nil)
	for _, wait := range []string{"18446744074", "9223372036854775807", "61", "-1", "61s", "2562047h"} {
		res := h.do("GET", "/_emulator/inbox/emails/latest?wait="+wait, nil, nil)
		res.wantError(t, 400, "validation_error", "Wait must be a duration from 0s to 60s, such as 5s or 1500ms.")
	}
	for body, msg := range map[string]string{
		`{"operation":"*","delayMs":18446744073710}`:                                   "'delayMs' must be from 0 to 60000.",
		`{"operation":"*","delayMs":60001}`:                                            "'delayMs' must be from 0 to 60000.",
		`{"operation":"*","status":503,"times":1000001}`:                               "'times' must be from 1 to 1000000.",
		`{"operation":"*","status":503,"times":-5}`:                                    "'times' must be from 1 to 1000000.",
		`{"operation":"*","status":503,"code":"` + strings.Repeat("c", 65) + `"}`:      "'code' must be at most 64 bytes.",
		`{"operation":"*","status":503,"message":"` + strings.Repeat("m", 1025) + `"}`: "'message' must be at most 1024 bytes.",
	} {
		h.do("POST", "/_emulator/faults", hdr{"Content-Type": "application/json"}, body).wantError(t, 400, "validation_error", msg)
	}
	var faults struct{ Faults []fault }
	h.do("GET", "/_emulator/faults", nil, nil).wantStatus(t, 200).json(t, &faults)
	if len(faults.Faults) != 0 {
		t.Fatalf("refused faults were stored: %+v", faults.Faults)
	}
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	for q, msg := range map[string]string{
		"start=9223372036854775807&limit=9223372036854775807": "'start' must be a whole number from 0 to 1000000.",
		"start=0&limit=9223372036854775807":                   "'limit' must be a whole number from 1 to 10000.",
		"limit=0":                                             "'limit' must be a whole number from 1 to 10000.",
	} {
		h.do("GET", "/api/v2/messages?"+q, nil, nil).wantError(t, 400, "validation_error", msg)
	}
	var page struct{ Total, Count int }
	h.do("GET", "/api/v2/messages?start=1000000&limit=10000", nil, nil).wantStatus(t, 200).json(t, &page)
	if page.Total != 1 || page.Count != 0 {
		t.Fatalf("a page past the end: %+v", page)
	}
	h.do("GET", "/api/v2/messages?start=0&limit=10000", nil, nil).wantStatus(t, 200).json(t, &page)
	if page.Count != 1 {
		t.Fatalf("the first page: %+v", page)
	}
}
