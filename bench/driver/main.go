// Command driver runs the benchmark of bench/run.sh on loopback and prints
// each figure with its ratio to a bare net/http server measured in the same
// run: (a) bare server, (b) send-reset, (c) signin-email, (d) complete reset
// flows, (e) start-up to the first answered request, (f) resident memory
// idle and after a million send-reset calls, (g) in a mixed load, and (h)
// at its worst: everything a client can make it hold, at once.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var (
	emulatorBin = flag.String("emulator", "", "the built altogic-emulator")
	bareBin     = flag.String("bare", "", "the built bench/bare")
	duration    = flag.Duration("duration", 10*time.Second, "length of each throughput run")
	conns       = flag.Int("connections", 32, "wrk connections")
	sends       = flag.Int("sends", 1_000_000, "send-reset calls before the second memory reading")
	only        = flag.String("only", "", "run only these figures: abc (the throughput) or h (the worst-case memory)")
)

func main() {
	flag.Parse()
	if *emulatorBin == "" || *bareBin == "" {
		fail(fmt.Errorf("usage: driver --emulator BIN --bare BIN"))
	}
	fmt.Printf("altogic-emulator benchmark, %s, %d cores, wrk %s x %d connections\n\n",
		time.Now().UTC().Format("2006-01-02"), numCPU(), *duration, *conns)
	if *only == "abc" {
		bare := startServer(*bareBin, "--addr", "127.0.0.1:"+freePort())
		a := wrk(bare.url+"/", "GET", "", nil)
		bare.stop()
		emu := startEmulator()
		b := wrk(emu.url+"/_api/rest/v1/auth/send-reset?email=verified@example.com", "POST", "", map[string]string{"X-Client-Key": "bench"})
		c := wrk(emu.url+"/_api/rest/v1/auth/signin-email", "POST", `{"email":"verified@example.com","password":"Passw0rd!"}`,
			map[string]string{"X-Client-Key": "bench", "Content-Type": "application/json"})
		emu.stop()
		fmt.Printf("(a) %.0f req/s  (b) %.0f req/s %.2fx  (c) %.0f req/s %.2fx\n", a, b, b/a, c, c/a)
		return
	}
	if *only == "h" {
		emu := startEmulator()
		peak, worst := worstCase(emu)
		emu.stop()
		fmt.Printf("(h) resident memory at worst, peak %.1f MB\n(%s)\n", mb(peak), worst)
		return
	}

	// Start-up first, on a machine no earlier run has warmed or loaded; the
	// bare server's start-up is the floor this machine allows.
	starts := startups(startKind{*emulatorBin, get("/_emulator/health")}, startKind{*emulatorBin, sendReset},
		startKind{*bareBin, get("/")})
	e, eAPI, e0 := starts[0], starts[1], starts[2]

	bare := startServer(*bareBin, "--addr", "127.0.0.1:"+freePort())
	a := wrk(bare.url+"/", "GET", "", nil)
	bare.stop()

	emu := startEmulator()
	idle := rss(emu.cmd.Process.Pid)
	b := wrk(emu.url+"/_api/rest/v1/auth/send-reset?email=verified@example.com", "POST", "", map[string]string{"X-Client-Key": "bench"})
	c := wrk(emu.url+"/_api/rest/v1/auth/signin-email", "POST", `{"email":"verified@example.com","password":"Passw0rd!"}`,
		map[string]string{"X-Client-Key": "bench", "Content-Type": "application/json"})
	d := flows(emu.url)
	emu.stop()

	emu = startEmulator()
	idle2 := rss(emu.cmd.Process.Pid)
	took := sendMany(emu.url, *sends)
	after := rss(emu.cmd.Process.Pid)
	emu.stop()

	emu = startEmulator()
	mixRPS, peak, final := mixed(emu)
	emu.stop()

	emu = startEmulator()
	worstPeak, worst := worstCase(emu)
	emu.stop()

	row := func(name string, v float64, unit string, ratio bool, target string) {
		r := ""
		if ratio {
			r = fmt.Sprintf("%.2f", v/a)
		}
		fmt.Printf("%-46s %12.0f %-8s %6s   %s\n", name, v, unit, r, target)
	}
	fmt.Printf("%-46s %12s %-8s %6s   %s\n", "figure", "value", "unit", "x (a)", "target")
	row("(a) bare net/http answering {}", a, "req/s", true, "reference")
	row("(b) POST send-reset", b, "req/s", true, ">= 0.50 x (a)")
	row("(c) POST signin-email", c, "req/s", true, ">= 0.40 x (a)")
	row("(d) complete reset flows (5 requests each)", d, "flows/s", true, "")
	fmt.Printf("%-46s %12.1f %-8s %6s   %s\n", "(e) start-up to first answered request", e, "ms", "", "< 50 ms")
	fmt.Printf("%-46s %12.1f %-8s %6s   %s\n", "    the same, the first being a send-reset", eAPI, "ms", "", "< 50 ms")
	fmt.Printf("%-46s %12.1f %-8s %6s   %s\n", "    the same for the bare server", e0, "ms", "", "the floor")
	fmt.Printf("%-46s %12.1f %-8s %6s   %s\n", "(f) resident memory, idle", mb(idle), "MB", "", "< 20 MB")
	fmt.Printf("%-46s %12.1f %-8s %6s   %s\n", fmt.Sprintf("(f) resident memory after %d send-reset", *sends), mb(after), "MB", "", "< 100 MB")
	fmt.Printf("%-46s %12.1f %-8s %6s   %s\n", "(g) resident memory in a mixed load, peak", mb(peak), "MB", "", "")
	fmt.Printf("%-46s %12.1f %-8s %6s   %s\n", "    and at its end", mb(final), "MB", "", "")
	fmt.Printf("%-46s %12.1f %-8s %6s   %s\n", "(h) resident memory at worst, peak", mb(worstPeak), "MB", "", "< 1024 MB")
	fmt.Printf("\n(%d send-reset calls took %s, %.0f/s over %d connections; idle before them: %.1f MB)\n",
		*sends, took.Round(time.Millisecond), float64(*sends)/took.Seconds(), *conns, mb(idle2))
	fmt.Printf("(the mixed load: sign-ups with new emails over 4 environments, sign-ins, send-reset and\n"+
		" inbox reads in equal parts, %.0f req/s for %s, resident memory read every 250 ms)\n", mixRPS, *duration)
	fmt.Printf("(at worst, with the default flags: %s)\n", worst)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

func numCPU() int {
	data, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(data), "\nprocessor") + 1
}

