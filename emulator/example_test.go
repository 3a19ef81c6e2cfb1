package emulator_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/altogic-emulator/altogic-emulator/emulator"
)

// The emulator in a Go test: send a reset email and read it from the inbox.
func Example() {
	em, err := emulator.New(emulator.Options{})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(em)
	defer srv.Close()

	req, _ := http.NewRequest("POST", srv.URL+"/_api/rest/v1/auth/send-reset?email=verified@example.com", nil)
	req.Header.Set("X-Client-Key", "any-key")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	fmt.Println("send-reset:", res.Status)

	res, err = http.Get(srv.URL + "/_emulator/inbox/emails/latest?to=verified@example.com&wait=5s")
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	var mail struct{ Subject, Action, Link string }
	json.NewDecoder(res.Body).Decode(&mail)
	link, _ := url.Parse(mail.Link)
	fmt.Println(mail.Subject, mail.Action, link.Path)
	// Output:
	// send-reset: 200 OK
	// Reset your password reset-pwd /_auth/verify
}
