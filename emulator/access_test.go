package emulator

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// The control plane answers only its owner: pages of other origins can
// neither read nor change it, whatever the method or content type.
func TestControlPlaneRefusesForeignPages(t *testing.T) {
	h := newHarness(t, nil)
	foreign := []hdr{
		{"Origin": "https://evil.example"},
		{"Origin": "null"},                                             // a sandboxed frame, a file
		{"Origin": "http://localhost.evil.example"},                    // not loopback
		{"Origin": "http://127.0.0.1.evil.example:80"},                 // nor this
		{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"},  // an <img>, a <script>
		{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}, // a cross-site form POST navigates
	}
	calls := []struct{ method, path, body, ctype string }{
		{"GET", "/_emulator/inbox/emails", "", ""},
		{"GET", "/_emulator/state", "", ""},
		{"GET", "/api/v2/messages", "", ""},
		{"GET", "/_emulator/inbox/events", "", ""},
		{"POST", "/_emulator/reset", "x=1", "text/plain"},
		{"POST", "/_emulator/reset", "x=1", "application/x-www-form-urlencoded"},
		{"PATCH", "/_emulator/config", `{"redirectUrl":"https://evil.example/steal"}`, "application/json"},
		{"PUT", "/_emulator/state", "{}", "application/json"},
		{"DELETE", "/_emulator/inbox", "", ""},
		{"DELETE", "/api/v1/messages", "", ""},
		{"POST", "/e:other/_emulator/users", `{"email":"x@example.com","password":"Passw0rd!"}`, "application/json"},
	}
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	for _, headers := range foreign {
		for _, c := range calls {
			if headers["Sec-Fetch-Mode"] == "navigate" && c.method == "GET" {
				continue // a navigation reads nothing across origins (see below)
			}
			t.Run(fmt.Sprintf("%s %s with %v", c.method, c.path, headers), func(t *testing.T) {
				hs := hdr{}
				for k, v := range headers {
					hs[k] = v
				}
				if c.ctype != "" {
					hs["Content-Type"] = c.ctype
				}
				var body any
				if c.body != "" {
					body = c.body
				}
				res := h.with(t).do(c.method, c.path, hs, body)
				res.wantError(t, http.StatusForbidden, "forbidden_origin", "")
				if acao := res.header.Get("Access-Control-Allow-Origin"); acao != "" {
					t.Errorf("Access-Control-Allow-Origin %q", acao)
				}
			})
		}
	}
	// Nothing changed, and no environment was made.
	if emails := h.em.mustEnv(t, DefaultEnvironment).inbox.Emails.Len(); emails != 1 {
		t.Fatalf("the inbox holds %d emails, want the one sent", emails)
	}
	var cfg struct{ RedirectURL string }
	h.do("GET", "/_emulator/config", nil, nil).wantStatus(t, 200).json(t, &cfg)
	if strings.Contains(cfg.RedirectURL, "evil") {
		t.Fatalf("the redirect URL was changed to %s", cfg.RedirectURL)
	}
	if got := strings.Join(h.em.Environments(), ","); got != "default" {
		t.Fatalf("environments %s", got)
	}
	items := h.do("GET", "/_emulator/users", hdr{"Origin": "https://evil.example"}, nil).errorItems(t)
	if !strings.Contains(items[0].Message, "--cors-origin https://evil.example") {
		t.Fatalf("the refusal does not say how to allow the origin: %s", items[0].Message)
	}
}

func TestControlPlaneAnswersItsOwner(t *testing.T) {
	h := newHarnessWith(t, Options{CORSOrigins: []string{"https://app.example.com", "http://dev.example.com:8080"}})
	own := "http://" + strings.TrimPrefix(h.srv.URL, "http://")
	for _, origin := range []string{
		own, "http://localhost:3000", "https://localhost", "http://app.localhost:5173", "http://127.0.0.1:9",
		"http://127.8.9.10:8080", "http://[::1]:3000", "https://app.example.com", "https://APP.example.com:443",
		"http://dev.example.com:8080",
	} {
		res := h.do("GET", "/_emulator/inbox/emails", hdr{"Origin": origin}, nil).wantStatus(t, 200)
		if res.header.Get("Access-Control-Allow-Origin") != origin || res.header.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("origin %s: CORS headers %v", origin, res.header)
		}
		pre := h.do("OPTIONS", "/_emulator/reset", hdr{"Origin": origin, "Access-Control-Request-Method": "POST"}, nil).wantStatus(t, 204)
		if pre.header.Get("Access-Control-Allow-Origin") != origin || !strings.Contains(pre.header.Get("Access-Control-Allow-Methods"), "POST") {
			t.Errorf("origin %s: preflight headers %v", origin, pre.header)
		}
		h.do("POST", "/_emulator/reset", hdr{"Origin": origin, "Sec-Fetch-Site": "cross-site"}, nil).wantStatus(t, 204)
	}
	for _, origin := range []string{"http://dev.example.com", "https://app.example.com:8443", "http://app.example.com"} {
		pre := h.do("OPTIONS", "/_emulator/reset", hdr{"Origin": origin, "Access-Control-Request-Method": "POST"}, nil)
		pre.wantError(t, http.StatusForbidden, "forbidden_origin", "")
		if pre.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("origin %s: a refused preflight carries CORS headers", origin)
		}
	}
	// A link to the inbox page clicked on another site is a navigation: it
	// cannot read anything across origins, so it opens the page.
	h.do("GET", "/_emulator/", hdr{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}, nil).wantStatus(t, 200)
	// Tools send neither Origin nor Sec-Fetch-Site.
	h.do("POST", "/_emulator/reset", nil, nil).wantStatus(t, 204)
}