func freePort() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

type server struct {
	cmd *exec.Cmd
	url string
}

func (s *server) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
	}
}

func startServer(bin string, args ...string) *server {
	addr := args[len(args)-1]
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	s := &server{cmd: cmd, url: "http://" + addr}
	waitUp(s.url, "/")
	return s
}

// startEmulator runs the emulator as a user would, with the default log
// level; its log goes to /dev/null, so that no reader of it competes for
// the CPU with the figures measured.
func startEmulator() *server {
	addr := "127.0.0.1:" + freePort()
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		fail(err)
	}
	cmd := exec.Command(*emulatorBin, "--addr", addr)
	cmd.Stdout, cmd.Stderr = devNull, os.Stderr
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	s := &server{cmd: cmd, url: "http://" + addr}
	waitUp(s.url, "/_emulator/health")
	return s
}

// waitUp asks until the server answers; in a benchmark, polling is the
// measurement.
func waitUp(base, path string) { awaitAnswer(base, get(path), time.Now()) }

// awaitAnswer sends req to base until it is answered, from began on, for
// at most 10 s.
func awaitAnswer(base string, req func(base string) *http.Request, began time.Time) {
	for deadline := began.Add(10 * time.Second); ; time.Sleep(200 * time.Microsecond) {
		if time.Now().After(deadline) {
			fail(fmt.Errorf("%s did not answer", base))
		}
		if res, err := client.Do(req(base)); err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			return
		}
	}
}

var rpsLine = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

