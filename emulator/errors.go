package emulator

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The error table. Every error the emulator answers is declared here, once,
// by name: the Altogic API's with the real service's status, code and
// message (Altogic where known, else Agnost, the same team's
// re-implementation: see docs/fidelity.md), then the emulator's own. A
// quirk of the real service is commented where its error is declared, not
// where it is used. Call sites return the name; the prototypes are shared,
// so details are added with withValue, which copies.

// Sessions: the official client wipes its stored session on these.
var (
	errMissingSession = clientError(http.StatusUnauthorized, "missing_session_token",
		"No valid session token provided in 'Session' header or in 'session_token' cookie.")
	// A token that is not a JWT of the app. Quirk: "Session" is
	// capitalised here and not in errSessionGone.
	errBadSessionJWT = clientError(http.StatusUnauthorized, codeInvalidSession,
		"The Session token was not authorized or has expired")
	// A well-formed token whose session ended: signed out or expired.
	errSessionGone = clientError(http.StatusUnauthorized, codeInvalidSession,
		"The session token was not authorized or has expired")
	errSessionUserGone = clientError(http.StatusNotFound, codeUserNotFound,
		"The user record associated with the active session cannot be identified.")
	// signOut with a token that is not a session JWT. Quirk: 404.
	errSignOutMalformed = clientError(http.StatusNotFound, codeInvalidSession,
		"Invalid session token. The session token has expired or is not valid at all.")
	errSignOutForeign = clientError(http.StatusForbidden, codeInvalidSession,
		"Invalid session token. The session that you are trying to sign out is not your session.")
)

// Credentials.
var (
	errBadEmailCredentials = clientError(http.StatusUnauthorized, codeInvalidCredentials,
		"Invalid credentials. Email or password provided is invalid.")
	// An unknown phone at sign-in. Quirk: 404 user_not_found, and "Phone"
	// where errBadPhonePassword says "Phone number".
	errUnknownPhoneSignIn = clientError(http.StatusNotFound, codeUserNotFound,
		"Invalid credentials. Phone or password provided is invalid.")
	errBadPhonePassword = clientError(http.StatusUnauthorized, codeInvalidCredentials,
		"Invalid credentials. Phone number or password provided is invalid.")
	// The send-* calls by email: the address has no account.
	errNoSuchEmail = clientError(http.StatusUnauthorized, codeInvalidCredentials,
		"Invalid credentials. No such account found with the provided email.")
	// The send-* calls by phone. Quirk: 404 user_not_found, where the email
	// side answers 401 invalid_credentials.
	errNoSuchPhone = clientError(http.StatusNotFound, codeUserNotFound,
		"Invalid credentials. No such account found with the provided phone number.")
	errWrongCurrentPassword = clientError(http.StatusUnauthorized, codeInvalidCredentials,
		"Invalid credentials. The current password provided is not valid.")
)

// errNoRealtimeEvent answers a realtime events/latest that found nothing.
func errNoRealtimeEvent(f realtimeFilter, wait time.Duration) *apiError {
	var parts []string
	for _, p := range [][2]string{{"event ", f.event}, {"for user ", f.userID}, {"on channel ", f.channel}} {
		if p[1] != "" {
			parts = append(parts, p[0]+p[1])
		}
	}
	msg := "No realtime event"
	if len(parts) > 0 {
		msg += " (" + strings.Join(parts, ", ") + ")"
	}
	if wait > 0 {
		msg += fmt.Sprintf(" was delivered within %s.", wait)
	} else {
		msg += " has been delivered."
	}
	return clientError(http.StatusNotFound, codeNotFound, msg)
}

// errProviderUser answers a password or address call (operation, an
// operationId) for a user who signed up with an OAuth provider: each call
// has its own message, as in Agnost's server. (Agnost's phone calls meant
// to answer theirs but fail on a slip in its code; the message they meant
// is answered.)
func errProviderUser(operation, provider string) *apiError {
	what, ok := providerRefusals[operation]
	if !ok {
		what = providerRefusals["signInWithEmail"]
	}
	return clientError(http.StatusUnauthorized, codeInvalidCredentials, fmt.Sprintf(
		"Invalid credentials. You have signed up using your %s credentials. %s", provider, what))
}

