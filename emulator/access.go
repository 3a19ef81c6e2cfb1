package emulator

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

const (
	corsAllowHeaders = "Content-Type, X-Client, X-Client-Key, Session, Authorization"
	corsAllowMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
)

// corsPreflight adds CORS headers for browser apps on another origin, which
// the official client calls with credentials: "include" (so the origin is
// echoed, never "*"). It answers a preflight itself and reports that it did.
func corsPreflight(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	h := w.Header()
	if origin != "" {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		h.Add("Vary", "Origin")
	}
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	h.Set("Access-Control-Allow-Methods", corsAllowMethods)
	h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
	return true
}

func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// checkAdminToken requires the admin token, when one is set, as a Bearer
// token or (for the page's event stream, which cannot send headers) the
// admin_token query parameter.
func (e *Emulator) checkAdminToken(r *http.Request) error {
	if e.adminToken == "" {
		return nil
	}
	token := r.URL.Query().Get("admin_token")
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, rest, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return newError(http.StatusUnauthorized, codeInvalidAdminToken, "The control API takes the admin token as 'Authorization: Bearer <token>'.")
		}
		token = strings.TrimSpace(rest)
	}
	if token == "" {
		return newError(http.StatusUnauthorized, codeAdminTokenRequired, "The control API needs the admin token (--admin-token): send 'Authorization: Bearer <token>'.")
	}
	if !constantTimeEqual(token, e.adminToken) {
		return newError(http.StatusUnauthorized, codeInvalidAdminToken, "The admin token is not valid.")
	}
	return nil
}
