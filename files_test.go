package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCoverageAndStateFiles(t *testing.T) {
	dir := t.TempDir()
	cov, state := filepath.Join(dir, "coverage.json"), filepath.Join(dir, "state.json")
	s := start(t, []string{"--addr", "127.0.0.1:0", "--coverage-out", cov, "--export-on-exit", state}, nil)
	post := func(url string) int {
		req, _ := http.NewRequest("POST", url, nil)
		req.Header.Set("X-Client-Key", "k")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := post(s.url + "/e:kept/_api/rest/v1/auth/send-reset?email=verified@example.com"); code != 200 {
		t.Fatalf("send-reset: %d", code)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}

	var rep struct {
		Operations []struct {
			OperationID string         `json:"operationId"`
			Statuses    map[string]int `json:"statuses"`
		}
		UnexercisedOperations []string `json:"unexercisedOperations"`
	}
	data, err := os.ReadFile(cov)
	if err != nil || json.Unmarshal(data, &rep) != nil || len(rep.UnexercisedOperations) == 0 {
		t.Fatalf("coverage file: %v %s", err, data)
	}
	for _, op := range rep.Operations {
		if op.OperationID == "sendResetPwdEmail" && op.Statuses["200"] != 1 {
			t.Fatalf("coverage of sendResetPwdEmail: %v", op.Statuses)
		}
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(matches) != 0 {
		t.Fatalf("temporary files left: %v", matches)
	}

	// The exported state comes back with --import: the email is still there.
	s = start(t, []string{"--addr", "127.0.0.1:0", "--import", state}, nil)
	res, err := http.Get(s.url + "/e:kept/_emulator/inbox/emails/latest?to=verified@example.com")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("after --import: %v %v", res, err)
	}
	res.Body.Close()

	// The two kinds of state file, mixed up, say what to do: one
	// environment's (GET /_emulator/state) at --import, all of them
	// (--export-on-exit) at PUT /_emulator/state.
	s = start(t, []string{"--addr", "127.0.0.1:0", "--import", state}, nil)
	one, err := http.Get(s.url + "/e:kept/_emulator/state")
	if err != nil || one.StatusCode != 200 {
		t.Fatalf("GET state: %v %v", one, err)
	}
	oneState, _ := io.ReadAll(one.Body)
	one.Body.Close()
	all, _ := os.ReadFile(state)
	req, _ := http.NewRequest("PUT", s.url+"/e:other/_emulator/state", bytes.NewReader(all))
	req.Header.Set("Content-Type", "application/json")
	put, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(put.Body)
	put.Body.Close()
	if put.StatusCode != 400 || !strings.Contains(string(answer), `this is a snapshot of all environments ({\"version\", \"environments\"}), as --export-on-exit writes; PUT takes one environment's state`) {
		t.Fatalf("PUT of an --export-on-exit file: %d %s", put.StatusCode, answer)
	}
	s.stop()
	oneFile := filepath.Join(dir, "one.json")
	os.WriteFile(oneFile, oneState, 0o600)
	err = run(context.Background(), []string{"--addr", "127.0.0.1:0", "--import", oneFile}, func(string) string { return "" }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `this is one environment's state, as GET /_emulator/state answers; --import takes a snapshot of all environments, as --export-on-exit writes: {"version": 1, "environments": {"default": <this file>}}`) {
		t.Fatalf("--import of one environment's state: %v", err)
	}
	// Wrapped as the message says, it loads.
	wrapped := filepath.Join(dir, "wrapped.json")
	os.WriteFile(wrapped, append(append([]byte(`{"version": 1, "environments": {"default": `), oneState...), "}}"...), 0o600)
	s = start(t, []string{"--addr", "127.0.0.1:0", "--import", wrapped}, nil)
	res, err = http.Get(s.url + "/_emulator/inbox/emails/latest?to=verified@example.com")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("after --import of the wrapped state: %v %v", res, err)
	}
	res.Body.Close()
	s.stop()

	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"version":1,"environments":{"x":{"version":7}}}`), 0o600)
	err = run(context.Background(), []string{"--addr", "127.0.0.1:0", "--import", bad}, func(string) string { return "" }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--import "+bad) {
		t.Fatalf("a bad snapshot: %v", err)
	}
}

// A file the emulator writes when it stops is checked when it starts: a
// path it cannot write fails the start, naming the flag. One that becomes
// unwritable while it runs fails the stop, loudly.
func TestExportToAnUnwritablePlaceFailsLoudly(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-dir", "state.json")
	for _, flag := range []string{"--export-on-exit", "--coverage-out"} {
		err := run(context.Background(), []string{"--addr", "127.0.0.1:0", flag, missing}, func(string) string { return "" }, io.Discard)
		if err == nil || err.Error() != flag+" "+missing+": the file could not be written when the emulator stops: no such file or directory" {
			t.Errorf("%s to a missing folder: %v", flag, err)
		}
		err = run(context.Background(), []string{"--addr", "127.0.0.1:0", flag, t.TempDir()}, func(string) string { return "" }, io.Discard)
		if err == nil || !strings.HasSuffix(err.Error(), ": a folder; name a file in it") {
			t.Errorf("%s to a folder: %v", flag, err)
		}
	}

	dir := filepath.Join(t.TempDir(), "goes-away")
	os.Mkdir(dir, 0o700)
	state := filepath.Join(dir, "state.json")
	s := start(t, []string{"--addr", "127.0.0.1:0", "--export-on-exit", state, "--coverage-out", state + ".cov"}, nil)
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("the start-up check left %v behind", entries)
	}
	os.RemoveAll(dir)
	err := s.stop()
	if err == nil || !strings.Contains(err.Error(), "write "+state) || !strings.Contains(err.Error(), "write "+state+".cov") {
		t.Fatalf("stop: %v", err)
	}
}
