package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/altogic-emulator/altogic-emulator/fixtures"
	"github.com/altogic-emulator/altogic-emulator/internal/realtime"
)

// A realtime handshake is checked as the REST API checks a request: the
// environment, the client key, the cap on environments; a live session
// binds the connection to its user, another session binds nothing.
func TestAuthenticateRealtime(t *testing.T) {
	fx := fixtures.Default()
	fx.ClientKeys = []string{"good-key"}
	h := newHarnessWith(t, Options{Fixtures: fx, MaxEnvironments: 1})
	r := httptest.NewRequest("GET", "/socket.io/?EIO=4&transport=websocket", nil)
	refusal := func(auth map[string]any, want string) {
		t.Helper()
		_, err := h.em.authenticateRealtime(r, auth)
		var ce *realtime.ConnectError
		if !errors.As(err, &ce) || ce.Message != want {
			t.Fatalf("%v: %v, want the connect_error %q", auth, err, want)
		}
	}
	refusal(map[string]any{"envId": "dev"}, errMissingClientKey.items[0].Message)
	refusal(map[string]any{"envId": "dev", "clientKey": "bad"}, errInvalidClientKey.items[0].Message)
	refusal(map[string]any{"envId": "../x", "clientKey": "good-key"}, errInvalidEnvironment("../x").items[0].Message)

	var s signedIn
	h.do("POST", "/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "good-key", "Content-Type": "application/json"},
		map[string]string{"email": verified, "password": "Passw0rd!"}).wantStatus(t, 200).json(t, &s)
	id, err := h.em.authenticateRealtime(r, map[string]any{"envId": "", "clientKey": "good-key", "Session": s.Session.Token})
	if err != nil || id.EnvID != DefaultEnvironment || id.UserID != s.User["_id"] || id.Session == nil {
		t.Fatalf("a live session: %+v %v", id, err)
	}
	id, err = h.em.authenticateRealtime(r, map[string]any{"envId": "dev", "clientKey": "good-key", "Session": "not-a-session"})
	if err != nil || id.EnvID != "dev" || id.UserID != "" {
		t.Fatalf("an unknown session: %+v %v", id, err)
	}
	// dev holds the one environment beside default: another is beyond the cap.
	_, err = h.em.authenticateRealtime(r, map[string]any{"envId": "third", "clientKey": "good-key"})
	var ce *realtime.ConnectError
	if !errors.As(err, &ce) {
		t.Fatalf("an environment beyond the cap: %v", err)
	}
}

// User events are built only for users someone listens to: with no
// connection, a sign-in queues nothing for the realtime server.
func TestNoUserEventWithoutAListener(t *testing.T) {
	h := newHarness(t, nil)
	c := &call{e: h.em, env: h.em.mustEnv(t, DefaultEnvironment)}
	u := c.env.userByEmailLocked(verified)
	c.sendUserEvent(u, "user:update", nil)
	if len(c.out.events) != 0 {
		t.Fatalf("events %v", c.out.events)
	}
}

