package emulator

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/altogic-emulator/altogic-emulator/internal/ring"
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

type journal struct {
	mu      sync.Mutex
	entries *ring.Ring[journalEntry]
	acct    *account
	bytes   int64 // charged to acct
}

func newJournal(acct *account) *journal {
	return &journal{entries: ring.New[journalEntry](journalLimit), acct: acct}
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

// add notes e; when the state budget has no room even after the oldest
// entries went, e is not noted.
func (j *journal) add(e journalEntry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	cost := e.size()
	for !j.acct.Take(cost) {
		old, ok := j.entries.DropOldest()
		if !ok {
			return
		}
		j.release(old.size())
	}
	if old, dropped := j.entries.Add(e); dropped {
		j.release(old.size())
	}
	j.bytes += cost
}

func (j *journal) release(n int64) {
	j.bytes -= n
	j.acct.Give(n)
}

func (j *journal) clear() {
	j.mu.Lock()
	j.entries.Clear()
	j.release(j.bytes)
	j.mu.Unlock()
}

// list answers the entries, newest first, of that operation and status
// (empty and 0 match all).
func (j *journal) list(operation string, status int) []journalEntry {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := []journalEntry{}
	j.entries.Newest(func(e journalEntry) bool {
		if (operation == "" || e.Operation == operation) && (status == 0 || e.Status == status) {
			out = append(out, e)
		}
		return true
	})
	return out
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