func wrk(target, method, body string, headers map[string]string) float64 {
	var script strings.Builder
	fmt.Fprintf(&script, "wrk.method = %q\n", method)
	if body != "" {
		fmt.Fprintf(&script, "wrk.body = %q\n", body)
	}
	for k, v := range headers {
		fmt.Fprintf(&script, "wrk.headers[%q] = %q\n", k, v)
	}
	return runWrk(target, script.String())
}

// runWrk runs wrk with a Lua script for the set duration and answers its
// requests per second; any answer that is not 2xx or 3xx fails the run.
func runWrk(target, script string) float64 {
	f, err := os.CreateTemp("", "wrk-*.lua")
	if err != nil {
		fail(err)
	}
	defer os.Remove(f.Name())
	f.WriteString(script)
	f.Close()
	out, err := exec.Command("wrk", "-t2", fmt.Sprintf("-c%d", *conns), fmt.Sprintf("-d%ds", int(duration.Seconds())),
		"-s", f.Name(), target).CombinedOutput()
	if err != nil {
		fail(fmt.Errorf("wrk: %v\n%s", err, out))
	}
	if bytes.Contains(out, []byte("Non-2xx")) {
		fail(fmt.Errorf("wrk saw errors against %s:\n%s", target, out))
	}
	m := rpsLine.FindSubmatch(out)
	if m == nil {
		fail(fmt.Errorf("no Requests/sec in wrk's output:\n%s", out))
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

var client = &http.Client{
	Transport:     &http.Transport{MaxIdleConnsPerHost: 256},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func call(method, u, body string, headers map[string]string) (*http.Response, []byte) {
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	if err != nil {
		fail(err)
	}
	data, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, data
}

// flows runs complete reset flows (send, latest, follow, reset, sign in)
// from 16 clients, each with its own user, and answers flows per second.
func flows(base string) float64 {
	const clients = 16
	key := map[string]string{"X-Client-Key": "bench", "Content-Type": "application/json"}
	var done atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	var wg sync.WaitGroup
	for i := range clients {
		env := fmt.Sprintf("%s/e:bench-%d", base, i)
		email := fmt.Sprintf("flow%d@example.com", i)
		call("POST", env+"/_emulator/users", fmt.Sprintf(`{"email":%q,"password":"Start-pw0","emailVerified":true}`, email), key)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				pw := fmt.Sprintf("Pw-%d-%d", i, n)
				call("POST", env+"/_api/rest/v1/auth/send-reset?email="+email, "", key)
				_, data := call("GET", env+"/_emulator/inbox/emails/latest?wait=5s&to="+url.QueryEscape(email), "", nil)
				var m struct{ Link string }
				json.Unmarshal(data, &m)
				res, _ := call("GET", m.Link, "", nil)
				loc, _ := url.Parse(res.Header.Get("Location"))
				token := loc.Query().Get("access_token")
				if res, _ := call("POST", env+"/_api/rest/v1/auth/reset-pwd?key="+token, `{"newPassword":"`+pw+`"}`, key); res.StatusCode != 200 {
					fail(fmt.Errorf("reset-pwd answered %d", res.StatusCode))
				}
				if res, _ := call("POST", env+"/_api/rest/v1/auth/signin-email", `{"email":"`+email+`","password":"`+pw+`"}`, key); res.StatusCode != 200 {
					fail(fmt.Errorf("sign-in with the new password answered %d", res.StatusCode))
				}
				done.Add(1)
			}
		}()
	}
	began := time.Now()
	wg.Wait()
	return float64(done.Load()) / time.Since(began).Seconds()
}

// startKind is one start-up measurement: a binary and its first request
// (made against the server's base URL).
type startKind struct {
	bin string
	req func(base string) *http.Request
}

// startups answers, for each kind, the median time over 11 starts from exec
// to the first answer. The kinds take turns, so that a moment of noise on
// this shared machine falls on all of them alike; a first round is not
// counted: the first exec of a freshly built binary also reads it into the
// page cache, which a user pays once, not at every start.
func startups(kinds ...startKind) []float64 {
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		fail(err)
	}
	defer devNull.Close()
	ms := make([][]float64, len(kinds))
	for round := range 12 {
		for k, kind := range kinds {
			addr := "127.0.0.1:" + freePort()
			began := time.Now()
			cmd := exec.Command(kind.bin, "--addr", addr)
			cmd.Stdout, cmd.Stderr = devNull, os.Stderr
			if err := cmd.Start(); err != nil {
				fail(err)
			}
			awaitAnswer("http://"+addr, kind.req, began)
			if round > 0 {
				ms[k] = append(ms[k], float64(time.Since(began).Microseconds())/1000)
			}
			(&server{cmd: cmd}).stop()
		}
	}
	medians := make([]float64, len(kinds))
	for k := range kinds {
		sort.Float64s(ms[k])
		medians[k] = ms[k][len(ms[k])/2]
	}
	return medians
}

