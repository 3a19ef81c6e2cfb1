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
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/altogic-emulator/altogic-emulator/fixtures"
)

// Version is the emulator's version, answered by /_emulator/health.
const Version = "0.1.0"

// DefaultEnvironment is the environment of paths without an /e:{envId} prefix.
const DefaultEnvironment = "default"

// Options configure an Emulator. The zero value is usable: the embedded
// default fixtures, links built from each request's host, the system clock,
// logs discarded.
type Options struct {
	// Fixtures are the users and settings every environment starts from.
	// Nil means fixtures.Default().
	Fixtures *fixtures.Fixtures
	// PublicURL is the base of links put in emails, such as
	// "http://127.0.0.1:8484". Empty means the scheme and host of the request
	// that caused the email.
	PublicURL string
	// Clock is the source of "now". Nil means the system clock.
	Clock Clock
	// Logger receives one line per captured email or SMS, with its link or
	// code. Nil discards.
	Logger *slog.Logger
	// MaxBodyBytes limits request bodies; larger ones get 413. Zero means 1 MiB.
	MaxBodyBytes int64
	// MaxHeaderBytes limits the request line and headers; larger ones get
	// 431 in the error envelope. Zero means 64 KiB. (Give http.Server a
	// larger MaxHeaderBytes, or net/http answers first, in plain text.)
	MaxHeaderBytes int
	// InboxLimit caps the emails and the SMS kept per environment, oldest
	// dropped first. Zero means 1000; negative means no cap.
	InboxLimit int
	// Relay, when set, also delivers every captured email to an SMTP
	// server. Call Close to stop it.
	Relay *Relay
	// TokenLimit caps the link tokens, the access tokens and the SMS codes
	// kept per environment (each), oldest dropped first; expired ones are
	// dropped as new ones arrive. Zero means 10000.
	TokenLimit int
	// MaxEnvironments caps how many environments may exist; a request for
	// one more answers 429. Zero means 1000.
	MaxEnvironments int
	// MaxUsers caps the users of an environment: users are state, never
	// dropped, so a sign-up (or user creation) beyond it answers 429.
	// Zero means 100000.
	MaxUsers int
	// MaxStateBytes bounds the estimated bytes of everything kept across
	// environments (users, tokens, sessions, messages, journal, faults);
	// see budget.go for what happens when it is spent. Zero means 128 MiB.
	MaxStateBytes int64
	// AdminToken, when set, is required as "Authorization: Bearer <token>"
	// (or ?admin_token=) on the control API, the MailHog API and the inbox
	// page, health excepted. The Altogic API and email links never need it.
	AdminToken string
	// CORSOrigins are web origins ("http://myapp.test:3000") whose pages may
	// use the control plane, beside the emulator's own origin and loopback
	// origins; "*" allows every origin. The Altogic API answers any origin.
	CORSOrigins []string
	// AllowedHosts are host names under which the control plane answers,
	// beside loopback names, IP addresses and PublicURL's host; "*" allows
	// every name. The Altogic API answers any host name.
	AllowedHosts []string
}

// Emulator is the Altogic auth API emulator. It is an http.Handler; create
// it with New.
type Emulator struct {
	fixtures   *fixtures.Fixtures
	publicURL  string
	clock      Clock
	log        *slog.Logger
	maxBody    int64
	maxHeader  int
	inboxLimit int
	tokenLimit int
	maxEnvs    int
	maxUsers   int
	adminToken string
	access     accessRules
	budget     *stateBudget
	secret     []byte
	spec       *spec
	coverage   coverage
	relay      *relayer
	emails     map[string]emailTemplates
	sms        template
	ops        map[string]operation

	mu   sync.RWMutex // guards envs; most requests only read it
	envs map[string]*env

	// bodies counts the bytes of request buffers of the requests in
	// flight; bodyReadTime bounds the reading of one.
	bodies       atomic.Int64
	maxBodies    int64
	bodyReadTime time.Duration
	// onBodies, when set (by tests), is called when bodies changes.
	onBodies func()
	// answers counts the large answers being written.
	answers answers

	// ending is cancelled by EndWaits: held-open waits and event streams end.
	ending   context.Context
	endWaits context.CancelFunc
}

// handlerFunc handles one operation of openapi.yaml. It answers a value to
// write as JSON with status 200, one of the reply types below, or an error
// (an *apiError for the envelope).
type handlerFunc func(c *call) (any, error)

