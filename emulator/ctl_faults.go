package emulator

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Fault injection: the next calls of an operation fail, are delayed, or
// succeed without capturing their email or SMS.

// fault is one injected fault, as POST /_emulator/faults takes it and GET
// lists it.
type fault struct {
	ID        string `json:"id"`
	Operation string `json:"operation"`
	Status    int    `json:"status,omitempty"`
	Code      string `json:"code,omitempty"`
	Message   string `json:"message,omitempty"`
	// Times is how many more calls the fault applies to.
	Times       int  `json:"times"`
	DelayMs     int  `json:"delayMs,omitempty"`
	DropMessage bool `json:"dropMessage,omitempty"`
}

// The bounds of a fault, checked before any arithmetic: a delay that
// overflowed into a short one, or a message of a megabyte kept a thousand
// times, is refused instead.
const (
	maxFaultDelayMs = 60_000
	maxFaultTimes   = 1_000_000
	maxFaultCode    = 64
	maxFaultMessage = 1024
)

// maxFaults bounds the pending faults of an environment, so that a suite
// adding faults it never uses does not grow the emulator without end.
const maxFaults = 1000

// addFault is POST /_emulator/faults.
func (e *Emulator) addFault(c *call) (any, error) {
	var f fault
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	f.Operation = strings.TrimSpace(f.Operation)
	var fe fieldErrors
	if op, ok := e.ops[f.Operation]; f.Operation != "*" && (!ok || op.control) {
		fe.add("operation", "body", fmt.Sprintf("'operation' must be an operationId of the Altogic API in openapi.yaml (such as sendResetPwdEmail) or *, not %q.", truncate(f.Operation, 80)))
	}
	if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
		fe.add("status", "body", "'status' must be from 400 to 599.")
	}
	if f.Times == 0 {
		f.Times = 1
	}
	if f.Times < 0 || f.Times > maxFaultTimes {
		fe.add("times", "body", fmt.Sprintf("'times' must be from 1 to %d.", maxFaultTimes))
	}
	if f.DelayMs < 0 || f.DelayMs > maxFaultDelayMs {
		fe.add("delayMs", "body", fmt.Sprintf("'delayMs' must be from 0 to %d.", maxFaultDelayMs))
	}
	if len(f.Code) > maxFaultCode {
		fe.add("code", "body", fmt.Sprintf("'code' must be at most %d bytes.", maxFaultCode))
	}
	if len(f.Message) > maxFaultMessage {
		fe.add("message", "body", fmt.Sprintf("'message' must be at most %d bytes.", maxFaultMessage))
	}
	if f.Status == 0 && f.DelayMs == 0 && !f.DropMessage {
		fe.add("status", "body", "A fault needs a status, a delayMs or dropMessage.")
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	if f.Status != 0 {
		if f.Code == "" {
			f.Code = "injected_fault"
			if f.Status == http.StatusServiceUnavailable {
				f.Code = "service_unavailable"
			}
		}
		if f.Message == "" {
			f.Message = fmt.Sprintf("Fault injected by altogic-emulator into %s.", f.Operation)
		}
	}
	f.ID = uuid.NewString()
	if len(c.env.faults) >= maxFaults {
		return nil, errTooManyFaults(maxFaults)
	}
	if !c.env.acct.Take(f.size()) {
		return nil, errStateFull(c.env.acct.budget.limit)
	}
	c.env.faults = append(c.env.faults, &f)
	return created{f}, nil
}

// listFaults is GET /_emulator/faults.
func (e *Emulator) listFaults(c *call) (any, error) {
	out := make([]fault, len(c.env.faults))
	for i, f := range c.env.faults {
		out[i] = *f
	}
	return map[string]any{"faults": out}, nil
}

// clearFaults is DELETE /_emulator/faults.
func (e *Emulator) clearFaults(c *call) (any, error) {
	c.env.clearFaultsLocked()
	return noContent{}, nil
}

func (f *fault) size() int64 { return itemOverhead + textSize(f.ID, f.Operation, f.Code, f.Message) }

// clearFaultsLocked drops every pending fault.
func (en *env) clearFaultsLocked() {
	for _, f := range en.faults {
		en.acct.Give(f.size())
	}
	en.faults = nil
}

// takeFaultLocked consumes one use of the first fault for op, atomically:
// of n concurrent calls, exactly times of them get it.
func (en *env) takeFaultLocked(op string) *fault {
	for i, f := range en.faults {
		if f.Operation != op && f.Operation != "*" {
			continue
		}
		taken := *f
		f.Times--
		if f.Times <= 0 {
			en.faults = append(en.faults[:i:i], en.faults[i+1:]...)
			en.acct.Give(f.size())
		}
		return &taken
	}
	return nil
}

// kind names what f does, as the journal shows it.
func (f *fault) kind() string {
	var parts []string
	if f.DelayMs > 0 {
		parts = append(parts, "delay")
	}
	switch {
	case f.Status != 0:
		parts = append(parts, "error")
	case f.DropMessage:
		parts = append(parts, "dropMessage")
	}
	return strings.Join(parts, "+")
}

// applyFault delays, fails or marks the call as a fault for op says.
func (c *call) applyFault(op string) error {
	c.env.mu.Lock()
	f := c.env.takeFaultLocked(op)
	c.env.mu.Unlock()
	if f == nil {
		return nil
	}
	c.e.log.Debug("fault applied", "env", c.env.id, "operation", op, "status", f.Status, "delayMs", f.DelayMs, "dropMessage", f.DropMessage)
	c.fault = f.kind()
	if f.DelayMs > 0 {
		// The delay ends early when the request does, or the emulator stops.
		ctx, cancel := c.e.holdContext(c.r.Context())
		t := time.NewTimer(time.Duration(f.DelayMs) * time.Millisecond)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
		cancel()
	}
	if f.Status != 0 {
		return serverError(f.Status, f.Code, f.Message)
	}
	c.dropMessages = f.DropMessage
	return nil
}