// The Altogic API and email links answer every origin: apps run on any dev
// origin.
func TestAltogicAPIAnswersAnyOrigin(t *testing.T) {
	h := newHarness(t, nil)
	origin := "https://my-app.example"
	pre := h.do("OPTIONS", "/_api/rest/v1/auth/signin-email", hdr{"Origin": origin, "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "content-type,x-client,x-client-key,session"}, nil).wantStatus(t, 204)
	if pre.header.Get("Access-Control-Allow-Origin") != origin || pre.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("preflight headers %v", pre.header)
	}
	res := h.do("POST", "/_api/rest/v1/auth/signin-email", hdr{"Origin": origin, "X-Client-Key": "k", "Content-Type": "application/json",
		"Sec-Fetch-Site": "cross-site", "Host": "api.my-app.example"}, map[string]string{"email": verified, "password": "Passw0rd!"})
	res.wantStatus(t, 200)
	if res.header.Get("Access-Control-Allow-Origin") != origin {
		t.Fatalf("headers %v", res.header)
	}
	h.do("GET", "/_auth/verify?key=nope", hdr{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Host": "evil.example"}, nil).wantStatus(t, 302)

	// An app's own headers are allowed on the Altogic API, as asked; the
	// control plane keeps its fixed list.
	custom := h.do("OPTIONS", "/_api/rest/v1/auth/signin-email", hdr{"Origin": origin, "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "content-type,x-client-key,x-request-id"}, nil).wantStatus(t, 204)
	if got := custom.header.Get("Access-Control-Allow-Headers"); got != "content-type,x-client-key,x-request-id" {
		t.Fatalf("Access-Control-Allow-Headers %q", got)
	}
	odd := h.do("OPTIONS", "/_api/rest/v1/auth/signin-email", hdr{"Origin": origin, "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "x-a\"b"}, nil).wantStatus(t, 204)
	if got := odd.header.Get("Access-Control-Allow-Headers"); got != corsAllowHeaders {
		t.Fatalf("a malformed list was echoed: %q", got)
	}
	ctl := h.do("OPTIONS", "/_emulator/clock", hdr{"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "x-request-id"}, nil).wantStatus(t, 204)
	if got := ctl.header.Get("Access-Control-Allow-Headers"); got != corsAllowHeaders {
		t.Fatalf("the control plane allowed %q", got)
	}
}

// DNS rebinding reaches the emulator under a public name the attacker
// controls: the control plane does not answer such names.
func TestControlPlaneRefusesRebindingHosts(t *testing.T) {
	h := newHarnessWith(t, Options{PublicURL: "http://emu.example.org:8484", AllowedHosts: []string{"Mine.Example.NET"}})
	// A hostile network's DNS search domain can rebind a single-label name
	// too: only loopback names, addresses and the listed names pass.
	for _, host := range []string{"evil.example", "evil.example:8484", "localhost.evil.example", "127.0.0.1.nip.io:8484", "EVIL.example.",
		"emulator:8484", "x", "host.docker.internal"} {
		res := h.do("GET", "/_emulator/inbox/emails", hdr{"Host": host}, nil)
		res.wantError(t, http.StatusForbidden, "forbidden_host", "")
		if !strings.Contains(res.errorItems(t)[0].Message, "--allowed-host") {
			t.Fatalf("the refusal does not name the flag: %s", res.body)
		}
		h.do("GET", "/api/v1/messages", hdr{"Host": host}, nil).wantError(t, http.StatusForbidden, "forbidden_host", "")
		// Health answers probes under any name; the Altogic API too.
		h.do("GET", "/_emulator/health", hdr{"Host": host}, nil).wantStatus(t, 200)
		h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	}
	for _, host := range []string{
		"localhost", "localhost:8484", "LOCALHOST.", "emu.localhost:8484", "127.0.0.1:8484", "[::1]:8484",
		"192.168.1.20:8484", "10.0.0.7", "emu.example.org:8484", "emu.example.org", "mine.example.net:1234",
	} {
		h.do("GET", "/_emulator/inbox/emails", hdr{"Host": host}, nil).wantStatus(t, 200)
	}
	// "*" lets any name in.
	any := newHarnessWith(t, Options{AllowedHosts: []string{"*"}})
	any.do("GET", "/_emulator/inbox/emails", hdr{"Host": "evil.example"}, nil).wantStatus(t, 200)
}

func TestAccessOptionsAreChecked(t *testing.T) {
	for _, o := range []Options{
		{CORSOrigins: []string{"app.example.com"}},
		{CORSOrigins: []string{"https://app.example.com/path"}},
		{CORSOrigins: []string{"ftp://app.example.com"}},
		{AllowedHosts: []string{"http://x.example"}},
		{AllowedHosts: []string{" "}},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted it", o)
		}
	}
}

func TestHealthNeedsNoAdminToken(t *testing.T) {
	h := newHarnessWith(t, Options{AdminToken: "s3cret"})
	var health struct{ Status, Version string }
	h.do("GET", "/_emulator/health", nil, nil).wantStatus(t, 200).json(t, &health)
	if health.Status != "ok" || health.Version != Version {
		t.Fatalf("health %+v", health)
	}
	h.do("GET", "/_emulator/environments", nil, nil).wantStatus(t, 401)
}

func TestClientKeys(t *testing.T) {
	h := newHarness(t, mustParse(t, "keys.yaml", "clientKeys: [good-key]\nusers: []\n"))
	h.do("POST", "/_api/rest/v1/auth/send-reset?email=a@example.com", hdr{"X-Client-Key": "bad-key"}, nil).
		wantError(t, 401, "invalid_client_key", "")
	h.do("POST", "/_api/rest/v1/auth/send-reset?email=a@example.com", nil, nil).
		wantError(t, 401, "missing_client_key", "")
	h.do("POST", "/_api/rest/v1/auth/send-reset?email=a@example.com", hdr{"X-Client-Key": "good-key"}, nil).
		wantError(t, 401, "invalid_credentials", "")
	// The control API and links need no key.
	h.do("GET", "/_emulator/health", nil, nil).wantStatus(t, 200)
	h.do("GET", "/_auth/verify?key=x", nil, nil).wantStatus(t, 302)
}

func TestCORS(t *testing.T) {
	h := newHarness(t, nil)
	pre := h.do("OPTIONS", "/_api/rest/v1/auth/signin-email", hdr{
		"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "content-type,x-client,x-client-key,session",
	}, nil).wantStatus(t, 204)
	if pre.header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" ||
		pre.header.Get("Access-Control-Allow-Credentials") != "true" ||
		pre.header.Get("Access-Control-Allow-Headers") != "content-type,x-client,x-client-key,session" {
		t.Fatalf("preflight headers %v", pre.header)
	}
	res := h.do("POST", "/_api/rest/v1/auth/send-reset?email=nobody@example.com", hdr{"Origin": "http://app.test", "X-Client-Key": "k"}, nil)
	if res.header.Get("Access-Control-Allow-Origin") != "http://app.test" || res.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("an error answer lacks CORS headers: %v", res.header)
	}
}

func TestAdminToken(t *testing.T) {
	var logs bytes.Buffer
	h := newHarnessWith(t, Options{AdminToken: "s3cret-admin", Logger: newTextLogger(&logs)})
	for _, path := range []string{"/_emulator/users", "/_emulator/", "/api/v2/messages", "/e:x/_emulator/config"} {
		h.do("GET", path, nil, nil).wantError(t, 401, "admin_token_required",
			"The control API needs the admin token (--admin-token): send 'Authorization: Bearer <token>', or, in a browser's address bar, add ?admin_token=<token> to the page's URL.")
		h.do("GET", path, hdr{"Authorization": "Bearer wrong"}, nil).wantError(t, 401, "invalid_admin_token", "")
		h.do("GET", path, hdr{"Authorization": "Basic czNjcmV0"}, nil).wantError(t, 401, "invalid_admin_token", "")
		h.do("GET", path, hdr{"Authorization": "Bearer s3cret-admin"}, nil).wantStatus(t, 200)
	}
	h.do("GET", "/_emulator/inbox/emails?admin_token=s3cret-admin", nil, nil).wantStatus(t, 200)
	// The Altogic API and email links never need it.
	h.api("POST", "/send-reset?email="+verified, "", nil).wantStatus(t, 200)
	h.do("GET", "/_auth/verify?key=nope", nil, nil).wantStatus(t, 302)
	if strings.Contains(logs.String(), "s3cret-admin") {
		t.Fatal("the admin token was logged")
	}
}
