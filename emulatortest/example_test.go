package emulatortest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/altogic-emulator/altogic-emulator/emulatortest"
)

// post calls the Altogic API as the official client does.
func post(t testing.TB, emu *emulatortest.Emulator, path, body string) *http.Response {
	req, _ := http.NewRequest("POST", emu.URL+"/_api/rest/v1/auth"+path, strings.NewReader(body))
	req.Header.Set("X-Client-Key", "any-key")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := emu.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// A reset link expires after an hour: proved in milliseconds by moving the
// environment's clock.
func Example() {
	t := &testing.T{} // in a real test, the test's own t
	emu := emulatortest.New(t, emulatortest.WithEnvironment("example"))

	post(t, emu, "/send-reset?email=verified@example.com", "")
	mail := emu.LatestEmail("verified@example.com", "reset-pwd")
	fmt.Println(mail.Subject)

	emu.Advance(61 * time.Minute)
	got := emu.FollowLink(mail.Link)
	fmt.Println(got.Status, got.Error)
	// Output:
	// Reset your password
	// 400 Invalid or expired access token
}

// A fixture user with a pinned code: the SMS carries a code the test knows.
func Example_pinnedSMSCode() {
	t := &testing.T{}
	emu := emulatortest.New(t, emulatortest.WithFixturesYAML(`
users:
  - phone: "+15555555555"
    password: Passw0rd!
    phoneVerified: true
    smsCode: "432987"
`))
	post(t, emu, "/send-reset-code?phone=%2B15555555555", "")
	fmt.Println(emu.LatestSMS("+15555555555", "reset-pwd-code").Code)
	res := post(t, emu, "/reset-pwd-code?phone=%2B15555555555&code=432987", `{"newPassword":"N3w-secret"}`)
	fmt.Println(res.Status)
	// Output:
	// 432987
	// 200 OK
}

func TestHelpers(t *testing.T) {
	emu := emulatortest.New(t)
	before := emu.Now()
	emu.Advance(2 * time.Hour)
	if got := emu.Now().Sub(before); got < 2*time.Hour || got > 2*time.Hour+time.Minute {
		t.Fatalf("advanced by %v", got)
	}
	emu.Configure(map[string]any{"emailConfirmation": false})
	if res := post(t, emu, "/send-reset?email=verified@example.com", ""); res.StatusCode != 401 {
		t.Fatalf("send-reset with confirmation off: %s", res.Status)
	}
	emu.Reset()
	if res := post(t, emu, "/send-reset?email=verified@example.com", ""); res.StatusCode != 200 {
		t.Fatalf("after Reset: %s", res.Status)
	}
	if d := emu.Now().Sub(before); d > time.Minute {
		t.Fatalf("Reset kept the clock %v ahead", d)
	}
	if m := emu.LatestEmail("", ""); m.Action != "reset-pwd" {
		t.Fatalf("latest %+v", m)
	}
}
