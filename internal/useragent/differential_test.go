package useragent

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/altogic-emulator/altogic-emulator/internal/e2egate"
)

// TestAgainstUseragentJS compares Parse with the JavaScript library itself
// on user agents made by mutating those of the corpus: version numbers
// changed, tokens swapped, dropped or taken from another user agent,
// truncation, case changes and inserted characters (white space and line
// terminators of JavaScript, "$" patterns, characters outside the BMP,
// invalid UTF-8).
//
// It runs when ALTOGIC_EMULATOR_E2E=1, and then needs node and a directory
// whose node_modules holds useragent 2.3.0: $USERAGENTJS_DIR, by default
// the repository's e2e directory. USERAGENT_SEED replays a run (the seed is
// logged) and USERAGENT_N sets the number of user agents (25000).
func TestAgainstUseragentJS(t *testing.T) {
	node, dir := e2egate.NodePackage(t, "USERAGENTJS_DIR", filepath.Join("..", ".."), "useragent", "2.3.0")
	var err error
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("USERAGENT_SEED"); s != "" {
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	n := 25000
	if s := os.Getenv("USERAGENT_N"); s != "" {
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("seed %d (USERAGENT_SEED=%[1]d replays this run), %d user agents", seed, n)
	inputs := mutants(readCorpus(t), rand.New(rand.NewPCG(seed, 0)), n)

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("testdata", "oracle.js"))
	cmd.Env = append(os.Environ(), "USERAGENTJS_DIR="+dir)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		w := bufio.NewWriter(stdin)
		for _, ua := range inputs {
			b, _ := json.Marshal(ua)
			w.Write(append(b, '\n'))
		}
		w.Flush()
		stdin.Close()
	}()

	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 1<<24)
	i, bad := 0, 0
	for ; sc.Scan(); i++ {
		var l corpusLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("oracle: %v: %s", err, sc.Bytes())
		}
		var want Agent
		if err := json.Unmarshal(l.Want, &want); err != nil {
			t.Fatal(err)
		}
		if i >= len(inputs) {
			t.Fatal("oracle answered more lines than it was given")
		}
		if got := Parse(inputs[i]); got != want {
			if bad++; bad <= 20 {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", inputs[i], got, want)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("oracle: %v", err)
	}
	if i != len(inputs) {
		t.Fatalf("oracle answered %d of %d user agents", i, len(inputs))
	}
	if bad > 0 {
		t.Fatalf("%d of %d user agents differ (seed %d)", bad, len(inputs), seed)
	}
	t.Logf("%d user agents, all equal", len(inputs))
}

var (
	digitsRE = regexp.MustCompile(`\d+`)
	tokenRE  = regexp.MustCompile(`[^ ;()/,]+`)
)

// inserted are the strings the mutations insert: the separators of user
// agents, and characters on which JavaScript and Go could disagree.
var inserted = []string{
	" ", " ", ";", "; ", "/", "(", ")", "_", "-", ".", ",", "+", ":",
	"\t", "\r", "\n", "\v", "\f", "\u00a0", "\u0085", "\u1680", "\u2000", "\u2028", "\u2029", "\u202f", "\u3000", "\ufeff", "\u180e",
	"$", "$1", "$2", "$$", "$&", "$`", "$'", "$<x>",
	"é", "Ã©", "ß", "İ", "ı", "K", "日本", "\U0001F600", "\U00010348", "\xff", "\xc3", "\x00",
	"Build", " Build/", "Mobile", "Android ", "Chrome/", "Safari/", "Version/", "Bot", "spider", "CFNetwork", "Darwin/",
}

// mutants returns n user agents made from those of the corpus.
func mutants(corpus []corpusLine, r *rand.Rand, n int) []string {
	var base []string
	for _, l := range corpus {
		// Long user agents are left out: some of them make the
		// JavaScript library backtrack for seconds.
		if len(l.UA) <= 512 {
			base = append(base, l.UA)
		}
	}
	pick := func() string { return base[r.IntN(len(base))] }
	out := make([]string, 0, n)
	for len(out) < n {
		s := pick()
		for k := 1 + r.IntN(3); k > 0; k-- {
			s = mutate(s, pick, r)
		}
		if len(s) > 1024 {
			s = s[:1024]
		}
		out = append(out, s)
	}
	return out
}

func mutate(s string, pick func() string, r *rand.Rand) string {
	switch r.IntN(9) {
	case 0, 1: // change a number
		locs := digitsRE.FindAllStringIndex(s, -1)
		if len(locs) == 0 {
			break
		}
		l := locs[r.IntN(len(locs))]
		nums := []string{"0", "1", "2", "3", "9", "10", "11", "17", "99", "100", "124", "537", "4844", "00", "1_2", "1.2.3", ""}
		return s[:l[0]] + nums[r.IntN(len(nums))] + s[l[1]:]
	case 2: // swap two tokens
		locs := tokenRE.FindAllStringIndex(s, -1)
		if len(locs) < 2 {
			break
		}
		i, j := r.IntN(len(locs)), r.IntN(len(locs))
		if i > j {
			i, j = j, i
		}
		if i == j {
			break
		}
		a, b := locs[i], locs[j]
		return s[:a[0]] + s[b[0]:b[1]] + s[a[1]:b[0]] + s[a[0]:a[1]] + s[b[1]:]
	case 3: // replace a token with one of another user agent
		locs, other := tokenRE.FindAllStringIndex(s, -1), tokenRE.FindAllString(pick(), -1)
		if len(locs) == 0 || len(other) == 0 {
			break
		}
		l := locs[r.IntN(len(locs))]
		return s[:l[0]] + other[r.IntN(len(other))] + s[l[1]:]
	case 4: // truncate, or drop a piece
		if len(s) == 0 {
			break
		}
		i, j := r.IntN(len(s)), r.IntN(len(s)+1)
		if r.IntN(2) == 0 {
			return s[:i]
		}
		if i > j {
			i, j = j, i
		}
		return s[:i] + s[j:]
	case 5: // splice with another user agent
		o := pick()
		return s[:r.IntN(len(s)+1)] + o[r.IntN(len(o)+1):]
	case 6: // change the case of a token
		locs := tokenRE.FindAllStringIndex(s, -1)
		if len(locs) == 0 {
			break
		}
		l := locs[r.IntN(len(locs))]
		f := strings.ToUpper
		if r.IntN(2) == 0 {
			f = strings.ToLower
		}
		return s[:l[0]] + f(s[l[0]:l[1]]) + s[l[1]:]
	case 7: // insert a character or token
		i := r.IntN(len(s) + 1)
		return s[:i] + inserted[r.IntN(len(inserted))] + s[i:]
	case 8: // repeat a piece
		if len(s) == 0 {
			break
		}
		i := r.IntN(len(s))
		j := min(len(s), i+1+r.IntN(40))
		return s[:j] + s[i:j] + s[j:]
	}
	return s + fmt.Sprint(r.IntN(10))
}
