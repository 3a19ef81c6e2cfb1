package emulator

import (
	"crypto/subtle"
	"net/http"
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
