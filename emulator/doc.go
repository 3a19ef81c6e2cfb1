// Package emulator is an in-memory emulation of Altogic's authentication
// REST API, with a control plane for tests and people: an inbox that
// captures every email and SMS, a clock that can be moved, faults, a request
// journal, coverage, and state export and import.
//
// # Embedding
//
// An Emulator is an http.Handler. The zero Options give the embedded default
// fixtures, links built from each request's host, the system clock and no
// logs:
//
//	em, err := emulator.New(emulator.Options{})
//	if err != nil { ... }
//	defer em.Close(context.Background())
//	srv := &http.Server{Addr: "127.0.0.1:8484", Handler: em}
//
// Point the official client at srv's URL (createClient(url, anyClientKey)),
// or at url + "/e:<envId>" for an isolated environment. For Go tests, the
// emulatortest package starts one on httptest with typed helpers.
//
// # The pipeline
//
// Every request goes through one path, [Emulator.ServeHTTP] and serve in
// serve.go: CORS, the header size, the environment prefix (/e:{envId}),
// the control plane's owner checks (access.go), routing against openapi.yaml
// (the route table of routes.go, one operation per operationId), the client
// key, the query and body checks, validation against the spec
// (validate.go), then the environment is created or found, a fault is
// applied, and the operation's handler runs. Its answer, or its error from
// the table of errors.go, is written by respond.go; the journal records it.
//
// # The lock rule
//
// Each environment (state.go) has one state lock, env.mu. The pipeline
// takes it around the handler of every operation marked locked in the
// route table, as a transaction; handlers never lock. Anything a handler
// sends (emails, SMS) goes into the call's outbox (outbox.go), which joins
// the environment's queue before the lock is released, so the queue is in
// commit order; the pipeline delivers it after unlocking (captured into
// the inbox, logged, handed to the SMTP relay), and the call answers once
// its messages are delivered. A slow delivery never holds the state. Long-polls and event streams
// run unlocked: operations that use only the inbox, the journal or the
// clock take those leaf locks alone, and a leaf lock is taken after env.mu
// when both are needed, never before. Methods whose names end in Locked
// expect env.mu held.
//
// # A map of the files
//
// The HTTP edge: serve.go (the pipeline, bodies), routes.go (the route
// table), call.go (one request on its way: parameters, the environment's
// base URL), access.go (CORS, owner checks, client key, admin token),
// validate.go (spec validation into Altogic's envelope), respond.go and
// wire.go (answers, the JSON of users and sessions), errors.go (the error
// table).
//
// State: emulator.go (Options, New, Close, environments), state.go (env,
// users by address), user.go, session.go, tokens.go (link tokens and SMS
// codes), clock.go, budget.go (the byte budget), journal.go (the request
// journal and coverage), snapshot.go (export and import), useragent.go,
// fields.go (field rules the spec cannot say).
//
// The Altogic API, one file per area: auth_account.go (sign-up, sign-in,
// the user), auth_session.go (sessions, sign-out, password change),
// auth_email.go and auth_links.go (email links), auth_phone.go and
// auth_codes.go (SMS codes), auth_reset.go (the four reset flows),
// auth_oauth.go (providers without a provider).
//
// The control plane, under /_emulator/: ctl_env.go (environments, reset,
// settings, users), ctl_clock.go, ctl_faults.go, ctl_inbox.go (the inbox
// API, its page and its event stream), ctl_journal.go (requests,
// coverage), ctl_state.go (state export and import).
//
// Mail: outbox.go (delivery), messages.go (what Altogic sends), mime.go
// (MIME rendering), relay.go (the SMTP relay), mailhog.go (MailHog's API
// over the inbox).
//
// The spec lives in internal/spec (openapi.yaml and its generated Go
// form; go generate ./emulator/... after editing the top-level
// openapi.yaml).
//
// Tests go through HTTP, as a client would: harness_test.go drives the
// handler and checks each answer against the spec.
package emulator
