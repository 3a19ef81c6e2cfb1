package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/altogic-emulator/altogic-emulator/inbox"
)

// call is one request on its way to a handler.
type call struct {
	e         *Emulator
	operation string // its operationId
	envID     string
	env       *env // nil for global operations
	r         *http.Request
	body      []byte
	prefix    string // "" or "/e:{envId}"
	params    map[string]string
	values    url.Values // the parsed query, once asked for
	now       time.Time
	// dropMessages is set by a dropMessage fault: the call succeeds but
	// captures no email or SMS.
	dropMessages bool
	// fault names the fault the call met, for the journal.
	fault string
	// out holds what the call sends, delivered after the lock.
	out outbox
	// prepared is what the operation's prepare step left for its handler.
	prepared any
	// unchanged is set by a handler that answered without changing
	// anything (a page): its environment is then not kept for it.
	unchanged bool
}

// query answers a query parameter as Go decodes it.
// The query is parsed once per call, not at each lookup.
func (c *call) query(name string) string {
	if c.values == nil {
		c.values = c.r.URL.Query()
	}
	return c.values.Get(name)
}

// decode reads the JSON body, already checked by validation, into v.
func (c *call) decode(v any) error {
	if len(c.body) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		// The spec has let the body's types through, so this is a value
		// that does not fit, such as a whole number beyond 64 bits.
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			var fe fieldErrors
			fe.add(te.Field, "body", fmt.Sprintf("%s does not have a valid value (%s).", label(te.Field), te.Value))
			return fe.err()
		}
		return errBodyShape
	}
	return nil
}

// baseURL answers where links in emails point: the public URL, or the
// request's own scheme and host, with the environment prefix.
func (c *call) baseURL() string {
	base := c.e.publicURL
	if base == "" {
		scheme := "http"
		if c.r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + c.r.Host
	}
	return base + c.prefix
}

// queryEmail answers the email query parameter as Altogic reads it:
// decoded as a form value, so a "+" the client sent unencoded is a space,
// trimmed and lower-cased. The official client puts the address into the
// query of send-reset, send-magic and resend without encoding it, so
// qa+tag@example.com arrives as "qa tag@example.com", which Altogic refuses
// as not an email address. So does the emulator: a repaired address would
// pass here and fail in production. The log says what happened.
func (c *call) queryEmail() string {
	v := c.query("email")
	c.warnPlusDecoded("email", v)
	return normalizeEmail(v)
}

// queryPhone answers the phone query parameter as Altogic reads it:
// decoded, then trimmed. The client encodes it; a hand-written
// ?phone=+15555555555 arrives as " 15555555555", which is refused as not a
// phone number in international format, as Altogic refuses it.
func (c *call) queryPhone() string {
	v := c.query("phone")
	c.warnPlusDecoded("phone", v)
	return normalizePhone(v)
}

// warnPlusDecoded logs a WARN line when the raw query held a "+" in param
// that decoding turned into a space: the call is about to fail, as it does
// against Altogic, and the line says why and what to do.
func (c *call) warnPlusDecoded(param, decoded string) {
	if !strings.Contains(decoded, " ") || !rawParamHasPlus(c.r.URL.RawQuery, param) {
		return
	}
	why := "the official client puts email into the query without encoding it, and query decoding turns '+' into a space"
	workaround := "use addresses without '+' with this call, or encode the value (%2B for '+') if you build the URL yourself"
	if param == "phone" { // the client encodes phone: this URL was written by hand
		why = "query decoding turns an unencoded '+' into a space (the official client encodes phone; this request did not)"
		workaround = "encode the number (%2B15555555555 for +15555555555)"
	}
	c.e.log.Warn("a '+' in the "+param+" query parameter was decoded as a space, as Altogic decodes it, so the call fails as it does against Altogic",
		"env", c.env.id, "operation", c.operation, param, truncate(decoded, 300), "why", why, "workaround", workaround)
}

// rawParamHasPlus reports whether a value of param in the raw query string
// has a literal "+".
func rawParamHasPlus(rawQuery, param string) bool {
	for part := range strings.SplitSeq(rawQuery, "&") {
		if k, v, _ := strings.Cut(part, "="); k == param && strings.Contains(v, "+") {
			return true
		}
	}
	return false
}

// inboxFilter reads to and action. A "+" typed into a URL arrives as a space,
// and no address has one, so spaces are read back as "+".
func (c *call) inboxFilter() inbox.Filter {
	return inbox.Filter{
		To:     strings.TrimSpace(strings.ReplaceAll(c.query("to"), " ", "+")),
		Action: strings.TrimSpace(c.query("action")),
	}
}

// maxWait bounds how long latest may hold a request open.
const maxWait = 60 * time.Second

// waitParam reads wait: a Go duration ("5s", "1500ms") or whole seconds.
func (c *call) waitParam() (time.Duration, error) {
	s := strings.TrimSpace(c.query("wait"))
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if n, nerr := strconv.Atoi(s); nerr == nil {
		// Whole seconds, bounded before they are multiplied: 18446744074
		// must not wrap around into a short wait.
		d, err = -1, nil
		if n >= 0 && n <= int(maxWait/time.Second) {
			d = time.Duration(n) * time.Second
		}
	}
	if err != nil || d < 0 || d > maxWait {
		var fe fieldErrors
		fe.add("wait", "query", "Wait must be a duration from 0s to 60s, such as 5s or 1500ms.")
		return 0, fe.err()
	}
	return d, nil
}

// intParam reads a whole-number query parameter from min to max.
func (c *call) intParam(name string, def, min, max int) (int, error) {
	s := strings.TrimSpace(c.query(name))
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		var fe fieldErrors
		fe.add(name, "query", fmt.Sprintf("'%s' must be a whole number from %d to %d.", name, min, max))
		return 0, fe.err()
	}
	return n, nil
}
