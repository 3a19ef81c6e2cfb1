package emulator

// handlerFunc handles one operation of openapi.yaml. It answers a value to
// write as JSON with status 200, one of the reply types below, or an error
// (an *apiError for the envelope).
type handlerFunc func(c *call) (any, error)

type operation struct {
	handler handlerFunc
	// api marks Altogic API operations, which need an X-Client-Key.
	api bool
	// gate names the setting that must be on: "email" (emailAuth) or
	// "phone" (phoneAuth); off, the call answers not_allowed. Only locked
	// operations have one.
	gate string
	// control marks the emulator's own control API: never faulted, never
	// in the request journal.
	control bool
	// global marks control operations that use no environment's state, so
	// that they never create one (and work when the limit is reached).
	global bool
	// locked runs the handler holding the environment's lock (env.mu),
	// taken and released by the pipeline. Operations that use only the
	// inbox, the journal or the clock, which have their own locks, run
	// without it: among them the ones that wait or stream.
	locked bool
	// prepare, when set, runs before the lock is taken, for work on the
	// request alone that is too long to hold the environment for (checking
	// an imported state). It leaves its result in c.prepared.
	prepare handlerFunc
	// reads marks a POST that changes nothing (getMembers): its answer may
	// be refused for room, as a GET's is.
	reads bool
	// misfit, when set, looks at a body openapi.yaml refused, to name a
	// well-known mistake (a file of another kind) where the schema's
	// errors would only list what is missing.
	misfit func(body []byte) error
	// turn makes the call wait for the environment's export turn before
	// the lock, and keep it until its answer is written: exports take turns.
	turn bool
}

// routes is the route table: one line per operationId of openapi.yaml.
func (e *Emulator) routes() map[string]operation {
	api := func(h handlerFunc) operation { return operation{handler: h, api: true, locked: true} }
	email := func(h handlerFunc) operation { return operation{handler: h, api: true, gate: "email", locked: true} }
	phone := func(h handlerFunc) operation { return operation{handler: h, api: true, gate: "phone", locked: true} }
	link := func(h handlerFunc) operation { return operation{handler: h, locked: true} }
	ctl := func(h handlerFunc) operation { return operation{handler: h, control: true, locked: true} }
	// own: the inbox, the journal or the clock only, under their own locks.
	own := func(h handlerFunc) operation { return operation{handler: h, control: true} }
	global := func(h handlerFunc) operation { return operation{handler: h, control: true, global: true} }
	reads := func(op operation) operation { op.reads = true; return op }
	importState := ctl(e.importState)
	importState.prepare = e.checkImportBody
	importState.misfit = allEnvironmentsSnapshot
	exportState := ctl(e.exportState)
	exportState.turn = true
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
		// The realtime manager's one REST call.
		"getMembers": reads(api(e.getMembers)),
		// The control API.
		"health":                  global(e.health),
		"resetEnvironment":        ctl(e.resetEnvironment),
		"listUsers":               ctl(e.listUsers),
		"createUser":              ctl(e.createUser),
		"updateUser":              ctl(e.updateUser),
		"deleteUser":              ctl(e.deleteUser),
		"getConfig":               ctl(e.getConfig),
		"patchConfig":             ctl(e.patchConfig),
		"getOpenAPI":              global(e.getOpenAPI),
		"listRealtimeConnections": own(e.listRealtimeConnections),
		"listRealtimeEvents":      own(e.listRealtimeEvents),
		"latestRealtimeEvent":     own(e.latestRealtimeEvent),
		"listEmails":              own(emailBox.list),
		"latestEmail":             own(emailBox.latest),
		"getEmail":                own(emailBox.get),
		"listSMS":                 own(smsBox.list),
		"latestSMS":               own(smsBox.latest),
		"getSMS":                  own(smsBox.get),
		"clearInbox":              own(e.clearInbox),
		"getClock":                own(e.getClock),
		"changeClock":             own(e.changeClock),
		"addFault":                ctl(e.addFault),
		"listFaults":              ctl(e.listFaults),
		"clearFaults":             ctl(e.clearFaults),
		"listRequests":            own(e.listRequests),
		"getCoverage":             global(e.getCoverage),
		"exportState":             exportState,
		"importState":             importState,
		"inboxRedirect":           global(e.inboxRedirect),
		"inboxPage":               global(e.inboxPageHandler),
		"listEnvironments":        global(e.listEnvironments),
		"deleteEnvironment":       global(e.deleteEnvironment),
		"inboxEvents":             own(e.inboxEvents),
		// MailHog's API.
		"mailhogMessages":  own(e.mailhogMessages),
		"mailhogSearch":    own(e.mailhogSearch),
		"mailhogListV1":    own(e.mailhogListV1),
		"mailhogDeleteAll": own(e.mailhogDeleteAll),
		"mailhogGet":       own(e.mailhogGet),
		"mailhogDelete":    own(e.mailhogDelete),
	}
}
