package emulator

import (
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Who may use what. The Altogic API and email links answer any web origin
// and any host name: apps run on any dev origin and reach the emulator by
// any name. The control plane (/_emulator/..., the inbox page and its
// events, the MailHog API) holds a developer's inbox, state and settings,
// so it answers only its owner:
//
//   - CORS only for the emulator's own origin, loopback origins and the
//     origins listed in Options.CORSOrigins;
//   - a request from another web origin (its Origin header, or
//     Sec-Fetch-Site: cross-site without one) is refused with 403, whatever
//     its method or content type, so a cross-site form cannot reset an
//     environment and a foreign page cannot read the inbox;
//   - only host names that a web attacker cannot point at the emulator
//     (DNS rebinding): loopback names, IP addresses, the public URL's host
//     and Options.AllowedHosts;
//   - the admin token, when one is set.

const (
	corsAllowHeaders = "Content-Type, X-Client, X-Client-Key, Session, Authorization"
	corsAllowMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
)

// onControlPlane reports whether a path (without its /e:{envId} prefix)
// belongs to the control plane: everything but the Altogic API and the
// links a browser follows.
func onControlPlane(rest string) bool {
	return !strings.HasPrefix(rest, "/_api/") && !strings.HasPrefix(rest, "/_auth/")
}

// accessRules are the owner checks of the control plane, fixed at New.
type accessRules struct {
	anyOrigin bool
	origins   map[string]bool // normalized "scheme://host[:port]"
	anyHost   bool
	hosts     map[string]bool // lowercase host names
}

func newAccessRules(origins, hosts []string, publicURL string) (accessRules, error) {
	a := accessRules{origins: map[string]bool{}, hosts: map[string]bool{}}
	for _, o := range origins {
		o = strings.TrimSpace(o)
		if o == "*" {
			a.anyOrigin = true
			continue
		}
		norm, ok := normalizeOrigin(o)
		if !ok {
			return a, fmt.Errorf("CORS origin %q must be scheme://host[:port], such as http://myapp.test:3000, or *", o)
		}
		a.origins[norm] = true
	}
	for _, h := range hosts {
		h = strings.TrimSpace(h)
		if h == "*" {
			a.anyHost = true
			continue
		}
		name := hostName(h)
		if name == "" || strings.ContainsAny(h, "/@?# ") {
			return a, fmt.Errorf("allowed host %q must be a host name, such as emulator.example.com, or *", h)
		}
		a.hosts[name] = true
	}
	if publicURL != "" {
		u, _ := url.Parse(publicURL) // New checked it
		a.hosts[hostName(u.Host)] = true
		if norm, ok := normalizeOrigin(u.Scheme + "://" + u.Host); ok {
			a.origins[norm] = true
		}
	}
	return a, nil
}

// normalizeOrigin answers an origin as "scheme://host[:port]", lower case,
// without the scheme's default port; ok is false for anything else ("null",
// a path, a user).
func normalizeOrigin(o string) (string, bool) {
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, true
}

// hostName answers the lower-case host name of a Host header or host:port,
// without port, brackets or a trailing dot.
func hostName(hostport string) string {
	h := hostport
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// isLoopbackName reports whether a host name always means this machine in
// a browser: localhost, *.localhost, 127.0.0.0/8 or ::1.
func isLoopbackName(name string) bool {
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return true
	}
	ip := net.ParseIP(name)
	return ip != nil && ip.IsLoopback()
}

// hostAllowed reports whether the control plane answers under this Host.
// A DNS rebinding attack reaches the emulator under a name whose answers
// the attacker controls; every name here is one no attacker can rebind.
// Even a single-label name is not (a hostile network's search domain
// resolves it), so a compose service name is listed with --allowed-host or
// is the --public-url host.
func (a *accessRules) hostAllowed(hostport string) bool {
	name := hostName(hostport)
	switch {
	case name == "" || a.anyHost || a.hosts[name]:
		return true
	case net.ParseIP(name) != nil:
		return true // an address resolves through no DNS: its pages are its own
	}
	return isLoopbackName(name)
}

// originAllowed reports whether pages of origin may use the control plane:
// the emulator's own origin (the host the request was sent to, checked by
// hostAllowed first), loopback origins and the listed ones.
func (a *accessRules) originAllowed(origin string, r *http.Request) bool {
	if a.anyOrigin {
		return true
	}
	norm, ok := normalizeOrigin(origin)
	if !ok {
		return false // "null": a sandboxed frame, a file, a redirect
	}
	if a.origins[norm] {
		return true
	}
	u, _ := url.Parse(norm)
	if isLoopbackName(hostName(u.Host)) {
		return true
	}
	own, _ := normalizeOrigin(u.Scheme + "://" + r.Host)
	return own == norm
}

// checkControlAccess refuses a control-plane request that does not come
// from the emulator's owner. health answers under any host name and
// without the admin token: it says nothing but "ok" and the version, and
// container probes ask it.
func (e *Emulator) checkControlAccess(r *http.Request, operation string) error {
	health := operation == "health"
	if err := e.checkOwner(r, health); err != nil || health {
		return err
	}
	return e.checkAdminToken(r)
}

// checkOwner refuses a request under a host name or from a web origin that
// is not the owner's.
func (e *Emulator) checkOwner(r *http.Request, anyHost bool) error {
	if !anyHost && !e.access.hostAllowed(r.Host) {
		name := truncate(hostName(r.Host), 100)
		return errForbiddenHost(name)
	}
	return e.checkOrigin(r)
}

// checkOrigin refuses a control-plane request sent by a page of another
// web origin. Browsers send Origin with every request but same-origin GETs
// and navigations; without it, Sec-Fetch-Site says where a subresource
// request (an <img>, a <script>) came from. A navigation (a link clicked
// elsewhere that opens the inbox page) is let through: it cannot read
// anything across origins.
func (e *Emulator) checkOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin != "" {
		if e.access.originAllowed(origin, r) {
			return nil
		}
		o := truncate(origin, 100)
		return errForbiddenOrigin(o)
	}
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" &&
		!(r.Header.Get("Sec-Fetch-Mode") == "navigate" && (r.Method == http.MethodGet || r.Method == http.MethodHead)) {
		return errCrossSite
	}
	return nil
}

