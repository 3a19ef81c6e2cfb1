package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Answers are written within answerWriteTime: a client that stops reading
// is cut. An answer is built in memory before it is written, and stays
// there until it is written whole, for up to answerWriteTime when the
// client does not read. So the bytes of an answer past smallAnswer (lists,
// a user with much data) are counted, and all of them together may
// hold maxAnswersInFlight (one such answer at a time always fits): clients
// that do not read, or many large lists at once, cannot hold memory without
// bound. Past it an answer is refused with 503 server_busy, before anything
// was written. What is not counted is at most smallAnswer per connection
// (64 MiB for the 1024 connections --max-connections allows by default).
const (
	answerWriteTime    = 30 * time.Second
	smallAnswer        = 64 << 10
	maxAnswersInFlight = 64 << 20
)

// answers counts the answers in flight: their bytes past smallAnswer, and
// how many are that large.
type answers struct {
	bytes atomic.Int64
	large atomic.Int64
	limit int64
}

// answer is a JSON body being built. It is itself a reply.
type answer struct {
	a     *answers
	b     []byte
	held  int64 // counted in a.bytes
	large bool
	must  bool // counted, never refused
}

func (as *answers) newAnswer() *answer { return &answer{a: as} }

// add appends p, or reports that the answers in flight have no room for it.
func (w *answer) add(p []byte) bool {
	if !w.room(int64(len(w.b) + len(p))) {
		return false
	}
	w.b = append(w.b, p...)
	return true
}

// reserve takes room for an answer of up to n bytes before it is built, or
// reports that the answers in flight have none: a call that changes state
// asks first, so that its answer is never refused after the change.
func (w *answer) reserve(n int) bool { return w.room(int64(n)) }

// room makes sure the answer may hold n bytes in all: what passes
// smallAnswer is counted. One large answer always fits.
func (w *answer) room(n int64) bool {
	if n <= smallAnswer {
		return true
	}
	if !w.large {
		w.large = true
		w.a.large.Add(1)
	}
	if need := n - smallAnswer - w.held; need > 0 {
		if w.a.bytes.Add(need) > w.a.limit && w.a.large.Load() > 1 && !w.must {
			w.a.bytes.Add(-need)
			return false
		}
		w.held += need
	}
	return true
}

// adopt makes b the answer's body, when it is empty and small: no copy.
// A larger one is counted as add counts it, and may not fit.
func (w *answer) adopt(b []byte) bool {
	if len(w.b) == 0 && len(b) <= smallAnswer {
		w.b = b
		return true
	}
	return w.add(b)
}

// force makes b the body of an empty answer whatever the answers in
// flight hold, counting it all the same: for an answer whose room was
// reserved (a JSON body may outgrow the estimate) and must not be lost.
func (w *answer) force(b []byte) {
	w.must = true
	w.adopt(b)
}

// release gives back what the answer held.
func (w *answer) release() {
	if w.held > 0 {
		w.a.bytes.Add(-w.held)
		w.held = 0
	}
	if w.large {
		w.a.large.Add(-1)
		w.large = false
	}
	w.b = nil
}