// providerRefusals ends errProviderUser's message, by operationId.
var providerRefusals = map[string]string{
	"signInWithEmail":         "You cannot sign in with an email and password.",
	"resendVerificationEmail": "You cannot send a verification email.",
	"sendMagicLinkEmail":      "You cannot send a magic link email.",
	"sendResetPwdEmail":       "You cannot send a reset password email.",
	"changePassword":          "You cannot change the password of accounts that are authorized using Oauth2 providers.",
	"changeEmail":             "You cannot change the email of accounts that are authorized using Oauth2 providers.",
	"resendVerificationCode":  "You cannot send phone verification SMS code.",
	"signInWithPhone":         "You cannot sign in with a phone number and password.",
	"sendSignInCode":          "You cannot send sign-in SMS code.",
	"changePhone":             "You cannot change the phone number for accounts that are authorized using Oauth2 providers.",
	"sendResetPwdCode":        "You cannot send a reset password SMS code.",
}

// Settings and verification.
var (
	errEmailAuthOff = clientError(http.StatusUnauthorized, codeNotAllowed,
		"Email authentication is not enabled in your app version settings.")
	errPhoneAuthOff = clientError(http.StatusUnauthorized, codeNotAllowed,
		"Phone number based authentication is not enabled in your app version settings.")
	errEmailNotVerified = clientError(http.StatusUnauthorized, "email_not_verified",
		"The email address has not been verified yet.")
	errPhoneNotVerified = clientError(http.StatusUnauthorized, "phone_not_verified",
		"The phone number has not been verified yet.")
	errEmailVerifyDisabled = clientError(http.StatusUnauthorized, "email_verification_disabled",
		"Email confirmation is disabled in your app version authentication settings.")
	errPhoneVerifyDisabled = clientError(http.StatusUnauthorized, "phone_verification_disabled",
		"Phone number confirmation is disabled in your app version authentication settings.")
	errEmailAlreadyVerified = clientError(http.StatusUnauthorized, "email_already_verified",
		"The email address has already been verified.")
	// resendVerificationCode for a verified phone.
	errPhoneAlreadyVerified = clientError(http.StatusUnauthorized, codePhoneAlreadyVerified,
		msgPhoneAlreadyVerified)
	// verifyPhone with a sign-up code of a verified phone. Quirk: 400, where
	// resendVerificationCode answers 401 with the same code and message.
	errPhoneAlreadyVerifiedByCode = clientError(http.StatusBadRequest, codePhoneAlreadyVerified,
		msgPhoneAlreadyVerified)
	errSMSCodesDisabled = clientError(http.StatusUnauthorized, "sms_auth_codes_disabled",
		"Sign in using authorization codes sent in SMS is disabled in your app version authentication settings.")
)

// Uniqueness: answered with details {value, param} (withValue).
var (
	errEmailNotUnique = clientError(http.StatusBadRequest, "email_not_unique", msgEmailNotUnique)
	// A taken number at change-phone and verify-phone. Quirk: Agnost answers
	// it with the email's code.
	errPhoneTaken = clientError(http.StatusBadRequest, "email_not_unique", msgPhoneNotUnique)
	// A taken number at sign-up. Quirk: Agnost answers 404 user_not_found.
	errPhoneSignUpTaken = clientError(http.StatusNotFound, codeUserNotFound, msgPhoneNotUnique)
)

// Tokens of redirects and SMS codes.
var (
	errMissingAccessToken = clientError(http.StatusBadRequest, "missing_access_token",
		"Cannot identify the access token")
	errInvalidAccessToken = clientError(http.StatusForbidden, "invalid_access_token", msgInvalidAccessToken)
	errInvalidTokenType   = clientError(http.StatusUnauthorized, "invalid_token_type",
		"Not a valid token type to get user authentication grants.")
	// The user of a grant or a code is gone.
	errTokenUserGone = clientError(http.StatusNotFound, codeUserNotFound, msgTokenUserGone)
	// The user of a reset-pwd token is gone. Quirk: 401, where getAuthGrant
	// answers 404 with the same code and message.
	errResetUserGone = clientError(http.StatusUnauthorized, codeUserNotFound, msgTokenUserGone)
	errMissingPhone  = clientError(http.StatusBadRequest, "missing_phone_number",
		"Cannot identify the phone number")
	errMissingSMSCode = clientError(http.StatusBadRequest, "missing_sms_code",
		"Cannot identify the SMS code")
	errInvalidSMSCode = clientError(http.StatusForbidden, "invalid_access_token",
		"Invalid or expired SMS code")
	errCodeNotForReset = clientError(http.StatusBadRequest, codeInvalidActionType,
		"Cannot identify the action type. The SMS code type is not valid for resetting passwords.")
	errCodeNotForVerify = clientError(http.StatusBadRequest, codeInvalidActionType,
		"Cannot identify the action type. The SMS code type is not valid for verifying phone numbers.")
	// Quirk: the message of verify-phone, word for word, as Agnost's
	// sign-in with a code answers it.
	errCodeNotForSignIn = clientError(http.StatusBadRequest, codeInvalidActionType,
		"Cannot identify the action type. The SMS code type is not valid for verifying phone numbers.")
	errPhoneMismatch = clientError(http.StatusUnauthorized, "mismatch_values",
		"The phone number of the user and the phone number associated with the token does not match.")
)

