package emulator

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
		DurationMs: float64(took.Microseconds()) / 1000,
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

// listRequests is GET /_emulator/requests?operation=&status=.
func (e *Emulator) listRequests(c *call) (any, error) {
	status := 0
	if s := strings.TrimSpace(c.query("status")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 100 || n > 599 {
			var fe fieldErrors
			fe.add("status", "query", "'status' must be an HTTP status code such as 400.")
			return nil, fe.err()
		}
		status = n
	}
	return map[string]any{"requests": c.env.journal.list(strings.TrimSpace(c.query("operation")), status)}, nil
}

// coverage counts the calls of each operation by status.
// coverage counts the calls of each operation by status, without a lock:
// one counter per operation and status, made when the emulator starts.
type coverage struct {
	calls map[string]*[600]atomic.Int64 // by operationId, then status
}

func newCoverage(operationIDs []string) coverage {
	cv := coverage{calls: make(map[string]*[600]atomic.Int64, len(operationIDs))}
	for _, id := range operationIDs {
		cv.calls[id] = new([600]atomic.Int64)
	}
	return cv
}

func (cv *coverage) add(op string, status int) {
	if c := cv.calls[op]; c != nil && status >= 0 && status < len(c) {
		c[status].Add(1)
	}
}

// counts answers the calls of op by status.
func (cv *coverage) counts(op string) map[int]int {
	out := map[int]int{}
	if c := cv.calls[op]; c != nil {
		for status := range c {
			if n := c[status].Load(); n > 0 {
				out[status] = int(n)
			}
		}
	}
	return out
}

// CoverageReport says, for every operation of openapi.yaml, how many calls
// it saw with which statuses, and which operations and documented responses
// were never exercised.
type CoverageReport struct {
	Operations            []OperationCoverage `json:"operations"`
	UnexercisedOperations []string            `json:"unexercisedOperations"`
	UnexercisedResponses  []string            `json:"unexercisedResponses"`
	Totals                CoverageTotals      `json:"totals"`
}

// OperationCoverage is one operation's line of the report.
type OperationCoverage struct {
	OperationID string         `json:"operationId"`
	Method      string         `json:"method"`
	Path        string         `json:"path"`
	Calls       int            `json:"calls"`
	Statuses    map[string]int `json:"statuses"`
	Documented  []string       `json:"documented"`
	Unexercised []string       `json:"unexercised"`
	// Undocumented lists statuses answered that openapi.yaml does not name
	// (they fall under its default response).
	Undocumented []string `json:"undocumented"`
}

// CoverageTotals sums the report.
type CoverageTotals struct {
	Operations         int `json:"operations"`
	Exercised          int `json:"exercised"`
	Responses          int `json:"responses"`
	ResponsesExercised int `json:"responsesExercised"`
}

// Coverage answers the coverage report of every request so far, across all
// environments.
func (e *Emulator) Coverage() CoverageReport {
	rep := CoverageReport{Operations: []OperationCoverage{}, UnexercisedOperations: []string{}, UnexercisedResponses: []string{}}
	for path, item := range e.spec.doc.Paths.Map() {
		for method, op := range item.Operations() {
			oc := OperationCoverage{
				OperationID: op.OperationID, Method: method, Path: path, Statuses: map[string]int{},
				Documented: []string{}, Unexercised: []string{}, Undocumented: []string{},
			}
			documented := map[string]bool{}
			for code := range op.Responses.Map() {
				if code != "default" {
					oc.Documented = append(oc.Documented, code)
					documented[code] = true
				}
			}
			sort.Strings(oc.Documented)
			for status, n := range e.coverage.counts(op.OperationID) {
				code := strconv.Itoa(status)
				oc.Statuses[code] = n
				oc.Calls += n
				if !documented[code] {
					oc.Undocumented = append(oc.Undocumented, code)
				}
			}
			sort.Strings(oc.Undocumented)
			for _, code := range oc.Documented {
				if oc.Statuses[code] == 0 {
					oc.Unexercised = append(oc.Unexercised, code)
					rep.UnexercisedResponses = append(rep.UnexercisedResponses, op.OperationID+" "+code)
				}
			}
			rep.Totals.Operations++
			rep.Totals.Responses += len(oc.Documented)
			rep.Totals.ResponsesExercised += len(oc.Documented) - len(oc.Unexercised)
			if oc.Calls > 0 {
				rep.Totals.Exercised++
			} else {
				rep.UnexercisedOperations = append(rep.UnexercisedOperations, op.OperationID)
			}
			rep.Operations = append(rep.Operations, oc)
		}
	}
	sort.Slice(rep.Operations, func(i, j int) bool { return rep.Operations[i].OperationID < rep.Operations[j].OperationID })
	sort.Strings(rep.UnexercisedOperations)
	sort.Strings(rep.UnexercisedResponses)
	return rep
}

// getCoverage is GET /_emulator/coverage.
func (e *Emulator) getCoverage(c *call) (any, error) { return e.Coverage(), nil }