// headerList reports whether s is a comma-separated list of header names
// (token characters, commas and spaces), as browsers send in
// Access-Control-Request-Headers, short enough to echo.
func headerList(s string) bool {
	if len(s) > 1024 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == ',' || c == ' ' || c == '-' || c == '_' || c == '.' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// corsHeaders adds CORS headers for a browser page on another origin. The
// official client calls the API with credentials: "include", so the origin
// is echoed, never "*". On the control plane only allowed origins get
// them. It answers a preflight itself and reports that it did.
func (e *Emulator) corsHeaders(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	control := true
	if _, _, rest, err := splitEnv(r.URL.Path); err == nil {
		control = onControlPlane(rest)
	}
	origin := r.Header.Get("Origin")
	preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
	if control {
		h.Add("Vary", "Origin")
		if err := e.checkOwner(r, false); err != nil {
			if preflight {
				// No CORS headers: the browser refuses the request it was
				// about to send. The answer says why, for a person reading it.
				e.writeError(w, nil, asAPIError(err))
				return true
			}
			return false // serve refuses it too
		}
	} else if origin != "" {
		h.Add("Vary", "Origin")
	}
	if origin != "" {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if !preflight {
		return false
	}
	h.Set("Access-Control-Allow-Methods", corsAllowMethods)
	allow := corsAllowHeaders
	if asked := r.Header.Get("Access-Control-Request-Headers"); !control && asked != "" && headerList(asked) {
		// The Altogic API takes whatever headers an app adds (a request
		// id, a tracing header), as a browser asks for them.
		allow = asked
		h.Add("Vary", "Access-Control-Request-Headers")
	}
	h.Set("Access-Control-Allow-Headers", allow)
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
			return errAdminTokenScheme
		}
		token = strings.TrimSpace(rest)
	}
	if token == "" {
		return errAdminTokenRequired
	}
	if !constantTimeEqual(token, e.adminToken) {
		return errInvalidAdminToken
	}
	return nil
}

func (e *Emulator) checkClientKey(r *http.Request) error {
	return e.checkKey(strings.TrimSpace(r.Header.Get("X-Client-Key")))
}

// checkKey checks a client key, from a request's X-Client-Key or a
// realtime handshake.
func (e *Emulator) checkKey(key string) error {
	if key == "" {
		return errMissingClientKey
	}
	if len(e.fixtures.ClientKeys) == 0 {
		return nil
	}
	for _, k := range e.fixtures.ClientKeys {
		if constantTimeEqual(k, key) {
			return nil
		}
	}
	return errInvalidClientKey
}

// checkGate answers not_allowed when the operation's kind of
// authentication is switched off in the environment's settings. The caller
// holds the environment's lock.
func (c *call) checkGate(gate string) error {
	if gate == "" {
		return nil
	}
	s := &c.env.settings
	switch {
	case gate == "email" && !s.EmailAuth:
		return errEmailAuthOff
	case gate == "phone" && !s.PhoneAuth:
		return errPhoneAuthOff
	}
	return nil
}
