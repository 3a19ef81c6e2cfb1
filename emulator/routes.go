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
	// "phone" (phoneAuth); off, the call answers not_allowed.
	gate string
	// control marks the emulator's own control API: never faulted, never
	// in the request journal.
	control bool
	// global marks control operations that use no environment's state, so
	// that they never create one (and work when the limit is reached).
	global bool
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
