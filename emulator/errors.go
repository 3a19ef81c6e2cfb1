package emulator

import (
	"errors"
	"net/http"
)

// The error codes of Altogic's envelope, verbatim. Where the real service's
// code is unknown the emulator follows Agnost, the same team's
// re-implementation (see altogic-api notes in the README).
const (
	codeValidation            = "validation_error"
	codeBodySyntax            = "invalid_request_body_syntax"
	codeUnsupportedMedia      = "unsupported_media_type"
	codePayloadTooLarge       = "payload_too_large"
	codeNotFound              = "not_found"
	codeMethodNotAllowed      = "method_not_allowed"
	codeMissingClientKey      = "missing_client_key"
	codeInvalidClientKey      = "invalid_client_key"
	codeMissingSession        = "missing_session_token"
	codeInvalidSession        = "invalid_session_token"
	codeEmailNotVerified      = "email_not_verified"
	codePhoneNotVerified      = "phone_not_verified"
	codeInvalidCredentials    = "invalid_credentials"
	codeUserNotFound          = "user_not_found"
	codeEmailNotUnique        = "email_not_unique"
	codePhoneNotUnique        = "phone_not_unique"
	codeEmailVerifyDisabled   = "email_verification_disabled"
	codePhoneVerifyDisabled   = "phone_verification_disabled"
	codeMissingAccessToken    = "missing_access_token"
	codeInvalidAccessToken    = "invalid_access_token"
	codeInvalidTokenType      = "invalid_token_type"
	codeMissingPhone          = "missing_phone_number"
	codeMissingSMSCode        = "missing_sms_code"
	codeInvalidActionType     = "invalid_action_type"
	codeInvalidEnvironment    = "invalid_environment"
	codeInvalidConfig         = "invalid_config"
	codeRequestHeaderTooLarge = "request_header_too_large"
	codeTooManyEnvironments   = "too_many_environments"
	codeTooManyFaults         = "too_many_faults"
	codeTooManyUsers          = "too_many_users"
	codeAdminTokenRequired    = "admin_token_required"
	codeInvalidAdminToken     = "invalid_admin_token"
	codeForbiddenHost         = "forbidden_host"
	codeForbiddenOrigin       = "forbidden_origin"
	codeStorageFull           = "storage_full"
	codeServiceUnavailable    = "service_unavailable"
	codeServerBusy            = "server_busy"
	codeRequestTimeout        = "request_timeout"
)

// The messages of the real service (Altogic where known, else Agnost).
const (
	msgMissingSession       = "No valid session token provided in 'Session' header or in 'session_token' cookie."
	msgBadSessionJWT        = "The Session token was not authorized or has expired"
	msgSessionGone          = "The session token was not authorized or has expired"
	msgSessionUserGone      = "The user record associated with the active session cannot be identified."
	msgEmailNotVerified     = "The email address has not been verified yet."
	msgPhoneNotVerified     = "The phone number has not been verified yet."
	msgBadEmailCredentials  = "Invalid credentials. Email or password provided is invalid."
	msgUnknownPhoneSignIn   = "Invalid credentials. Phone or password provided is invalid."
	msgBadPhonePassword     = "Invalid credentials. Phone number or password provided is invalid."
	msgNoSuchEmail          = "Invalid credentials. No such account found with the provided email."
	msgNoSuchPhone          = "Invalid credentials. No such account found with the provided phone number."
	msgEmailNotUnique       = "A user with the provided email already exists."
	msgPhoneNotUnique       = "A user with the provided phone number already exists."
	msgEmailVerifyDisabled  = "Email confirmation is disabled in your app version authentication settings."
	msgPhoneVerifyDisabled  = "Phone number confirmation is disabled in your app version authentication settings."
	msgMissingAccessToken   = "Cannot identify the access token"
	msgInvalidAccessToken   = "Invalid or expired access token"
	msgTokenUserGone        = "The user associated with the access token does not exist."
	msgMissingPhone         = "Cannot identify the phone number"
	msgMissingSMSCode       = "Cannot identify the SMS code"
	msgInvalidSMSCode       = "Invalid or expired SMS code"
	msgCodeNotForReset      = "Cannot identify the action type. The SMS code type is not valid for resetting passwords."
	msgSignOutForeign       = "Invalid session token. The session that you are trying to sign out is not your session."
	msgSignOutMalformed     = "Invalid session token. The session token has expired or is not valid at all."
	msgMissingClientKey     = "No client key provided in 'X-Client-Key' header. Pass the client key of your app to createClient."
	msgInvalidClientKey     = "The client key provided in 'X-Client-Key' header is not valid for this app."
	msgBodySyntax           = "The server could not understand the request due to invalid syntax of JSON document in request body."
	msgUnsupportedMediaType = "The request body must be JSON: send it with the header 'Content-Type: application/json'."
)

// apiError is one or more items of Altogic's error envelope with the HTTP
// status they are answered with. Handlers return it as an error.
type apiError struct {
	status int
	items  []errorItem
}

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

func newError(status int, code, message string) *apiError {
	return &apiError{status: status, items: []errorItem{{Origin: "client_error", Code: code, Message: message}}}
}

// newServerError is an error of the emulator's own condition (busy,
// stopping), not of the request.
func newServerError(status int, code, message string) *apiError {
	return &apiError{status: status, items: []errorItem{{Origin: "server_error", Code: code, Message: message}}}
}

func (e *apiError) with(details map[string]any) *apiError {
	e.items[0].Details = details
	return e
}

// asAPIError answers err as an envelope; anything unexpected is a 500 that
// still speaks the envelope, so a client never hangs on a non-JSON body.
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	return &apiError{status: http.StatusInternalServerError, items: []errorItem{{
		Origin: "server_error", Code: "internal_server_error", Message: err.Error(),
	}}}
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

const (
	codeNotAllowed           = "not_allowed"
	codeEmailAlreadyVerified = "email_already_verified"
	codePhoneAlreadyVerified = "phone_already_verified"
	codeSMSCodesDisabled     = "sms_auth_codes_disabled"
	codeMismatch             = "mismatch_values"

	msgEmailAuthOff          = "Email authentication is not enabled in your app version settings."
	msgPhoneAuthOff          = "Phone number based authentication is not enabled in your app version settings."
	msgEmailAlreadyVerified  = "The email address has already been verified."
	msgPhoneAlreadyVerified  = "The phone number of the user has already been verified."
	msgSMSCodesDisabled      = "Sign in using authorization codes sent in SMS is disabled in your app version authentication settings."
	msgWrongCurrentPassword  = "Invalid credentials. The current password provided is not valid."
	msgCodeNotForVerify      = "Cannot identify the action type. The SMS code type is not valid for verifying phone numbers."
	msgCodeNotForSignIn      = "Cannot identify the action type. The SMS code type is not valid for signing in."
	msgInvalidTokenType      = "Not a valid token type to get user authentication grants."
	msgProviderPasswordLogin = "Invalid credentials. You have signed up using your %s credentials. You cannot sign in with an email and password."
)