// The client key and the request itself.
var (
	errMissingClientKey = clientError(http.StatusUnauthorized, "missing_client_key",
		"No client key provided in 'X-Client-Key' header. Pass the client key of your app to createClient.")
	errInvalidClientKey = clientError(http.StatusUnauthorized, "invalid_client_key",
		"The client key provided in 'X-Client-Key' header is not valid for this app.")
	errUnsupportedMediaType = clientError(http.StatusUnsupportedMediaType, "unsupported_media_type",
		"The request body must be JSON: send it with the header 'Content-Type: application/json'.")
	// A value the spec let through that does not fit Go's types (a whole
	// number beyond 64 bits in a field of no declared field).
	errBodyShape = clientError(http.StatusBadRequest, codeValidation,
		"The request body does not have the expected shape.")
)

// errBodySyntax answers a body that is not JSON, saying why.
func errBodySyntax(why string) *apiError {
	return clientError(http.StatusBadRequest, "invalid_request_body_syntax",
		"The server could not understand the request due to invalid syntax of JSON document in request body. "+why)
}

// errBodyUnreadable answers a body whose reading failed.
func errBodyUnreadable(err error) *apiError {
	return clientError(http.StatusBadRequest, "invalid_request_body_syntax", "The request body could not be read: "+err.Error())
}

func errRouteNotFound(method, path string) *apiError {
	return clientError(http.StatusNotFound, codeNotFound,
		fmt.Sprintf("Cannot find the requested resource: %s %s", method, truncate(path, 200)))
}

func errMethodNotAllowed(method, path string) *apiError {
	return clientError(http.StatusMethodNotAllowed, "method_not_allowed",
		fmt.Sprintf("The method %s is not allowed on %s.", method, truncate(path, 200)))
}

// The messages of failed redirects (status, action and error in the
// Redirect URL's query) and of field errors, which are not envelopes of
// their own.
const (
	msgInvalidAccessToken   = "Invalid or expired access token"
	msgTokenUserGone        = "The user associated with the access token does not exist."
	msgLinkUserGone         = "The user associated with the token does not exist."
	msgLinkAlreadyVerified  = "The email of the user has already been verified."
	msgLinkNotVerified      = "The email of the user has not been verified yet."
	msgEmailNotUnique       = "A user with the provided email already exists."
	msgPhoneNotUnique       = "A user with the provided phone number already exists."
	msgPhoneAlreadyVerified = "The phone number of the user has already been verified."
	msgBadEmailFormat       = "Not a valid email address format"
	msgBadPhoneFormat       = "Not a valid phone number. Phone number must be in international format [+] [country code] [subscriber number including area code]"
)

// The codes used by more than one error.
const (
	codeValidation           = "validation_error"
	codeNotFound             = "not_found"
	codeInvalidSession       = "invalid_session_token"
	codeInvalidCredentials   = "invalid_credentials"
	codeUserNotFound         = "user_not_found"
	codeNotAllowed           = "not_allowed"
	codePhoneAlreadyVerified = "phone_already_verified"
	codeInvalidActionType    = "invalid_action_type"
	codeForbiddenOrigin      = "forbidden_origin"
	codeInvalidAdminToken    = "invalid_admin_token"
	codeServerBusy           = "server_busy"
	codeServiceUnavailable   = "service_unavailable"
)

