package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/altogic-emulator/altogic-emulator/fixtures"
	"github.com/altogic-emulator/altogic-emulator/internal/realtime"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// ServeHTTP answers every request in Altogic's JSON error envelope when it
// fails, whatever the path.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			e.log.Error("panic while serving", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
			e.writeError(w, nil, asAPIError(fmt.Errorf("internal error: %v", p)))
		}
	}()
	if strings.HasPrefix(r.URL.Path, realtime.Path) {
		// The client's realtime connection (socket.io). A polling upload
		// must arrive in time, as any body must.
		if r.Method == http.MethodPost {
			http.NewResponseController(w).SetReadDeadline(time.Now().Add(e.bodyReadTime))
		}
		e.rt.ServeHTTP(w, r)
		return
	}
	x := exchange{rc: http.NewResponseController(w)}
	defer e.releaseBodies(&x)
	defer func() {
		if x.endTurn != nil {
			x.endTurn()
		}
	}()
	// A body must arrive in time even when it is never read: net/http
	// reads what is left of it before answering.
	if x.body = r.Body != nil && r.Body != http.NoBody; x.body {
		x.rc.SetReadDeadline(time.Now().Add(e.bodyReadTime))
		defer e.cutUnreadBody(w, &x)
	}
	if e.corsHeaders(w, r) {
		return
	}
	began := time.Now()
	reply, err := e.serve(w, r, &x)
	if x.env != nil {
		_, failed := reply.(failedRedirect)
		e.doneWith(x.env, err == nil && !failed && !x.unchanged)
	}
	e.cutUnreadBody(w, &x)
	var status int
	var failure *apiError
	if err != nil {
		failure = asAPIError(err)
		status = failure.status
		e.writeError(w, x.rc, failure)
	} else {
		// An answer to a call that may have changed state is never refused
		// for room: the change is made (sign-ins reserve theirs first).
		changed := r.Method != http.MethodGet && r.Method != http.MethodHead && !x.mayRefuse
		status = e.writeReply(w, x.rc, reply, changed)
	}
	e.record(r, &x, status, failure, time.Since(began))
	if e.log.Enabled(r.Context(), slog.LevelDebug) {
		e.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", status, "duration", time.Since(began))
	}
}

// cutUnreadBody closes the connection of a request answered without its
// body being read (refused before it was, or it does not fit): net/http
// would otherwise wait for the rest of it.
func (e *Emulator) cutUnreadBody(w http.ResponseWriter, x *exchange) {
	if x.body && !x.bodyRead {
		w.Header().Set("Connection", "close")
		x.rc.SetReadDeadline(time.Now())
		x.body = false // once
	}
}

// exchange is what serve learned about a request, for the journal and the
// coverage report.
type exchange struct {
	envID     string
	env       *env // once created
	operation string
	control   bool
	held      int64 // bytes of request buffers, counted in e.bodies
	// body is true for a request with a body, bodyRead once it is read.
	body, bodyRead bool
	// unchanged is the call's: the handler changed nothing.
	unchanged bool
	// mayRefuse marks a POST that only reads: its answer may be refused
	// for room, as a GET's.
	mayRefuse bool
	// fault names the injected fault the call met, for the journal.
	fault string
	// rc sets the deadlines of the request's connection.
	rc *http.ResponseController
	// endTurn gives back the environment's export turn, once the answer
	// is written.
	endTurn func()
}

