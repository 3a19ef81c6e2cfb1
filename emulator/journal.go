package emulator

import (
	"net/http"
	"strings"
	"time"
)

// The request journal (per environment) and the contract coverage report
// (across environments).

// journalEntry is one request to the Altogic API or a link, as the journal
// shows it.
type journalEntry struct {
	Time       time.Time `json:"time"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Operation  string    `json:"operationId"`
	Status     int       `json:"status"`
	Errors     []string  `json:"errors"`
	Validation []string  `json:"validation"`
	DurationMs float64   `json:"durationMs"`
	// Fault names the injected fault the call met: "error", "delay",
	// "dropMessage", or "delay+dropMessage"; empty for none.
	Fault string `json:"fault,omitempty"`
}

// journalLimit bounds each environment's journal; the oldest are dropped.
const journalLimit = 1000

func newJournal(acct *account) *chargedLog[journalEntry] {
	return newChargedLog(journalLimit, acct, journalEntry.size)
}

func (e journalEntry) size() int64 {
	n := itemOverhead + textSize(e.Method, e.Path, e.Operation)
	for _, s := range e.Errors {
		n += textSize(s) + 16
	}
	for _, s := range e.Validation {
		n += textSize(s) + 16
	}
	return n
}

// maxJournalText bounds what one journal entry keeps of a request's path
// and of each validation message, maxJournalItems how many of its error
// items it keeps.
const (
	maxJournalText  = 1024
	maxJournalItems = 20
)

// record notes a finished request in its environment's journal (unless it
// was for the control API) and in the coverage report.
func (e *Emulator) record(r *http.Request, x *exchange, status int, failure *apiError, took time.Duration) {
	if x.operation != "" {
		e.coverage.add(x.operation, status)
	}
	if x.control || x.envID == "" {
		return
	}
	en := x.env
	if en == nil {
		// Refused before its environment was created: noted only in an
		// environment that exists.
		if en = e.lookupEnvironment(x.envID); en == nil {
			return
		}
	}
	entry := journalEntry{
		Time: en.clock.now(e.clock), Method: methodName(r.Method), Path: strings.Clone(truncate(r.URL.Path, maxJournalText)), Operation: x.operation,
		Status: status, Errors: []string{}, Validation: []string{},
		DurationMs: float64(took.Microseconds()) / 1000, Fault: x.fault,
	}
	if failure != nil {
		for _, it := range failure.items[:min(len(failure.items), maxJournalItems)] {
			entry.Errors = append(entry.Errors, it.Code)
			if it.Code == codeValidation {
				entry.Validation = append(entry.Validation, strings.Clone(truncate(it.Message, maxJournalText)))
			}
		}
	}
	en.journal.add(entry)
}

// methodName answers a method to keep: the common ones as constants,
// another as a copy (not a piece of the request line).
func methodName(m string) string {
	for _, known := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead, http.MethodOptions} {
		if m == known {
			return known
		}
	}
	return strings.Clone(truncate(m, 32))
}
