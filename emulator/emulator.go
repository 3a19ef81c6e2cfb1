package emulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/altogic-emulator/altogic-emulator/emulator/internal/spec"
	"github.com/altogic-emulator/altogic-emulator/fixtures"
	"github.com/altogic-emulator/altogic-emulator/internal/realtime"
	"github.com/altogic-emulator/altogic-emulator/internal/useragent"
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
	spec       *spec.Spec
	coverage   coverage
	relay      *relayer
	rt         *realtime.Server
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
	e.spec = spec.Shared()
	e.emails, e.sms = compileTemplates(e.fixtures)
	e.coverage = newCoverage(e.spec.OperationIDs())
	e.ops = e.routes()
	for _, id := range e.spec.OperationIDs() {
		if _, ok := e.ops[id]; !ok {
			return nil, fmt.Errorf("openapi.yaml operation %s has no handler", id)
		}
	}
	if opts.Relay != nil {
		e.relay = newRelayer(*opts.Relay, e.log)
	}
	e.rt = e.newRealtime()
	if e.envs[DefaultEnvironment], err = e.newEnvironment(DefaultEnvironment); err != nil {
		return nil, fmt.Errorf("the fixtures' users do not fit the state budget: %w", err)
	}
	return e, nil
}

// EndWaits ends every held-open inbox wait (answering 404), every event
// stream and every realtime connection, now and from now on: the first step of a graceful shutdown, so
// that http.Server.Shutdown need not wait for them while requests in flight
// finish.
func (e *Emulator) EndWaits() {
	e.endWaits()
	// Realtime connections (held-open polls, WebSockets) end too: their
	// clients reconnect to whatever serves next.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	e.rt.Close(ctx)
}

// holdContext answers the context a held-open request waits on: it ends
// with the request or with EndWaits.
func (e *Emulator) holdContext(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(e.ending, cancel)
	return ctx, func() { stop(); cancel() }
}

// Close ends the realtime connections and stops the SMTP relay, waiting
// until ctx ends for the emails still queued.
func (e *Emulator) Close(ctx context.Context) error {
	err := e.rt.Close(ctx)
	if e.relay != nil {
		err = errors.Join(err, e.relay.close(ctx))
	}
	return err
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
		return nil, errTooManyEnvironments(e.maxEnvs)
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

// SpecYAML answers the text of openapi.yaml, the contract that requests are
// validated against.
func SpecYAML() []byte { return append([]byte(nil), spec.YAML()...) }

// Preload starts building openapi.yaml's document in the background, so
// that a program can do its other start-up work meanwhile; New waits for it.
func Preload() {
	spec.Preload()
	go useragent.Parse("") // compiles the user-agent rules
}