type operation struct {
	handler handlerFunc
	// api marks Altogic API operations, which need an X-Client-Key.
	api bool
	// gate names the setting that must be on: "email" (emailAuth) or
	// "phone" (phoneAuth); off, the call answers not_allowed.
	gate string
	// control marks the emulator's own control API: never faulted, never
	// in the request journal.
	control bool
	// global marks control operations that use no environment's state, so
	// that they never create one (and work when the limit is reached).
	global bool
}

// Replies other than a 200 JSON body.
type (
	emptyOK    struct{}        // 200, empty body, as Altogic answers send-* and reset-*
	noContent  struct{}        // 204
	created    struct{ v any } // 201 with a JSON body
	redirectTo string          // 302 to that URL
	// failedRedirect is a 302 that reports a failure (status=4xx in its
	// query): a request answered with it changed nothing.
	failedRedirect string
	rawBody        struct{ contentType, body string } // 200 with that body
	// stream writes the whole response itself (server-sent events, pages
	// with their own headers) and answers its status.
	stream func(w http.ResponseWriter) int
)

// New answers an Emulator, or an error if the options cannot be used.
func New(opts Options) (*Emulator, error) {
	e := &Emulator{
		fixtures:     opts.Fixtures,
		publicURL:    strings.TrimRight(opts.PublicURL, "/"),
		clock:        opts.Clock,
		log:          opts.Logger,
		maxBody:      opts.MaxBodyBytes,
		maxHeader:    opts.MaxHeaderBytes,
		inboxLimit:   opts.InboxLimit,
		tokenLimit:   opts.TokenLimit,
		maxEnvs:      opts.MaxEnvironments,
		maxUsers:     opts.MaxUsers,
		adminToken:   opts.AdminToken,
		secret:       randomBytes(32),
		envs:         map[string]*env{},
		bodyReadTime: bodyReadTime,
		answers:      answers{limit: maxAnswersInFlight},
		maxBodies:    maxBodiesInFlight,
	}
	e.ending, e.endWaits = context.WithCancel(context.Background())
	if e.fixtures == nil {
		e.fixtures = fixtures.Default()
	}
	if e.clock == nil {
		e.clock = systemClock{}
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.maxBody == 0 {
		e.maxBody = 1 << 20
	}
	if e.maxHeader <= 0 {
		e.maxHeader = 64 << 10
	}
	if e.maxBody < 0 {
		return nil, fmt.Errorf("MaxBodyBytes must not be negative")
	}
	if e.tokenLimit <= 0 {
		e.tokenLimit = 10000
	}
	if e.maxEnvs <= 0 {
		e.maxEnvs = 1000
	}
	if e.maxUsers <= 0 {
		e.maxUsers = 100000
	}
	e.budget = &stateBudget{limit: opts.MaxStateBytes}
	switch {
	case e.budget.limit == 0:
		e.budget.limit = defaultMaxState
	case e.budget.limit < 0:
		return nil, fmt.Errorf("MaxStateBytes must not be negative")
	}
	switch {
	case e.inboxLimit == 0:
		e.inboxLimit = 1000
	case e.inboxLimit < 0:
		e.inboxLimit = 0
	}
	if e.publicURL != "" {
		u, err := url.Parse(e.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("public URL %q must be an absolute http or https URL", opts.PublicURL)
		}
	}
	if opts.Relay != nil {
		if err := opts.Relay.validate(); err != nil {
			return nil, err
		}
	}
	var err error
	if e.access, err = newAccessRules(opts.CORSOrigins, opts.AllowedHosts, e.publicURL); err != nil {
		return nil, err
	}
	e.spec = loadSpec()
	e.emails, e.sms = compileTemplates(e.fixtures)
	e.coverage = newCoverage(e.spec.operationIDs())
	e.ops = e.routes()
	for _, id := range e.spec.operationIDs() {
		if _, ok := e.ops[id]; !ok {
			return nil, fmt.Errorf("openapi.yaml operation %s has no handler", id)
		}
	}
	if opts.Relay != nil {
		e.relay = newRelayer(*opts.Relay, e.log)
	}
	if e.envs[DefaultEnvironment], err = e.newEnvironment(DefaultEnvironment); err != nil {
		return nil, fmt.Errorf("the fixtures' users do not fit the state budget: %w", err)
	}
	return e, nil
}

// EndWaits ends every held-open inbox wait (answering 404) and every event
// stream, now and from now on: the first step of a graceful shutdown, so
// that http.Server.Shutdown need not wait for them while requests in flight
// finish.
func (e *Emulator) EndWaits() { e.endWaits() }

// holdContext answers the context a held-open request waits on: it ends
// with the request or with EndWaits.
func (e *Emulator) holdContext(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(e.ending, cancel)
	return ctx, func() { stop(); cancel() }
}

// Close stops the SMTP relay, waiting until ctx ends for the emails still
// queued. Without a relay it does nothing.
func (e *Emulator) Close(ctx context.Context) error {
	if e.relay == nil {
		return nil
	}
	return e.relay.close(ctx)
}

// routes is the route table: one line per operationId of openapi.yaml.
func (e *Emulator) routes() map[string]operation {
	api := func(h handlerFunc) operation { return operation{handler: h, api: true} }
	email := func(h handlerFunc) operation { return operation{handler: h, api: true, gate: "email"} }
	phone := func(h handlerFunc) operation { return operation{handler: h, api: true, gate: "phone"} }
	link := func(h handlerFunc) operation { return operation{handler: h} }
	ctl := func(h handlerFunc) operation { return operation{handler: h, control: true} }
	global := func(h handlerFunc) operation { return operation{handler: h, control: true, global: true} }
	return map[string]operation{
		// The four password-reset flows.
		"sendResetPwdEmail": email(e.sendResetPwdEmail),
		"resetPwdWithToken": api(e.resetPwdWithToken),
		"sendResetPwdCode":  phone(e.sendResetPwdCode),
		"resetPwdWithCode":  phone(e.resetPwdWithCode),
		"verifyEmailLink":   link(e.verifyEmailLink),
		// Every other call of the official client.
		"signUpWithEmail":         email(e.signUpWithEmail),
		"signUpWithPhone":         phone(e.signUpWithPhone),
		"signInWithEmail":         email(e.signInWithEmail),
		"signInWithPhone":         phone(e.signInWithPhone),
		"getAuthGrant":            api(e.getAuthGrant),
		"getUserFromDB":           api(e.getUserFromDB),
		"signOut":                 api(e.signOut),
		"signOutAll":              api(e.signOutAll),
		"signOutAllExceptCurrent": api(e.signOutAllExceptCurrent),
		"getAllSessions":          api(e.getAllSessions),
		"changePassword":          api(e.changePassword),
		"resendVerificationEmail": email(e.resendVerificationEmail),
		"sendMagicLinkEmail":      email(e.sendMagicLinkEmail),
		"changeEmail":             email(e.changeEmail),
		"resendVerificationCode":  phone(e.resendVerificationCode),
		"sendSignInCode":          phone(e.sendSignInCode),
		"signInWithCode":          phone(e.signInWithCode),
		"verifyPhone":             phone(e.verifyPhone),
		"changePhone":             phone(e.changePhone),
		"signInWithProvider":      link(e.signInWithProvider),
		// The control API.
		"health":            global(e.health),
		"resetEnvironment":  ctl(e.resetEnvironment),
		"listUsers":         ctl(e.listUsers),
		"createUser":        ctl(e.createUser),
		"getConfig":         ctl(e.getConfig),
		"patchConfig":       ctl(e.patchConfig),
		"getOpenAPI":        global(e.getOpenAPI),
		"listEmails":        ctl(e.listEmails),
		"latestEmail":       ctl(e.latestEmail),
		"getEmail":          ctl(e.getEmail),
		"listSMS":           ctl(e.listSMS),
		"latestSMS":         ctl(e.latestSMS),
		"getSMS":            ctl(e.getSMS),
		"clearInbox":        ctl(e.clearInbox),
		"getClock":          ctl(e.getClock),
		"changeClock":       ctl(e.changeClock),
		"addFault":          ctl(e.addFault),
		"listFaults":        ctl(e.listFaults),
		"clearFaults":       ctl(e.clearFaults),
		"listRequests":      ctl(e.listRequests),
		"getCoverage":       global(e.getCoverage),
		"exportState":       ctl(e.exportState),
		"importState":       ctl(e.importState),
		"inboxRedirect":     global(e.inboxRedirect),
		"inboxPage":         global(e.inboxPageHandler),
		"listEnvironments":  global(e.listEnvironments),
		"deleteEnvironment": global(e.deleteEnvironment),
		"inboxEvents":       ctl(e.inboxEvents),
		// MailHog's API.
		"mailhogMessages":  ctl(e.mailhogMessages),
		"mailhogSearch":    ctl(e.mailhogSearch),
		"mailhogListV1":    ctl(e.mailhogListV1),
		"mailhogDeleteAll": ctl(e.mailhogDeleteAll),
		"mailhogGet":       ctl(e.mailhogGet),
		"mailhogDelete":    ctl(e.mailhogDelete),
	}
}

// call is one request on its way to a handler.
type call struct {
	e      *Emulator
	envID  string
	env    *env // nil for global operations
	r      *http.Request
	body   []byte
	prefix string // "" or "/e:{envId}"
	params map[string]string
	values url.Values // the parsed query, once asked for
	now    time.Time
	// dropMessages is set by a dropMessage fault: the call succeeds but
	// captures no email or SMS.
	dropMessages bool
	// unchanged is set by a handler that answered without changing
	// anything (a page): its environment is then not kept for it.
	unchanged bool
}

// query answers a query parameter as Go decodes it.
// The query is parsed once per call, not at each lookup.
func (c *call) query(name string) string {
	if c.values == nil {
		c.values = c.r.URL.Query()
	}
	return c.values.Get(name)
}

// decode reads the JSON body, already checked by validation, into v.
func (c *call) decode(v any) error {
	if len(c.body) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		// The spec has let the body's types through, so this is a value
		// that does not fit, such as a whole number beyond 64 bits.
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			var fe fieldErrors
			fe.add(te.Field, "body", fmt.Sprintf("%s does not have a valid value (%s).", label(te.Field), te.Value))
			return fe.err()
		}
		return newError(http.StatusBadRequest, codeValidation, "The request body does not have the expected shape.")
	}
	return nil
}