// encoder is a JSON encoder writing to its own buffer, kept for reuse.
type encoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var encoders = sync.Pool{New: func() any {
	e := &encoder{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}}

// encodeJSON builds v's JSON into w: a list (a slice, or an object of one
// list such as {"users": [...]}) one item at a time, so that a large list
// is never held twice; anything else at once. It reports false when the
// answers in flight have no room.
func encodeJSON(w *answer, v any) bool {
	if a, ok := v.(jsonAppender); ok {
		return w.adopt(a.appendJSON(make([]byte, 0, 1024)))
	}
	e := encoders.Get().(*encoder)
	defer encoders.Put(e)
	one := func(v any) bool {
		if a, ok := v.(jsonAppender); ok {
			return w.add(a.appendJSON(e.buf.AvailableBuffer()))
		}
		e.buf.Reset()
		if err := e.enc.Encode(v); err != nil {
			return w.add([]byte("null"))
		}
		return w.add(bytes.TrimSuffix(e.buf.Bytes(), []byte("\n")))
	}
	list := func(rv reflect.Value) bool {
		if !w.add([]byte("[")) {
			return false
		}
		for i := range rv.Len() {
			item := rv.Index(i)
			if item.CanAddr() {
				item = item.Addr() // as encoding/json does: methods of *T
			}
			if (i > 0 && !w.add([]byte(","))) || !one(item.Interface()) {
				return false
			}
		}
		return w.add([]byte("]"))
	}
	switch rv := reflect.ValueOf(v); {
	case rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() != reflect.Uint8:
		return list(rv)
	case rv.Kind() == reflect.Map && rv.Len() == 1 && rv.Type().Key().Kind() == reflect.String:
		k := rv.MapKeys()[0]
		if item := rv.MapIndex(k); item.Kind() == reflect.Interface && item.Elem().Kind() == reflect.Slice {
			key, _ := json.Marshal(k.String())
			return w.add([]byte("{")) && w.add(key) && w.add([]byte(":")) && list(item.Elem()) && w.add([]byte("}"))
		}
	}
	return one(v)
}

// listAnswer builds a JSON array of n items into w, item i written by
// item; it answers w, or the refusal when the answers in flight have no
// room for it.
func listAnswer(w *answer, n int, item func(b []byte, i int) []byte) (*answer, error) {
	scratch := make([]byte, 0, 1024)
	ok := w.add([]byte("["))
	for i := 0; ok && i < n; i++ {
		if i > 0 {
			ok = w.add([]byte(","))
		}
		scratch = item(scratch[:0], i)
		ok = ok && w.add(scratch)
	}
	if !ok || !w.add([]byte("]")) {
		w.release()
		return nil, errAnswersBusy()
	}
	return w, nil
}

// writeReply writes a handler's answer and reports its status.
// rc, when not nil, gives each write of the body its deadline.
// An answer that must be written (changed: the call changed state) is
// counted among the answers in flight but never refused.
func (e *Emulator) writeReply(w http.ResponseWriter, rc *http.ResponseController, reply any, changed bool) int {
	switch v := reply.(type) {
	case emptyOK:
		w.WriteHeader(http.StatusOK)
		return http.StatusOK
	case noContent:
		w.WriteHeader(http.StatusNoContent)
		return http.StatusNoContent
	case created:
		return e.writeJSON(w, rc, http.StatusCreated, v.v, changed)
	case redirectTo:
		return writeRedirect(w, string(v))
	case failedRedirect:
		return writeRedirect(w, string(v))
	case stream:
		return v(w)
	case *answer:
		return writeAnswer(w, rc, http.StatusOK, v)
	case rawBody:
		w.Header().Set("Content-Type", v.contentType)
		w.WriteHeader(http.StatusOK)
		writeBefore(rc)
		io.WriteString(w, v.body)
		return http.StatusOK
	default:
		return e.writeJSON(w, rc, http.StatusOK, v, changed)
	}
}

func writeRedirect(w http.ResponseWriter, location string) int {
	w.Header().Set("Location", location)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusFound)
	return http.StatusFound
}

func (e *Emulator) writeError(w http.ResponseWriter, rc *http.ResponseController, ae *apiError) {
	if len(ae.items) > 0 && ae.items[0].Code == codeServerBusy {
		w.Header().Set("Retry-After", "1") // it passes in a moment
	}
	if ae.unexpected {
		w.Header().Set(unexpectedHeader, "true")
	}
	e.writeJSON(w, rc, ae.status, map[string]any{"errors": ae.items}, false)
}

func (e *Emulator) writeJSON(w http.ResponseWriter, rc *http.ResponseController, status int, v any, must bool) int {
	a := e.answers.newAnswer()
	a.must = must
	if !encodeJSON(a, v) {
		a.release()
		e.writeError(w, rc, errAnswersBusy())
		return http.StatusServiceUnavailable
	}
	return writeAnswer(w, rc, status, a)
}

// writeAnswer writes a built JSON body, then lets it go.
func writeAnswer(w http.ResponseWriter, rc *http.ResponseController, status int, a *answer) int {
	defer a.release()
	a.b = append(a.b, '\n') // room for it is usually there (see adopt's callers)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(a.b)))
	w.WriteHeader(status)
	writeBefore(rc)
	w.Write(a.b)
	return status
}

// writeBefore gives the writes of a response answerWriteTime from now;
// past it, a client that does not read is cut.
func writeBefore(rc *http.ResponseController) {
	if rc != nil {
		rc.SetWriteDeadline(time.Now().Add(answerWriteTime))
	}
}

// Replies other than a 200 JSON body.
type (
	emptyOK    struct{}        // 200, empty body, as Altogic answers send-* and reset-*
	noContent  struct{}        // 204
	created    struct{ v any } // 201 with a JSON body
	redirectTo string          // 302 to that URL
	// failedRedirect is a 302 that reports a failure (status=4xx in its
	// query): a request answered with it changed nothing.
	failedRedirect string
	rawBody        struct{ contentType, body string } // 200 with that body
	// stream writes the whole response itself (server-sent events, pages
	// with their own headers) and answers its status.
	stream func(w http.ResponseWriter) int
)
