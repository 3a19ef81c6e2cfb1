package emulatortest_test

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/altogic-emulator/altogic-emulator/emulator"
	"github.com/altogic-emulator/altogic-emulator/emulatortest"
)

// Options compose: WithOptions after WithFixturesYAML keeps the fixtures
// and sets only what it names.
func TestOptionsCompose(t *testing.T) {
	emu := emulatortest.New(t,
		emulatortest.WithFixturesYAML("users:\n  - email: only@example.com\n    password: Passw0rd!\n    emailVerified: true\n"),
		emulatortest.WithOptions(emulator.Options{InboxLimit: 1}),
		emulatortest.WithEnvironment("composed"),
	)
	if users := emu.Users(); len(users) != 1 || users[0]["email"] != "only@example.com" {
		t.Fatalf("the fixtures were dropped: %v", users)
	}
	post(t, emu, "/send-reset?email=only@example.com", "")
	post(t, emu, "/send-reset?email=only@example.com", "")
	if n := len(emu.Emails("", "")); n != 1 {
		t.Fatalf("InboxLimit 1 keeps %d emails", n)
	}
	if !strings.HasSuffix(emu.URL, "/e:composed") {
		t.Fatalf("URL %s", emu.URL)
	}
}

// FollowLink reads the redirect's parameters, on success and on failure.
func TestFollowLink(t *testing.T) {
	emu := emulatortest.New(t)
	post(t, emu, "/send-reset?email=verified@example.com", "")
	mail := emu.LatestEmail("verified@example.com", "reset-pwd")
	got := emu.FollowLink(mail.Link)
	if got.HTTPStatus != 302 || got.Status != 200 || got.Action != "reset-pwd" || got.AccessToken == "" || got.Error != "" {
		t.Fatalf("a fresh link: %+v", got)
	}
	again := emu.FollowLink(mail.Link)
	if again.AccessToken != "" || again.Error != "Invalid or expired access token" || again.Status != 400 || again.Action != "reset-pwd" {
		t.Fatalf("a used link: %+v", again)
	}
}

// CreateUser, AddFault, Freeze, SetClock and Requests do what they say,
// through the wire.
func TestControlHelpers(t *testing.T) {
	emu := emulatortest.New(t)
	u := emu.CreateUser(map[string]any{"email": "new@example.com", "password": "Passw0rd!", "emailVerified": true, "plan": "pro"})
	if u["_id"] == "" || u["email"] != "new@example.com" || u["plan"] != "pro" {
		t.Fatalf("created %v", u)
	}

	u = emu.UpdateUser(u["_id"].(string), map[string]any{"name": "New", "plan": nil})
	if u["name"] != "New" || u["plan"] != nil {
		t.Fatalf("updated %v", u)
	}
	emu.DeleteUser(u["_id"].(string))
	for _, other := range emu.Users() {
		if other["_id"] == u["_id"] {
			t.Fatal("DeleteUser left the user")
		}
	}
	emu.CreateUser(map[string]any{"email": "new@example.com", "password": "Passw0rd!", "emailVerified": true})

	f := emu.AddFault(emulatortest.Fault{Operation: "sendResetPwdEmail", Status: 503, Code: "unavailable", Message: "Try later."})
	if f.ID == "" || f.Times != 1 {
		t.Fatalf("fault %+v", f)
	}
	if res := post(t, emu, "/send-reset?email=new@example.com", ""); res.StatusCode != 503 {
		t.Fatalf("with the fault: %s", res.Status)
	}
	emu.AddFault(emulatortest.Fault{Operation: "*", Status: 500, Code: "x", Message: "x", Times: 5})
	emu.ClearFaults()
	if res := post(t, emu, "/send-reset?email=new@example.com", ""); res.StatusCode != 200 {
		t.Fatalf("after ClearFaults: %s", res.Status)
	}

	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	emu.SetClock(at)
	emu.Freeze()
	first := emu.Now()
	if first.Sub(at) > time.Minute || first.Before(at) {
		t.Fatalf("SetClock(%v): now %v", at, first)
	}
	emu.Advance(time.Hour)
	if got := emu.Now(); !got.Equal(first.Add(time.Hour)) {
		t.Fatalf("frozen and advanced by an hour: %v, want %v", got, first.Add(time.Hour))
	}

	reqs := emu.Requests("sendResetPwdEmail")
	if len(reqs) != 2 || reqs[0].Status != 200 || reqs[1].Status != 503 || reqs[0].OperationID != "sendResetPwdEmail" {
		t.Fatalf("journal %+v", reqs)
	}
	if all := emu.Requests(""); len(all) != 2 {
		t.Fatalf("the whole journal has %d entries", len(all))
	}
}

// The failures of emulatortest are reported at the caller's line, and the
// captured messages are in the test's log. Checked by running the test
// binary itself on tests that fail on purpose (selected by an environment
// variable, so that they never run otherwise).
func TestFailuresAtTheCallersLine(t *testing.T) {
	cases := []struct{ test, want string }{
		{"TestFailingFixtures", `emulatortest_test\.go:\d+: emulatortest: fixtures WithFixturesYAML:2: users\[0\] needs an email or a phone`},
		{"TestFailingWait", `emulatortest_test\.go:\d+: emulatortest: GET /_emulator/inbox/sms/latest\?.* answered 404`},
	}
	for _, c := range cases {
		t.Run(c.test, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^"+c.test+"$", "-test.v")
			cmd.Env = append(os.Environ(), "EMULATORTEST_FAIL_ON_PURPOSE=1")
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("%s passed:\n%s", c.test, out)
			}
			if !regexp.MustCompile(c.want).Match(out) {
				t.Fatalf("%s's output does not match %q:\n%s", c.test, c.want, out)
			}
			if c.test == "TestFailingWait" && !strings.Contains(string(out), `emulator: email captured env="default" to="verified@example.com" action="reset-pwd"`) {
				t.Fatalf("the captured email is not in the test's log:\n%s", out)
			}
		})
	}
}

func failOnPurpose(t *testing.T) {
	if os.Getenv("EMULATORTEST_FAIL_ON_PURPOSE") == "" {
		t.Skip("run by TestFailuresAtTheCallersLine")
	}
}

func TestFailingFixtures(t *testing.T) {
	failOnPurpose(t)
	emulatortest.New(t, emulatortest.WithFixturesYAML("users:\n  - password: Passw0rd!\n"))
}

func TestFailingWait(t *testing.T) {
	failOnPurpose(t)
	emu := emulatortest.New(t, emulatortest.WithWait(10*time.Millisecond))
	post(t, emu, "/send-reset?email=verified@example.com", "")
	emu.LatestSMS("+15555555555", "")
}