// EndWaits, the first step of a shutdown, ends held-open realtime polls
// too, so the server's shutdown does not wait for them.
func TestEndWaitsEndsRealtimePolls(t *testing.T) {
	h := newHarness(t, nil)
	url := pollOpen(t, h.srv.URL)
	// Connect the socket, then hold a poll open.
	if res, err := http.Post(url, "text/plain", strings.NewReader(`40{"clientKey":"k"}`)); err != nil {
		t.Fatal(err)
	} else {
		res.Body.Close()
	}
	polled := make(chan error, 1)
	go func() {
		for {
			res, err := http.Get(url)
			if err != nil {
				polled <- err
				return
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || bytes.Contains(body, []byte("1")) && !bytes.HasPrefix(body, []byte("40")) {
				polled <- nil // closed: an error status or a close packet
				return
			}
		}
	}()
	h.em.EndWaits()
	select {
	case <-polled:
	case <-time.After(10 * time.Second):
		t.Fatal("a realtime poll was still held 10s after EndWaits")
	}
}

// pollConnect opens a socket.io connection over long-polling, as a client
// with the polling transport does, sends its CONNECT with auth, and
// answers the server's reply packet (40… connected, 44… connect_error).
func pollConnect(t *testing.T, base string, auth map[string]any) string {
	t.Helper()
	url := pollOpen(t, base)
	data, _ := json.Marshal(auth)
	if res, err := http.Post(url, "text/plain", bytes.NewReader(append([]byte("40"), data...))); err != nil {
		t.Fatal(err)
	} else {
		res.Body.Close()
	}
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	reply, _ := io.ReadAll(res.Body)
	return string(reply)
}

// pollOpen opens an Engine.IO session over long-polling and answers the
// URL of its polls.
func pollOpen(t *testing.T, base string) string {
	t.Helper()
	res, err := http.Get(base + "/socket.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	open, _ := io.ReadAll(res.Body)
	res.Body.Close()
	sid := regexp.MustCompile(`"sid":"([^"]+)"`).FindSubmatch(open)
	if sid == nil {
		t.Fatalf("handshake %q", open)
	}
	return base + "/socket.io/?EIO=4&transport=polling&sid=" + string(sid[1])
}

// Through the wire, with the polling transport: a bad client key and an
// environment beyond the cap are connect_errors; a session that is not
// live connects without user events; a live one binds the connection.
func TestRealtimeHandshakeOverPolling(t *testing.T) {
	fx := fixtures.Default()
	fx.ClientKeys = []string{"good-key"}
	h := newHarnessWith(t, Options{Fixtures: fx, MaxEnvironments: 1})
	if got := pollConnect(t, h.srv.URL, map[string]any{"envId": "dev", "clientKey": "bad"}); !strings.HasPrefix(got, "44") || !strings.Contains(got, "invalid_client_key") {
		t.Fatalf("a bad client key: %q", got)
	}
	if got := pollConnect(t, h.srv.URL, map[string]any{"envId": "dev", "clientKey": "good-key", "Session": "nope"}); !strings.HasPrefix(got, "40") {
		t.Fatalf("an unknown session: %q", got)
	}
	var s signedIn
	h.do("POST", "/e:dev/_api/rest/v1/auth/signin-email", hdr{"X-Client-Key": "good-key", "Content-Type": "application/json"},
		map[string]string{"email": verified, "password": "Passw0rd!"}).wantStatus(t, 200).json(t, &s)
	if got := pollConnect(t, h.srv.URL, map[string]any{"envId": "dev", "clientKey": "good-key", "Session": s.Session.Token}); !strings.HasPrefix(got, "40") {
		t.Fatalf("a live session: %q", got)
	}
	var conns struct {
		Connections []struct {
			UserID string `json:"userId"`
		}
	}
	h.do("GET", "/e:dev/_emulator/realtime/connections", nil, nil).wantStatus(t, 200).json(t, &conns)
	users := []string{}
	for _, c := range conns.Connections {
		users = append(users, c.UserID)
	}
	if strings.Join(users, ",") != ","+s.User["_id"].(string) {
		t.Fatalf("connections bound to %q", users)
	}
	if got := pollConnect(t, h.srv.URL, map[string]any{"envId": "another", "clientKey": "good-key"}); !strings.HasPrefix(got, "44") || !strings.Contains(got, "environments") {
		t.Fatalf("an environment beyond the cap: %q", got)
	}
}

// A connection whose session ended gets that session's user:signout and no
// more of the user's events: it stays connected, without a user.
func TestSignedOutConnectionsAreUnbound(t *testing.T) {
	h := newHarness(t, nil)
	s := h.signInEmail(verified, "Passw0rd!")
	if got := pollConnect(t, h.srv.URL, map[string]any{"clientKey": "k", "Session": s.Session.Token}); !strings.HasPrefix(got, "40") {
		t.Fatalf("connect: %q", got)
	}
	userOf := func() string {
		var conns struct{ Connections []struct{ UserID string } }
		h.do("GET", "/_emulator/realtime/connections", nil, nil).wantStatus(t, 200).json(t, &conns)
		if len(conns.Connections) != 1 {
			t.Fatalf("connections %+v", conns)
		}
		return conns.Connections[0].UserID
	}
	if userOf() != s.User["_id"] {
		t.Fatal("the connection is not bound to its user")
	}
	h.api("POST", "/signout", s.Session.Token, nil).wantStatus(t, 200)
	h.do("GET", "/_emulator/realtime/events/latest?event=user:signout&wait=5s", nil, nil).wantStatus(t, 200)
	if u := userOf(); u != "" {
		t.Fatalf("after its session ended the connection is still bound to %q", u)
	}
}

// The realtime event log is charged to the state budget: it gives room
// back as old events go (the cap of 100, a reset), and in a spent budget
// the oldest events make room for new ones, each argument list cut to 512
// bytes.
func TestRealtimeLogIsChargedToTheBudget(t *testing.T) {
	const limit = 256 << 10
	h := newHarnessWith(t, Options{MaxStateBytes: limit})
	en := h.em.mustEnv(t, DefaultEnvironment)
	start := h.em.budget.used.Load()
	deliver := func(i int, arg string) {
		h.em.recordRealtime(realtime.Delivery{EnvID: DefaultEnvironment, Event: fmt.Sprintf("ev-%04d", i),
			Channel: "room", Args: []any{arg}, To: []string{"socket-a", "socket-b"}})
	}
	for i := range realtimeLogLimit {
		deliver(i, strings.Repeat("x", 400))
	}
	full := h.em.budget.used.Load() - start
	if per := full / realtimeLogLimit; per < 400 || per > 2048 {
		t.Fatalf("an event of 400-byte arguments is charged %d bytes", per)
	}
	// Past the cap the oldest go, and so do their bytes (names of one
	// length, so that every event costs the same).
	for i := realtimeLogLimit; i < 3*realtimeLogLimit; i++ {
		deliver(i, strings.Repeat("x", 400))
	}
	if used := h.em.budget.used.Load() - start; used != full {
		t.Fatalf("at the cap the log is charged %d bytes, %d before", used, full)
	}
	list := h.do("GET", "/_emulator/realtime/events", nil, nil).wantStatus(t, 200)
	var got struct{ Events []realtimeEvent }
	list.json(t, &got)
	if len(got.Events) != realtimeLogLimit || got.Events[0].Event != "ev-0299" || got.Events[realtimeLogLimit-1].Event != "ev-0200" {
		t.Fatalf("%d events, from %s", len(got.Events), list.body[:min(len(list.body), 300)])
	}
	// Arguments over 512 bytes are kept as a note of their size.
	deliver(300, strings.Repeat("y", 10_000))
	latest := h.do("GET", "/_emulator/realtime/events/latest?event=ev-0300", nil, nil).wantStatus(t, 200)
	if !strings.Contains(string(latest.body), "(arguments of 10004 bytes, not kept)") {
		t.Fatalf("the latest: %s", latest.body)
	}
	h.do("POST", "/_emulator/reset", nil, nil).wantStatus(t, 204)
	if used := h.em.budget.used.Load(); used != start {
		t.Fatalf("after a reset the budget holds %d bytes, %d at the start", used, start)
	}
	// Users fill their three quarters; what is left holds the newest
	// events only, never more than the budget.
	for i := 0; ; i++ {
		res := h.api("POST", "/signup-email", "", map[string]any{"email": fmt.Sprintf("u%d@example.com", i), "password": "Passw0rd!",
			"nameOrUserData": map[string]any{"bio": strings.Repeat("b", 4000)}})
		if res.status == http.StatusTooManyRequests {
			break
		}
		res.wantStatus(t, 200)
	}
	h.do("DELETE", "/_emulator/requests", nil, nil)
	for i := range 10 * realtimeLogLimit {
		deliver(i, strings.Repeat("z", 500))
	}
	if used := h.em.budget.used.Load(); used > limit {
		t.Fatalf("the budget holds %d bytes, past its %d", used, limit)
	}
	kept := en.realtime.list(func(realtimeEvent) bool { return true })
	if len(kept) == 0 || kept[0].Event != fmt.Sprintf("ev-%04d", 10*realtimeLogLimit-1) {
		t.Fatalf("the newest event was not kept: %d kept", len(kept))
	}
}

// getMembers is a POST that changes nothing: a large answer of it is
// refused for room like a GET's (members' data of 15 KiB each).
func TestLargeMembersAnswerIsBounded(t *testing.T) {
	h := newHarnessWith(t, Options{MaxStateBytes: 1 << 30})
	post := func(url, body string) {
		res, err := http.Post(url, "text/plain", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	for range 6 {
		url := pollOpen(t, h.srv.URL)
		post(url, `40{"clientKey":"k"}`)
		post(url, `42["join",{"channel":"big"}]`)
		post(url, `42["update",{"data":"`+strings.Repeat("d", 15<<10)+`"}]`)
	}
	members := func() resp {
		return h.do("POST", "/_api/rest/v1/realtime/get-members", hdr{"X-Client-Key": "k", "Content-Type": "application/json"}, `{"channel":"big"}`)
	}
	var list []map[string]any
	members().wantStatus(t, 200).json(t, &list)
	if len(list) != 6 {
		t.Fatalf("%d members", len(list))
	}
	held := h.em.answers.newAnswer()
	held.add(make([]byte, smallAnswer+maxAnswersInFlight))
	members().wantError(t, 503, "server_busy", "")
	held.release()
	members().wantStatus(t, 200)
}