// baseURL answers where links in emails point: the public URL, or the
// request's own scheme and host, with the environment prefix.
func (c *call) baseURL() string {
	base := c.e.publicURL
	if base == "" {
		scheme := "http"
		if c.r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + c.r.Host
	}
	return base + c.prefix
}

// ServeHTTP answers every request in Altogic's JSON error envelope when it
// fails, whatever the path.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			e.log.Error("panic while serving", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
			e.writeError(w, nil, asAPIError(fmt.Errorf("internal error: %v", p)))
		}
	}()
	x := exchange{rc: http.NewResponseController(w)}
	defer e.releaseBodies(&x)
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
		status = e.writeReply(w, x.rc, reply)
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
	// rc sets the deadlines of the request's connection.
	rc *http.ResponseController
}

func (e *Emulator) serve(w http.ResponseWriter, r *http.Request, x *exchange) (any, error) {
	if n := headerSize(r); n > e.maxHeader {
		return nil, newError(http.StatusRequestHeaderFieldsTooLarge, codeRequestHeaderTooLarge,
			fmt.Sprintf("The request line and headers take %d bytes, more than the limit of %d.", n, e.maxHeader))
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
	route, pathParams, err := e.spec.findRoute(rr)
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
	if err := e.spec.validateRequest(rr, route, pathParams, body); err != nil {
		return nil, err
	}
	c := &call{e: e, envID: envID, r: rr, body: body, prefix: prefix, params: pathParams}
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
		if err := c.applyFault(x.operation); err != nil {
			return nil, err
		}
	}
	if err := c.checkGate(op.gate); err != nil {
		return nil, err
	}
	reply, err := op.handler(c)
	x.unchanged = c.unchanged
	return reply, err
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
		return "", "", "", newError(http.StatusBadRequest, codeInvalidEnvironment,
			fmt.Sprintf("The environment id in '/e:%s' is not valid: use 1 to 64 letters, digits, '.', '_' or '-'.", truncate(id, 80)))
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
		return newError(http.StatusMethodNotAllowed, codeMethodNotAllowed,
			fmt.Sprintf("The method %s is not allowed on %s.", r.Method, truncate(r.URL.Path, 200)))
	}
	return newError(http.StatusNotFound, codeNotFound,
		fmt.Sprintf("Cannot find the requested resource: %s %s", r.Method, truncate(r.URL.Path, 200)))
}

