package emulator

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// exportTurn waits for en's export turn, until ctx or the emulator ends;
// the function it answers gives the turn back.
func (e *Emulator) exportTurn(ctx context.Context, en *env) (func(), error) {
	ctx, cancel := e.holdContext(ctx)
	defer cancel()
	select {
	case en.exports <- struct{}{}:
		return func() { <-en.exports }, nil
	case <-ctx.Done():
		return nil, errExportTurn
	}
}

// exportState is GET /_emulator/state. The pipeline holds the
// environment's export turn until the answer is written.
func (e *Emulator) exportState(c *call) (any, error) {
	st := c.env.exportLocked()
	return stream(func(w http.ResponseWriter) int {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		bw := bufio.NewWriter(deadlineWriter{w, http.NewResponseController(w)})
		writeEnvState(bw, st)
		bw.WriteByte('\n')
		bw.Flush()
		return http.StatusOK
	}), nil
}

// deadlineWriter gives each write answerWriteTime.
type deadlineWriter struct {
	w  io.Writer
	rc *http.ResponseController
}

func (d deadlineWriter) Write(p []byte) (int, error) {
	d.rc.SetWriteDeadline(time.Now().Add(answerWriteTime))
	return d.w.Write(p)
}

// writeEnvState writes st as json.Marshal would, one user, session, token
// or message at a time.
func writeEnvState(w *bufio.Writer, st EnvState) error {
	fmt.Fprintf(w, `{"version":%d,"settings":`, st.Version)
	writeJSONValue(w, st.Settings)
	writeJSONList(w, "users", st.Users)
	writeJSONList(w, "sessions", st.Sessions)
	writeJSONList(w, "links", st.Links)
	writeJSONList(w, "accessTokens", st.AccessTokens)
	writeJSONList(w, "codes", st.Codes)
	writeJSONList(w, "emails", st.Emails)
	writeJSONList(w, "sms", st.SMS)
	w.WriteString(`,"clock":`)
	writeJSONValue(w, st.Clock)
	return w.WriteByte('}')
}

func writeJSONList[T any](w *bufio.Writer, name string, items []T) {
	fmt.Fprintf(w, `,"%s":[`, name)
	for i := range items {
		if i > 0 {
			w.WriteByte(',')
		}
		writeJSONValue(w, items[i])
	}
	w.WriteByte(']')
}

// writeJSONValue writes v; every type of a snapshot always encodes (the
// times are bounded, user data is JSON already).
func writeJSONValue(w *bufio.Writer, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		data = []byte("null")
	}
	w.Write(data)
}

// allEnvironmentsSnapshot refuses, at PUT /_emulator/state, a snapshot of
// all environments (what --export-on-exit writes) with what to send
// instead, where the schema would list nine missing fields.
func allEnvironmentsSnapshot(body []byte) error {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return nil // the schema's check says what is wrong
	}
	if _, ok := top["environments"]; !ok {
		return nil
	}
	return errBadImport(errors.New(`this is a snapshot of all environments ({"version", "environments"}), as --export-on-exit writes; PUT takes one environment's state, as GET answers it: send one value of its "environments" (jq '.environments.default'), or start the emulator with --import to load them all`))
}

// checkImportBody is importState's prepare step: the state is decoded and
// checked whole before the environment's lock is taken.
func (e *Emulator) checkImportBody(c *call) (any, error) {
	var st EnvState
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.DisallowUnknownFields() // as --import reads it
	if err := dec.Decode(&st); err != nil {
		return nil, errBadImport(err)
	}
	im, err := e.checkImport(st)
	if err != nil {
		return nil, errBadImport(err)
	}
	c.prepared = im
	return nil, nil
}

// importState is PUT /_emulator/state: the state checkImportBody prepared
// replaces the environment's, if it fits the budget.
func (e *Emulator) importState(c *call) (any, error) {
	im := c.prepared.(*importedState)
	if err := e.roomFor([]*env{c.env}, []*importedState{im}); err != nil {
		return nil, err
	}
	c.env.applyImportLocked(im)
	e.rt.CloseEnv(c.env.id) // its sessions are replaced: connections start again
	return noContent{}, nil
}
