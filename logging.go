package main

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// escaping writes the characters a terminal would act on (control
// characters, DEL, C1 controls, bidirectional overrides) as Go escapes,
// \x7f or \u202e, in every logged text: log lines carry what clients sent
// (paths, addresses, subjects), and neither slog handler escapes DEL or,
// in JSON, the others. A record with nothing to escape, nearly every one,
// passes as it is.
type escaping struct{ slog.Handler }

func (h escaping) Handle(ctx context.Context, r slog.Record) error {
	dirty := needsEscape(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		dirty = dirty || attrNeedsEscape(a)
		return !dirty
	})
	if !dirty {
		return h.Handler.Handle(ctx, r)
	}
	clean := slog.NewRecord(r.Time, r.Level, escapeText(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		clean.AddAttrs(escapeAttr(a))
		return true
	})
	return h.Handler.Handle(ctx, clean)
}

func (h escaping) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = escapeAttr(a)
	}
	return escaping{h.Handler.WithAttrs(clean)}
}

func (h escaping) WithGroup(name string) slog.Handler { return escaping{h.Handler.WithGroup(name)} }

func attrNeedsEscape(a slog.Attr) bool {
	switch v := a.Value.Resolve(); v.Kind() {
	case slog.KindString:
		return needsEscape(v.String())
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return needsEscape(x.Error())
		case []string:
			for _, s := range x {
				if needsEscape(s) {
					return true
				}
			}
		}
	case slog.KindGroup:
		for _, g := range v.Group() {
			if attrNeedsEscape(g) {
				return true
			}
		}
	}
	return false
}

func escapeAttr(a slog.Attr) slog.Attr {
	switch v := a.Value.Resolve(); v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, escapeText(v.String()))
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, escapeText(x.Error()))
		case []string:
			out := make([]string, len(x))
			for i, s := range x {
				out[i] = escapeText(s)
			}
			return slog.Any(a.Key, out)
		}
	case slog.KindGroup:
		g := v.Group()
		out := make([]any, len(g))
		for i, ga := range g {
			out[i] = escapeAttr(ga)
		}
		return slog.Group(a.Key, out...)
	}
	return a
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b == 0x7f {
			return true
		} else if b >= 0x80 {
			// Past ASCII, unicode decides (C1 controls, bidirectional
			// overrides); log lines are nearly always ASCII.
			for _, r := range s[i:] {
				if r != ' ' && !unicode.IsPrint(r) {
					return true
				}
			}
			return false
		}
	}
	return false
}

func escapeText(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r != ' ' && !unicode.IsPrint(r) {
			q := strconv.QuoteRune(r) // '\x7f'
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// logWriter gathers log lines into few writes: a burst of captured emails
// costs one system call, not one per line, and a line waits at most
// logDelay before it is written.
type logWriter struct {
	mu    sync.Mutex
	w     io.Writer
	buf   []byte
	timer *time.Timer
}

const logDelay = 20 * time.Millisecond

func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	if len(l.buf) >= 64<<10 {
		l.flushLocked()
	} else if l.timer == nil {
		l.timer = time.AfterFunc(logDelay, l.Flush)
	}
	return len(p), nil
}

// Flush writes what is gathered.
func (l *logWriter) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flushLocked()
}

func (l *logWriter) flushLocked() {
	if len(l.buf) > 0 {
		l.w.Write(l.buf)
		l.buf = l.buf[:0]
	}
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
}

// readableDurations writes durations as Go writes them ("1.5s"), not as
// the text handler's default, which is the same; it is the text format's.
func readableDurations(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.String(a.Key, a.Value.Duration().String())
	}
	return a
}

// millisecondDurations writes durations in milliseconds, a number, not
// the JSON handler's nanoseconds: what log tools expect of a JSON log.
func millisecondDurations(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.Float64(a.Key, float64(a.Value.Duration().Microseconds())/1000)
	}
	return a
}