func (e *Emulator) checkClientKey(r *http.Request) error {
	key := strings.TrimSpace(r.Header.Get("X-Client-Key"))
	if key == "" {
		return newError(http.StatusUnauthorized, codeMissingClientKey, msgMissingClientKey)
	}
	if len(e.fixtures.ClientKeys) == 0 {
		return nil
	}
	for _, k := range e.fixtures.ClientKeys {
		if constantTimeEqual(k, key) {
			return nil
		}
	}
	return newError(http.StatusUnauthorized, codeInvalidClientKey, msgInvalidClientKey)
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
			return nil, newError(http.StatusRequestEntityTooLarge, codePayloadTooLarge,
				fmt.Sprintf("The request body is larger than the limit of %d bytes.", e.maxBody))
		case errors.Is(err, errBodiesInFlight):
			return nil, newServerError(http.StatusServiceUnavailable, codeServerBusy, fmt.Sprintf(
				"The emulator is receiving %s of request bodies at once, its limit: send this one again in a moment.", formatBytes(e.maxBodies)))
		case e.ending.Err() != nil:
			return nil, newServerError(http.StatusServiceUnavailable, codeServiceUnavailable, "The emulator is stopping: the request body was cut.")
		case errors.As(err, &ne) && ne.Timeout():
			return nil, newError(http.StatusRequestTimeout, codeRequestTimeout, fmt.Sprintf(
				"The request body did not arrive within %s.", e.bodyReadTime))
		}
		return nil, newError(http.StatusBadRequest, codeBodySyntax, "The request body could not be read: "+err.Error())
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
			return nil, newError(http.StatusUnsupportedMediaType, codeUnsupportedMedia, msgUnsupportedMediaType)
		}
	}
	if !utf8.Valid(body) {
		return nil, newError(http.StatusBadRequest, codeBodySyntax, msgBodySyntax+" It is not valid UTF-8.")
	}
	if !json.Valid(body) {
		return nil, newError(http.StatusBadRequest, codeBodySyntax, msgBodySyntax+" "+jsonSyntaxProblem(body))
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

// environment answers the state of envID, creating it from the fixtures the
// first time it is used. The default environment exists from the start and
// does not count against the limit.
func (e *Emulator) environment(envID string) (*env, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	en, err := e.environmentLocked(envID)
	if err == nil {
		en.used.Store(true)
	}
	return en, err
}

// useEnvironment is environment for a request, which doneWith ends. An
// environment that only failed requests have used is removed when the
// last of them ends: a refused link (<img src="/e:N/_auth/verify">) or a
// wrong password must not use up --max-environments.
func (e *Emulator) useEnvironment(envID string) (*env, error) {
	e.mu.RLock()
	en, ok := e.envs[envID]
	if ok {
		en.requests.Add(1) // under the read lock: doneWith's removal sees it
	}
	e.mu.RUnlock()
	if ok {
		return en, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	en, err := e.environmentLocked(envID)
	if err == nil {
		en.requests.Add(1)
	}
	return en, err
}

// doneWith ends a request's use of en; ok is whether it succeeded.
func (e *Emulator) doneWith(en *env, ok bool) {
	if ok && !en.used.Load() {
		en.used.Store(true)
	}
	if en.requests.Add(-1) > 0 || en.used.Load() || en.id == DefaultEnvironment {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if en.requests.Load() == 0 && !en.used.Load() && e.envs[en.id] == en {
		delete(e.envs, en.id)
		en.acct.close()
	}
}

func (e *Emulator) environmentLocked(envID string) (*env, error) {
	if en, ok := e.envs[envID]; ok {
		return en, nil
	}
	if envID != DefaultEnvironment && len(e.envs)-1 >= e.maxEnvs {
		return nil, newError(http.StatusTooManyRequests, codeTooManyEnvironments, fmt.Sprintf(
			"The emulator already holds %d environments beside the default one, its limit (--max-environments). Delete some with DELETE /e:{envId}/_emulator/environment, or start it with a higher limit.", e.maxEnvs))
	}
	en, err := e.newEnvironment(strings.Clone(envID))
	if err != nil {
		return nil, err
	}
	e.envs[en.id] = en
	return en, nil
}

// lookupEnvironment answers the state of envID if it exists, without
// creating it.
func (e *Emulator) lookupEnvironment(envID string) *env {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.envs[envID]
}

// newEnvironment answers an environment loaded from the fixtures, or an
// error when they do not fit the state budget.
func (e *Emulator) newEnvironment(envID string) (*env, error) {
	acct := newAccount(e.budget)
	if !acct.takeForUsers(envOverhead) {
		return nil, errStateFull(e.budget.limit)
	}
	en := newEnv(envID, e.inboxLimit, e.tokenLimit, e.maxUsers, acct)
	if err := en.loadLocked(e.fixtures, e.clock.Now().UTC(), false); err != nil {
		acct.close()
		return nil, err
	}
	return en, nil
}

// Environments answers the ids of the environments used so far, sorted.
func (e *Emulator) Environments() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	ids := make([]string, 0, len(e.envs))
	for id := range e.envs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// UserCount answers how many users each environment starts with.
func (e *Emulator) UserCount() int { return len(e.fixtures.Users) }
