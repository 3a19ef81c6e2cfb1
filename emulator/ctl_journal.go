package emulator

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
)

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
	op := strings.TrimSpace(c.query("operation"))
	if o, known := e.ops[op]; op != "" && (!known || o.control) {
		var fe fieldErrors
		fe.add("operation", "query", fmt.Sprintf("'operation' must be an operationId of the Altogic API in openapi.yaml (such as sendResetPwdEmail), not %q: the journal holds no other.", truncate(op, 80)))
		return nil, fe.err()
	}
	return map[string]any{"requests": c.env.journal.list(func(e journalEntry) bool {
		return (op == "" || e.Operation == op) && (status == 0 || e.Status == status)
	})}, nil
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
	// UnexercisedAPIOperations are the unexercised operations of the
	// Altogic API and its email links alone: what an app's suite can call,
	// and so what a CI gate checks.
	UnexercisedAPIOperations []string       `json:"unexercisedApiOperations"`
	UnexercisedResponses     []string       `json:"unexercisedResponses"`
	Totals                   CoverageTotals `json:"totals"`
}

// OperationCoverage is one operation's line of the report.
type OperationCoverage struct {
	OperationID string `json:"operationId"`
	// Area is "api" (the Altogic API and its email links) or "control"
	// (the control API, the inbox page and MailHog's API).
	Area        string         `json:"area"`
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
	rep := CoverageReport{Operations: []OperationCoverage{}, UnexercisedOperations: []string{}, UnexercisedAPIOperations: []string{}, UnexercisedResponses: []string{}}
	for path, item := range e.spec.Doc.Paths.Map() {
		for method, op := range item.Operations() {
			oc := OperationCoverage{
				OperationID: op.OperationID, Area: "api", Method: method, Path: path, Statuses: map[string]int{},
				Documented: []string{}, Unexercised: []string{}, Undocumented: []string{},
			}
			if e.ops[op.OperationID].control {
				oc.Area = "control"
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
				if oc.Area == "api" {
					rep.UnexercisedAPIOperations = append(rep.UnexercisedAPIOperations, op.OperationID)
				}
			}
			rep.Operations = append(rep.Operations, oc)
		}
	}
	sort.Slice(rep.Operations, func(i, j int) bool { return rep.Operations[i].OperationID < rep.Operations[j].OperationID })
	sort.Strings(rep.UnexercisedOperations)
	sort.Strings(rep.UnexercisedAPIOperations)
	sort.Strings(rep.UnexercisedResponses)
	return rep
}

// getCoverage is GET /_emulator/coverage.
func (e *Emulator) getCoverage(c *call) (any, error) { return e.Coverage(), nil }