func (e *Emulator) serve(w http.ResponseWriter, r *http.Request, x *exchange) (any, error) {
	if n := headerSize(r); n > e.maxHeader {
		return nil, errHeaderTooLarge(n, e.maxHeader)
	}
	envID, prefix, rest, err := splitEnv(r.URL.Path)
	if err != nil {
		return nil, err
	}
	x.envID, x.control = envID, onControlPlane(rest)
	// Route on the path without the environment prefix: a shallow copy with
	// its own URL (headers are shared with r).
	rr := new(http.Request)
	*rr = *r
	u := *r.URL
	u.Path, u.RawPath = rest, ""
	rr.URL = &u
	if r.Method == http.MethodHead {
		// HEAD is GET without the body (net/http drops it), as health
		// probes such as wait-on send it.
		rr.Method = http.MethodGet
	}
	if x.control {
		// Before routing: a foreign page learns nothing, not even which
		// paths exist.
		if err := e.checkControlAccess(r, controlOperation(rest)); err != nil {
			return nil, err
		}
	}
	route, pathParams, err := e.spec.FindRoute(rr)
	if err != nil {
		return nil, routeError(r, err)
	}
	x.operation = route.Operation.OperationID
	op := e.ops[x.operation]
	if op.api {
		if err := e.checkClientKey(r); err != nil {
			return nil, err
		}
	}
	if err := checkQuery(r.URL.RawQuery); err != nil {
		return nil, err
	}
	body, err := e.readBody(w, rr, route.Operation, x)
	if err != nil {
		return nil, err
	}
	if err := validateRequest(e.spec, rr, route, pathParams, body); err != nil {
		if op.misfit != nil { // only when refused: a body is parsed once on the way that works
			if misfit := op.misfit(body); misfit != nil {
				return nil, misfit
			}
		}
		return nil, err
	}
	x.mayRefuse = op.reads
	// A page of another site may navigate to the control plane (a link to
	// the inbox page); all else of it was refused above. Such a visit never
	// keeps an environment it made, so other sites cannot use up
	// --max-environments through the developer's browser.
	x.unchanged = op.control && r.Header.Get("Sec-Fetch-Site") == "cross-site"
	c := &call{e: e, operation: x.operation, envID: envID, r: rr, body: body, prefix: prefix, params: pathParams}
	if op.global {
		c.now = e.clock.Now().UTC()
		return op.handler(c)
	}
	// Last, when every check has passed: a refused request never creates
	// an environment.
	en, err := e.useEnvironment(envID)
	if err != nil {
		return nil, err
	}
	x.env, c.env, c.now = en, en, en.clock.now(e.clock)
	if !op.control {
		err := c.applyFault(x.operation)
		x.fault = c.fault
		if err != nil {
			return nil, err
		}
	}
	if op.prepare != nil {
		if _, err := op.prepare(c); err != nil {
			return nil, err
		}
	}
	if op.turn {
		done, err := e.exportTurn(c.r.Context(), en)
		if err != nil {
			return nil, err
		}
		x.endTurn = done
	}
	if !op.locked {
		return op.handler(c)
	}
	reply, err := e.runLocked(op, c)
	x.unchanged = x.unchanged || c.unchanged
	return reply, err
}

// runLocked runs the handler holding the environment's lock, then delivers
// what the call sends before it answers.
func (e *Emulator) runLocked(op operation, c *call) (any, error) {
	reply, err, sends := e.commit(op, c)
	if sends {
		e.deliver(c.env)
	}
	return reply, err
}

// commit runs the handler holding the environment's lock. What the call
// sends joins the environment's queue in commit order, still under the
// lock; deliver empties the queue after it is released, so messages are
// delivered in the order their calls committed and a slow delivery never
// holds the state.
func (e *Emulator) commit(op operation, c *call) (reply any, err error, sends bool) {
	en := c.env
	en.mu.Lock()
	defer en.mu.Unlock()
	if err := c.checkGate(op.gate); err != nil {
		return nil, err, false
	}
	reply, err = op.handler(c)
	if err != nil {
		return nil, err, false // a failed call sends nothing
	}
	if !c.out.pending() {
		return reply, nil, false
	}
	c.out.drop = c.dropMessages
	en.queued.Lock()
	en.queue = append(en.queue, c.out)
	en.queued.Unlock()
	c.out = outbox{}
	return reply, nil, true
}

// controlOperation names the control operation of a path where access
// rules differ by operation: only health, for now.
func controlOperation(rest string) string {
	if rest == "/_emulator/health" {
		return "health"
	}
	return ""
}

// checkQuery rejects a query string Go cannot decode (a bad %-escape, a
// semicolon), whose parameters would otherwise just go missing.
func checkQuery(raw string) error {
	if !strings.ContainsAny(raw, "%;") {
		return nil // nothing that can fail to decode
	}
	if _, err := url.ParseQuery(raw); err != nil {
		var fe fieldErrors
		fe.add("query", "query", "The query string is not valid: "+err.Error()+".")
		return fe.err()
	}
	return nil
}

