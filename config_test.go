package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/altogic-emulator/altogic-emulator/emulator"
)

func TestFlagsFromEnvironmentAndJSONLogs(t *testing.T) {
	s := start(t, nil, map[string]string{
		"ALTOGIC_EMULATOR_ADDR":       "127.0.0.1:0",
		"ALTOGIC_EMULATOR_LOG_FORMAT": "json",
		"ALTOGIC_EMULATOR_PUBLIC_URL": "http://emulator.test:9999",
	})
	var rec map[string]any
	if err := json.Unmarshal([]byte(s.startLine), &rec); err != nil {
		t.Fatalf("start line is not JSON: %q", s.startLine)
	}
	if rec["users"] != float64(5) || rec["inbox"] != "http://emulator.test:9999/_emulator/" {
		t.Fatalf("start record %v", rec)
	}
}

func TestSizeFlag(t *testing.T) {
	for in, want := range map[string]int64{"128MiB": 128 << 20, "1GiB": 1 << 30, "500MB": 500e6, "64 KiB": 64 << 10, "1048576": 1 << 20, "2048B": 2048, "128mib": 128 << 20, "1gib": 1 << 30} {
		var s sizeFlag
		if err := s.Set(in); err != nil || int64(s) != want {
			t.Errorf("%q: %d %v, want %d", in, int64(s), err, want)
		}
	}
}