// The emulator's own errors: its control plane, limits and condition. They
// use the same envelope; the ones about the emulator's condition rather
// than the request have origin server_error.

// Who may use the control plane (access.go).
var (
	errCrossSite = clientError(http.StatusForbidden, codeForbiddenOrigin,
		"The control plane does not answer cross-site requests from browsers (Sec-Fetch-Site: cross-site). If the page is yours, start the emulator with --cors-origin set to its origin.")
	errAdminTokenRequired = clientError(http.StatusUnauthorized, "admin_token_required",
		"The control API needs the admin token (--admin-token): send 'Authorization: Bearer <token>', or, in a browser's address bar, add ?admin_token=<token> to the page's URL.")
	errAdminTokenScheme = clientError(http.StatusUnauthorized, codeInvalidAdminToken,
		"The control API takes the admin token as 'Authorization: Bearer <token>'.")
	errInvalidAdminToken = clientError(http.StatusUnauthorized, codeInvalidAdminToken,
		"The admin token is not valid.")
	errBodyCut = serverError(http.StatusServiceUnavailable, codeServiceUnavailable,
		"The emulator is stopping: the request body was cut.")
	errExportTurn = serverError(http.StatusServiceUnavailable, codeServiceUnavailable,
		"The emulator is stopping, or the request ended, before another export of the environment finished.")
	errUserIDTaken = clientError(http.StatusBadRequest, codeValidation, "A user with the provided _id already exists.")
	// createUser with a taken number: the control API says what it is.
	errPhoneNotUnique = clientError(http.StatusBadRequest, "phone_not_unique", msgPhoneNotUnique)
)

func errForbiddenHost(name string) *apiError {
	return clientError(http.StatusForbidden, "forbidden_host", fmt.Sprintf(
		"The control plane does not answer the host name '%s': it is not a loopback name, an IP address or the --public-url host, and a DNS rebinding attack would use such a name. If you reach the emulator under that name, start it with --allowed-host %s.",
		name, name))
}

func errForbiddenOrigin(origin string) *apiError {
	return clientError(http.StatusForbidden, codeForbiddenOrigin, fmt.Sprintf(
		"The control plane does not answer pages of the origin '%s': only the emulator's own origin and loopback origins may use it. If that page is yours, start the emulator with --cors-origin %s.", origin, origin))
}

func errHeaderTooLarge(n, limit int) *apiError {
	return clientError(http.StatusRequestHeaderFieldsTooLarge, "request_header_too_large",
		fmt.Sprintf("The request line and headers take %d bytes, more than the limit of %d.", n, limit))
}

func errInvalidEnvironment(id string) *apiError {
	return clientError(http.StatusBadRequest, "invalid_environment",
		fmt.Sprintf("The environment id in '/e:%s' is not valid: use 1 to 64 letters, digits, '.', '_' or '-'.", truncate(id, 80)))
}

func errPayloadTooLarge(limit int64) *apiError {
	return clientError(http.StatusRequestEntityTooLarge, "payload_too_large",
		fmt.Sprintf("The request body is larger than the limit of %d bytes.", limit))
}

func errRequestTimeout(d time.Duration) *apiError {
	return clientError(http.StatusRequestTimeout, "request_timeout", fmt.Sprintf("The request body did not arrive within %s.", d))
}

func errBodiesBusy(limit int64) *apiError {
	return serverError(http.StatusServiceUnavailable, codeServerBusy, fmt.Sprintf(
		"The emulator is receiving %s of request bodies at once, its limit: send this one again in a moment.", formatBytes(limit)))
}

// errAnswersBusy is the refusal of an answer that does not fit.
func errAnswersBusy() *apiError {
	return serverError(http.StatusServiceUnavailable, codeServerBusy, fmt.Sprintf(
		"The emulator is writing %d MiB of large answers at once, its limit: ask again in a moment.", maxAnswersInFlight>>20))
}

// errStateFull answers what does not fit the state budget.
func errStateFull(limit int64) *apiError {
	return clientError(http.StatusTooManyRequests, "storage_full", fmt.Sprintf(
		"The emulator holds %s of state across its environments, its limit (--max-state). POST /_emulator/reset or DELETE /_emulator/environment frees some, or start it with a higher --max-state.",
		formatBytes(limit)))
}