func get(path string) func(string) *http.Request {
	return func(base string) *http.Request {
		r, _ := http.NewRequest("GET", base+path, nil)
		return r
	}
}

func sendReset(base string) *http.Request {
	r, _ := http.NewRequest("POST", base+"/_api/rest/v1/auth/send-reset?email=verified@example.com", nil)
	r.Header.Set("X-Client-Key", "bench")
	return r
}

// mixedLoad is the wrk script of mixed: in turn a sign-up with a new email
// (in one of 4 environments), a sign-in, a send-reset and an inbox read.
const mixedLoad = `
counter = 0
local json = {["X-Client-Key"] = "bench", ["Content-Type"] = "application/json"}
local key = {["X-Client-Key"] = "bench"}
function setup(thread) thread:set("id", tostring(math.random(1, 1000000000))) end
request = function()
  counter = counter + 1
  local k = counter % 4
  if k == 0 then
    return wrk.format("POST", "/_api/rest/v1/auth/signin-email", json, '{"email":"verified@example.com","password":"Passw0rd!"}')
  elseif k == 1 then
    return wrk.format("POST", "/_api/rest/v1/auth/send-reset?email=verified@example.com", key, nil)
  elseif k == 2 then
    return wrk.format("POST", "/e:mix-" .. math.floor(counter % 16 / 4) .. "/_api/rest/v1/auth/signup-email", json,
      '{"email":"u' .. id .. '-' .. counter .. '@example.com","password":"Passw0rd!"}')
  end
  return wrk.format("GET", "/_emulator/inbox/emails/latest?to=verified@example.com&wait=5s", nil, nil)
end
`

// mixed runs the mixed load against emu and answers its rate and the peak
// and final resident memory.
func mixed(emu *server) (rps, peak, final float64) {
	stop := make(chan struct{})
	sampled := make(chan float64)
	go func() {
		highest := 0.0
		for {
			if v := rss(emu.cmd.Process.Pid); v > highest {
				highest = v
			}
			select {
			case <-stop:
				sampled <- highest
				return
			case <-time.After(250 * time.Millisecond):
			}
		}
	}()
	rps = runWrk(emu.url, mixedLoad)
	close(stop)
	final = rss(emu.cmd.Process.Pid)
	return rps, max(<-sampled, final), final
}