func TestLimitFlags(t *testing.T) {
	// The default fixtures have 5 users: room for one more.
	s := start(t, []string{"--addr", "127.0.0.1:0", "--max-users", "6", "--max-environments", "1"}, nil)
	signUp := func(env, email string) (int, string) {
		req, _ := http.NewRequest("POST", s.url+env+"/_api/rest/v1/auth/signup-email",
			strings.NewReader(`{"email":"`+email+`","password":"Passw0rd!"}`))
		req.Header.Set("X-Client-Key", "k")
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if code, body := signUp("", "sixth@example.com"); code != 200 {
		t.Fatalf("the sixth user: %d %s", code, body)
	}
	if code, body := signUp("", "seventh@example.com"); code != 429 || !strings.Contains(body, `"too_many_users"`) {
		t.Fatalf("the seventh user: %d %s", code, body)
	}
	// The default environment does not count: one more fits.
	if code, body := signUp("/e:other", "a@example.com"); code != 200 {
		t.Fatalf("a second environment: %d %s", code, body)
	}
	if code, body := signUp("/e:third", "a@example.com"); code != 429 || !strings.Contains(body, `"too_many_environments"`) {
		t.Fatalf("a third environment: %d %s", code, body)
	}
}

// --cors-origin and --allowed-host, from flags and from their variables
// (comma-separated).
func TestOwnerFlags(t *testing.T) {
	s := start(t, []string{"--addr", "127.0.0.1:0", "--cors-origin", "https://one.example"}, map[string]string{
		"ALTOGIC_EMULATOR_CORS_ORIGIN":  "https://two.example, https://three.example",
		"ALTOGIC_EMULATOR_ALLOWED_HOST": "emu.example.com,other.example.com",
	})
	get := func(headers map[string]string) *http.Response {
		req, _ := http.NewRequest("GET", s.url+"/_emulator/inbox/emails", nil)
		for k, v := range headers {
			if k == "Host" {
				req.Host = v
			} else {
				req.Header.Set(k, v)
			}
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	for _, origin := range []string{"https://one.example", "https://two.example", "https://three.example"} {
		if res := get(map[string]string{"Origin": origin}); res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != origin {
			t.Errorf("origin %s: %d %v", origin, res.StatusCode, res.Header)
		}
	}
	if res := get(map[string]string{"Origin": "https://four.example"}); res.StatusCode != 403 {
		t.Errorf("an unlisted origin: %d", res.StatusCode)
	}
	for host, want := range map[string]int{"emu.example.com": 200, "other.example.com:8484": 200, "evil.example.com": 403} {
		if res := get(map[string]string{"Host": host}); res.StatusCode != want {
			t.Errorf("host %s: %d, want %d", host, res.StatusCode, want)
		}
	}
}

func TestHelpListsEveryFlag(t *testing.T) {
	var out strings.Builder
	err := run(context.Background(), []string{"--help"}, func(string) string { return "" }, &out) // to stdout, to page it
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	for _, f := range []string{"-addr", "-fixtures", "-public-url", "-log-format", "ALTOGIC_EMULATOR_"} {
		if !strings.Contains(out.String(), f) {
			t.Errorf("help lacks %s:\n%s", f, out.String())
		}
	}
}

func TestStartUpErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("users:\n  - email: a@example.com\n    password: x\n  - email: a@example.com\n    password: y\n"), 0o600)
	inf := filepath.Join(t.TempDir(), "inf.yaml")
	os.WriteFile(inf, []byte("users:\n  - email: a@example.com\n    password: x\n    score: .inf\n"), 0o600)
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--fixtures", bad, "--addr", "127.0.0.1:0"}, nil, bad + ":4: users[1]: duplicate email"},
		{[]string{"--fixtures", "no-such-file.yaml"}, nil, "no-such-file.yaml"},
		{[]string{"--fixtures", inf, "--addr", "127.0.0.1:0"}, nil, inf + ":4: users[0].score: .inf is not a number JSON can hold"},
		{[]string{"--log-format", "xml"}, nil, "--log-format must be text or json"},
		{[]string{"--log-level", "verbose"}, nil, "--log-level=verbose: --log-level must be debug, info, warn or error"},
		{[]string{"--public-url", "ftp://x", "--addr", "127.0.0.1:0"}, nil, "public URL"},
		{[]string{"extra"}, nil, "unexpected argument"},
		{[]string{"--nope"}, nil, "--nope is not a flag of altogic-emulator (see --help)"},
		{[]string{"--max-users", "0"}, nil, "--max-users must be from 1 to 10000000, not 0"},
		{[]string{"--inbox-limit", "99999999999"}, nil, "--inbox-limit must be from 1 to 1000000"},
		{[]string{"--max-environments", "100001"}, nil, "--max-environments must be from 1 to 100000"},
		{[]string{"--max-users", "18446744073709551616"}, nil, "--max-users=18446744073709551616: --max-users wants a whole number (default 100000)"},
		{[]string{"--inbox-limit", "abc"}, nil, "--inbox-limit=abc: --inbox-limit wants a whole number (default 1000)"},
		{[]string{"--max-state", "12XB"}, nil, "--max-state=12XB: not a size such as 128MiB"},
		{[]string{"--max-state", "512KiB"}, nil, "--max-state must be from 1MiB to 64GiB, not 524288"},
		{[]string{"--max-state", "99999999999999GiB"}, nil, "not a size such as 128MiB"},
		{[]string{"--addr", "256.0.0.1:1"}, nil, "listen on 256.0.0.1:1"},
		{[]string{"--check-health", "--addr", "127.0.0.1:1"}, nil, "health check"},
		{nil, map[string]string{"ALTOGIC_EMULATOR_LOG_FORMAT": "xml"}, "--log-format must be text or json"},
		{nil, map[string]string{"ALTOGIC_EMULATOR_INBOX_LIMIT": "abc"}, "ALTOGIC_EMULATOR_INBOX_LIMIT=abc: --inbox-limit wants a whole number (default 1000)"},
		{nil, map[string]string{"ALTOGIC_EMULATOR_SMTP_INSECURE": "maybe"}, "ALTOGIC_EMULATOR_SMTP_INSECURE=maybe: --smtp-insecure wants true or false"},
		{[]string{"--smtp-tls", "maybe"}, nil, "--smtp-tls is a setting of the SMTP relay, and --smtp-relay is not set"},
		{[]string{"--smtp-relay", "127.0.0.1:1", "--smtp-tls", "maybe", "--addr", "127.0.0.1:0"}, nil, `SMTP relay TLS mode "maybe" must be none, starttls or tls`},
		{[]string{"--smtp-username", "u"}, nil, "--smtp-username is a setting of the SMTP relay, and --smtp-relay is not set"},
		{nil, map[string]string{"ALTOGIC_EMULATOR_SMTP_TLS": "tls"}, "--smtp-tls is a setting of the SMTP relay, and --smtp-relay is not set"},
	}
	for _, c := range cases {
		err := run(context.Background(), c.args, func(k string) string { return c.env[k] }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: error %v, want %q", c.args, c.env, err, c.want)
		}
	}
}

func TestVersion(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), []string{"--version"}, func(string) string { return "" }, &out); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "altogic-emulator "+emulator.Version+"\n" {
		t.Fatalf("--version printed %q", got)
	}
}

// A port in use says what to do.
func TestAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = run(context.Background(), []string{"--addr", ln.Addr().String()}, func(string) string { return "" }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "the address is in use (another emulator may be running there)") || !strings.Contains(err.Error(), "--addr 127.0.0.1:0") {
		t.Fatalf("a port in use: %v", err)
	}
}