func errTooManyEnvironments(limit int) *apiError {
	return clientError(http.StatusTooManyRequests, "too_many_environments", fmt.Sprintf(
		"The emulator already holds %s beside the default one, its limit (--max-environments). Delete some with DELETE /e:{envId}/_emulator/environment, or start it with a higher limit.", plural(limit, "environment")))
}

// plural is "1 environment", "2 environments".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func errTooManyUsers(limit int) *apiError {
	return clientError(http.StatusTooManyRequests, "too_many_users", fmt.Sprintf(
		"The environment already holds %d users, its limit (--max-users). POST /_emulator/reset or DELETE /_emulator/environment empties it.", limit))
}

func errTooManyFaults(limit int) *apiError {
	return clientError(http.StatusTooManyRequests, "too_many_faults",
		fmt.Sprintf("An environment holds at most %d pending faults: DELETE /_emulator/faults clears them.", limit))
}

// errNoSuch answers an id that names no email, SMS or message.
func errNoSuch(kind, id string) *apiError {
	return clientError(http.StatusNotFound, codeNotFound, "No "+kind+" has the id "+truncate(id, 80)+".")
}

// errBadImport answers a state that cannot be imported.
func errBadImport(err error) *apiError {
	return clientError(http.StatusBadRequest, codeValidation, "The state cannot be imported, and nothing of it was: "+err.Error())
}

// errBadSettings answers settings that cannot be applied: code is
// validation_error for a body of the wrong shape, invalid_config for
// values that do not go together.
func errBadSettings(code string, err error) *apiError {
	return clientError(http.StatusBadRequest, code, "The settings are not valid: "+err.Error())
}

// apiError is one or more items of Altogic's error envelope with the HTTP
// status they are answered with. Handlers return it as an error.
type apiError struct {
	status int
	items  []errorItem
	// unexpected marks an error no handler meant (a bug): its answer
	// carries the header unexpectedHeader, for tests to fail on.
	unexpected bool
}

// unexpectedHeader marks an answer to an error no handler meant, so that
// a test tells the emulator's bug from an injected 500 of the same code.
const unexpectedHeader = "X-Altogic-Emulator-Unexpected-Error"

type errorItem struct {
	Origin  string         `json:"origin"`
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

func (e *apiError) Error() string {
	if len(e.items) == 0 {
		return http.StatusText(e.status)
	}
	return e.items[0].Code + ": " + e.items[0].Message
}

// clientError is an error of the request (origin client_error).
func clientError(status int, code, message string) *apiError {
	return &apiError{status: status, items: []errorItem{{Origin: "client_error", Code: code, Message: message}}}
}

// serverError is an error of the emulator's own condition (busy,
// stopping), not of the request.
func serverError(status int, code, message string) *apiError {
	return &apiError{status: status, items: []errorItem{{Origin: "server_error", Code: code, Message: message}}}
}

// withValue answers a copy of e whose item names the offending value, as
// Altogic's uniqueness errors do: details {value, param}.
func (e *apiError) withValue(param, value string) *apiError {
	c := &apiError{status: e.status, items: append([]errorItem(nil), e.items...)}
	c.items[0].Details = map[string]any{"value": value, "param": param}
	return c
}

// asAPIError answers err as an envelope; anything unexpected is a 500 that
// still speaks the envelope, so a client never hangs on a non-JSON body.
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	ae = serverError(http.StatusInternalServerError, "internal_server_error", err.Error())
	ae.unexpected = true
	return ae
}

// fieldErrors collects one validation_error item per invalid field, so a
// request with two bad fields gets two items, as Altogic answers.
type fieldErrors struct{ items []errorItem }

// maxFieldErrors bounds the items of one answer: a body of a hundred
// thousand bad fields gets the first hundred, not a hundred thousand.
const maxFieldErrors = 100

func (f *fieldErrors) add(param, location, message string) {
	if len(f.items) >= maxFieldErrors {
		return
	}
	for _, it := range f.items {
		if it.Details["param"] == param && it.Details["location"] == location {
			return // one item per field
		}
	}
	f.items = append(f.items, errorItem{
		Origin: "client_error", Code: codeValidation, Message: message,
		Details: map[string]any{"param": param, "location": location},
	})
}

func (f *fieldErrors) err() error {
	if len(f.items) == 0 {
		return nil
	}
	return &apiError{status: http.StatusBadRequest, items: f.items}
}