// worstCase makes the emulator hold all it can, with its default flags:
// the state budget filled with users of 32 KB of data and with messages and
// tokens, in a hundred environments; then at once the connection limit
// taken by half-sent header blocks, half-sent 1 MiB bodies and idle
// connections, OAuth sign-ins with 60 KB queries, sign-ins with 60 KB
// User-Agents, and eight exports of the largest environment. It answers
// the peak resident memory and what was done.
func worstCase(emu *server) (peak float64, done string) {
	stop := make(chan struct{})
	sampled := make(chan float64)
	go func() {
		highest := 0.0
		for {
			if v := rss(emu.cmd.Process.Pid); v > highest {
				highest = v
			}
			select {
			case <-stop:
				sampled <- highest
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	// Each request on a connection of its own: at the connection limit an
	// idle one may be the one that makes room.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	call := func(method, u, body string, headers map[string]string) (*http.Response, []byte) {
		req, _ := http.NewRequest(method, u, strings.NewReader(body))
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		res, err := fresh.Do(req)
		if err != nil {
			fail(err)
		}
		data, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res, data
	}
	key := map[string]string{"X-Client-Key": "bench", "Content-Type": "application/json"}
	bio := strings.Repeat("b", 32<<10)
	users, refused := 0, false
	for i := 0; !refused; i++ {
		env := fmt.Sprintf("%s/e:worst-%d", emu.url, i%100)
		res, _ := call("POST", env+"/_api/rest/v1/auth/signup-email",
			fmt.Sprintf(`{"email":"u%d@example.com","password":"Passw0rd!","nameOrUserData":{"bio":%q}}`, i, bio), key)
		switch res.StatusCode {
		case 200:
			users++
		case 429:
			refused = true
		default:
			fail(fmt.Errorf("a sign-up answered %d", res.StatusCode))
		}
	}
	parallelCalls(32, 100*1000, func(i int) {
		call("POST", fmt.Sprintf("%s/e:worst-%d/_api/rest/v1/auth/send-reset?email=verified@example.com", emu.url, i%100), "", key)
	})

	var wg sync.WaitGroup
	var open []net.Conn
	host := strings.TrimPrefix(emu.url, "http://")
	for i := range 1000 {
		c, err := net.Dial("tcp", host)
		if err != nil {
			fail(err)
		}
		open = append(open, c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 3 {
			case 0:
				io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: "+strings.Repeat("h", 1<<20))
			case 1:
				fmt.Fprintf(c, "POST /_api/rest/v1/auth/signin-email HTTP/1.1\r\nHost: x\r\nX-Client-Key: k\r\n"+
					"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", 1<<20, strings.Repeat(" ", 1000<<10))
			}
		}()
	}
	pad, ua := strings.Repeat("p", 60<<10), strings.Repeat("Mozilla/5.0 ", 5<<10)
	parallelCalls(16, 4000, func(i int) {
		call("GET", fmt.Sprintf("%s/e:worst-%d/_auth/google?email=o%d@example.com&pad=%s", emu.url, i%100, i, pad), "", nil)
		call("POST", emu.url+"/_api/rest/v1/auth/signin-email", `{"email":"verified@example.com","password":"Passw0rd!"}`,
			map[string]string{"X-Client-Key": "bench", "Content-Type": "application/json", "User-Agent": fmt.Sprintf("A/%d %s", i, ua)})
	})
	parallelCalls(8, 8, func(int) { call("GET", emu.url+"/e:worst-0/_emulator/state", "", nil) })
	for _, c := range open {
		c.Close()
	}
	wg.Wait()
	close(stop)
	return <-sampled, fmt.Sprintf("%d users of 32 KB until 429, 100000 send-reset over 100 environments,\n"+
		" then 1000 connections holding 1 MiB header blocks, 1 MiB bodies or nothing, 4000 OAuth sign-ins\n"+
		" with 60 KB queries and 4000 sign-ins with 60 KB User-Agents, and 8 exports at once; resident\n"+
		" memory read every 100 ms", users)
}

// parallelCalls runs fn(0..n-1) on workers goroutines.
func parallelCalls(workers, n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				fn(int(i))
			}
		}()
	}
	wg.Wait()
}

// sendMany makes n send-reset calls over the wrk connection count.
func sendMany(base string, n int) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	began := time.Now()
	for range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := func() {
				r, _ := http.NewRequest("POST", base+"/_api/rest/v1/auth/send-reset?email=verified@example.com", nil)
				r.Header.Set("X-Client-Key", "bench")
				res, err := client.Do(r)
				if err != nil {
					fail(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					fail(fmt.Errorf("send-reset answered %d", res.StatusCode))
				}
			}
			for next.Add(1) <= int64(n) {
				req()
			}
		}()
	}
	wg.Wait()
	return time.Since(began)
}

// rss reads a process's resident memory in bytes.
func rss(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		fail(err)
	}
	m := regexp.MustCompile(`VmRSS:\s+([0-9]+) kB`).FindSubmatch(data)
	if m == nil {
		fail(fmt.Errorf("no VmRSS"))
	}
	kb, _ := strconv.ParseFloat(string(m[1]), 64)
	return kb * 1024
}

func mb(b float64) float64 { return b / (1 << 20) }