// headerSize approximates the bytes of the request line and headers.
func headerSize(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + 12
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// splitEnv takes the optional /e:{envId} prefix off a path.
func splitEnv(path string) (envID, prefix, rest string, err error) {
	if !strings.HasPrefix(path, "/e:") {
		return DefaultEnvironment, "", path, nil
	}
	id, rest, _ := strings.Cut(path[len("/e:"):], "/")
	if !fixtures.ValidEnvID(id) {
		return "", "", "", errInvalidEnvironment(id)
	}
	return id, "/e:" + id, "/" + rest, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func routeError(r *http.Request, err error) error {
	if errors.Is(err, routers.ErrMethodNotAllowed) {
		return errMethodNotAllowed(r.Method, r.URL.Path)
	}
	return errRouteNotFound(r.Method, r.URL.Path)
}

// Request bodies are read within bodyReadTime (a stalled upload is cut and
// its connection closed), into a buffer that grows with what arrives, not
// with what Content-Length announces; and the buffers of all requests
// together hold at most maxBodiesInFlight bytes.
const (
	bodyReadTime      = 10 * time.Second
	maxBodiesInFlight = 64 << 20
)

// readBody reads the body within the size limit and checks that a body the
// operation takes is JSON, before the validator sees it. The buffer it
// holds is counted in x.held until the request ends.
func (e *Emulator) readBody(w http.ResponseWriter, r *http.Request, op *openapi3.Operation, x *exchange) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	rc := x.rc
	// At shutdown an upload still arriving ends at once. (ServeHTTP set the
	// deadline; cutUnreadBody cuts the connection when this fails.)
	stop := context.AfterFunc(e.ending, func() { rc.SetReadDeadline(time.Now()) })
	body, err := e.readAll(http.MaxBytesReader(w, r.Body, e.maxBody), r.ContentLength, x)
	stop()
	if err != nil {
		var tooLarge *http.MaxBytesError
		var ne net.Error
		switch {
		case errors.As(err, &tooLarge):
			return nil, errPayloadTooLarge(e.maxBody)
		case errors.Is(err, errBodiesInFlight):
			return nil, errBodiesBusy(e.maxBodies)
		case e.ending.Err() != nil:
			return nil, errBodyCut
		case errors.As(err, &ne) && ne.Timeout():
			return nil, errRequestTimeout(e.bodyReadTime)
		}
		return nil, errBodyUnreadable(err)
	}
	x.bodyRead = true
	rc.SetReadDeadline(time.Time{}) // a long-poll may follow on this connection
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	if len(bytes.TrimSpace(body)) == 0 || op.RequestBody == nil {
		// No body, or one the operation ignores (as Altogic ignores them).
		return nil, nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" && !strings.HasPrefix(ct, "application/json;") {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, errUnsupportedMediaType
		}
	}
	if !utf8.Valid(body) {
		return nil, errBodySyntax("It is not valid UTF-8.")
	}
	if !json.Valid(body) {
		return nil, errBodySyntax(jsonSyntaxProblem(body))
	}
	// The validator matches the media type exactly; parameters such as
	// charset are fine.
	r.Header.Set("Content-Type", "application/json")
	return body, nil
}

var errBodiesInFlight = errors.New("too many request bodies in flight")

// readAll reads r into a buffer that starts at what was announced (up to
// 16 KiB) and doubles as more arrives, charging each buffer to the bodies
// in flight.
func (e *Emulator) readAll(r io.Reader, announced int64, x *exchange) ([]byte, error) {
	size := int64(512)
	if announced > 0 {
		size = min(announced+1, 16<<10) // +1: the read that meets the end needs room
	}
	if !e.holdBody(x, size) {
		return nil, errBodiesInFlight
	}
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			// The old buffer becomes garbage: the new one is what counts.
			next := min(2*int64(cap(buf)), e.maxBody+1)
			if !e.holdBody(x, next-int64(cap(buf))) {
				return nil, errBodiesInFlight
			}
			buf = append(make([]byte, 0, next), buf...)
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// holdBody counts n more bytes of request buffers, or reports that they
// would pass maxBodiesInFlight. ServeHTTP gives x.held back at the end.
func (e *Emulator) holdBody(x *exchange, n int64) bool {
	if e.bodies.Add(n) > e.maxBodies {
		e.bodies.Add(-n)
		return false
	}
	x.held += n
	if e.onBodies != nil {
		e.onBodies()
	}
	return true
}

// releaseBodies gives back what a request held.
func (e *Emulator) releaseBodies(x *exchange) {
	if x.held != 0 {
		e.bodies.Add(-x.held)
		if e.onBodies != nil {
			e.onBodies()
		}
	}
}

func jsonSyntaxProblem(body []byte) string {
	var v any
	err := json.Unmarshal(body, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (at byte %d).", strings.TrimPrefix(se.Error(), "invalid character "), se.Offset)
	}
	if err != nil {
		return err.Error() + "."
	}
	return ""
}
