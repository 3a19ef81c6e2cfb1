package emulator

import (
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
)

// TestConcurrentResetFlows runs 64 clients doing complete reset flows across
// 16 environments at once (bounded: 3 flows each, loopback only): no errors,
// every new password signs in, and no token or code is redeemed twice.
func TestConcurrentResetFlows(t *testing.T) {
	h := newHarness(t, nil)
	const clients, envs, flows = 64, 16, 3
	var redeemed, rejectedReuse atomic.Int64
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			env := fmt.Sprintf("load-%d", i%envs)
			prefix := "/e:" + env
			email := fmt.Sprintf("client%d@example.com", i)
			phone := fmt.Sprintf("+1555000%04d", i)
			h.do("POST", prefix+"/_emulator/users", nil, map[string]any{
				"email": email, "phone": phone, "password": "Start-pw0", "emailVerified": true, "phoneVerified": true,
			}).wantStatus(t, 201)
			password := "Start-pw0"
			for f := range flows {
				next := fmt.Sprintf("New-pw-%d-%d", i, f)
				if f%2 == 0 { // by email link
					h.envAPI(env, "POST", "/send-reset?email="+email, "", nil).wantStatus(t, 200)
					var m struct{ Link string }
					h.do("GET", prefix+"/_emulator/inbox/emails/latest?wait=10s&action=reset-pwd&to="+url.QueryEscape(email), nil, nil).wantStatus(t, 200).json(t, &m)
					token := h.follow(m.Link).Query().Get("access_token")
					h.envAPI(env, "POST", "/reset-pwd?key="+token, "", map[string]string{"newPassword": next}).wantStatus(t, 200)
					redeemed.Add(1)
					if h.envAPI(env, "POST", "/reset-pwd?key="+token, "", map[string]string{"newPassword": "Other-pw0"}).status == 403 {
						rejectedReuse.Add(1)
					}
				} else { // by SMS code
					h.envAPI(env, "POST", "/send-reset-code?phone="+url.QueryEscape(phone), "", nil).wantStatus(t, 200)
					var s struct{ Code string }
					h.do("GET", prefix+"/_emulator/inbox/sms/latest?wait=10s&action=reset-pwd-code&to="+url.QueryEscape(phone), nil, nil).wantStatus(t, 200).json(t, &s)
					q := "?phone=" + url.QueryEscape(phone) + "&code=" + s.Code
					h.envAPI(env, "POST", "/reset-pwd-code"+q, "", map[string]string{"newPassword": next}).wantStatus(t, 200)
					redeemed.Add(1)
					if h.envAPI(env, "POST", "/reset-pwd-code"+q, "", map[string]string{"newPassword": "Other-pw0"}).status == 403 {
						rejectedReuse.Add(1)
					}
				}
				h.envAPI(env, "POST", "/signin-email", "", map[string]string{"email": email, "password": password}).wantStatus(t, 401)
				h.envAPI(env, "POST", "/signin-email", "", map[string]string{"email": email, "password": next}).wantStatus(t, 200)
				password = next
			}
		}()
	}
	wg.Wait()
	if redeemed.Load() != clients*flows || rejectedReuse.Load() != clients*flows {
		t.Fatalf("%d flows redeemed, %d reuses rejected; want %d of each", redeemed.Load(), rejectedReuse.Load(), clients*flows)
	}
}
