package emulator

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/smtp"
	"sync"
	"time"

	"github.com/altogic-emulator/altogic-emulator/inbox"
)

// SMTP relay: every captured email is also delivered, as a MIME message, to
// a real SMTP server (a team's Mailpit or MailHog). Delivery runs behind the
// API call: a failure never fails the call nor loses the captured email; it
// is logged and shown on the inbox entry (Email.Relay).

// Relay configures the SMTP relay.
type Relay struct {
	// Addr is the SMTP server's host:port.
	Addr string
	// Username and Password, when set, authenticate with PLAIN (which Go
	// allows only over TLS or to localhost).
	Username, Password string
	// TLS is "none" (plain SMTP), "starttls" (required), "tls" (implicit
	// TLS, as on port 465) or "" (STARTTLS when the server offers it).
	TLS string
	// InsecureSkipVerify accepts any server certificate, for local servers
	// with self-signed ones.
	InsecureSkipVerify bool
	// Timeout bounds one delivery; zero means 10 seconds.
	Timeout time.Duration
}

func (r *Relay) validate() error {
	if _, _, err := net.SplitHostPort(r.Addr); err != nil {
		return fmt.Errorf("SMTP relay address %q must be host:port: %w", r.Addr, err)
	}
	switch r.TLS {
	case "", "none", "starttls", "tls":
	default:
		return fmt.Errorf("SMTP relay TLS mode %q must be none, starttls or tls", r.TLS)
	}
	return nil
}

// relayJob is one email to deliver, with the box that holds it (where its
// status goes) and its environment's clock (when the status was set).
type relayJob struct {
	box   *inbox.Box[inbox.Email]
	now   func() time.Time
	email inbox.Email
}

// relayer delivers emails one at a time from a bounded queue.
type relayer struct {
	cfg    Relay
	log    *slog.Logger
	queue  chan relayJob
	done   chan struct{}
	closed sync.Once
	// onDelivered, when set (by tests), is called after each attempt.
	onDelivered func(inbox.Email)
}

const relayQueue = 1000

func newRelayer(cfg Relay, log *slog.Logger) *relayer {
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	r := &relayer{cfg: cfg, log: log, queue: make(chan relayJob, relayQueue), done: make(chan struct{})}
	go r.run()
	return r
}

// pending is the relay status of an email captured while a relay is set:
// it is stored with the email, and enqueue's job writes the outcome.
var pending = inbox.RelayStatus{Status: "pending"}

// enqueue hands a captured email to the relay, or marks it failed when the
// queue is full.
func (r *relayer) enqueue(job relayJob) {
	select {
	case r.queue <- job:
	default:
		r.finish(job, errors.New("the relay queue is full"))
	}
}

func (r *relayer) run() {
	defer close(r.done)
	for job := range r.queue {
		if stored, ok := job.box.Get(job.email.ID); ok {
			job.email = stored // with its bodies
		} else {
			job.email = job.email.Filled() // gone from the inbox meanwhile
		}
		r.finish(job, r.deliver(job.email))
	}
}

// finish writes the outcome of a delivery into the email's relay status.
func (r *relayer) finish(job relayJob, err error) {
	m := job.email
	st := inbox.RelayStatus{Status: "sent", At: job.now().UTC()}
	if err != nil {
		st.Status, st.Error = "failed", err.Error()
		r.log.Warn("email relay failed", "to", m.To, "action", m.Action, "relay", r.cfg.Addr, "error", err, "id", m.ID)
	} else {
		r.log.Info("email relayed", "to", m.To, "action", m.Action, "relay", r.cfg.Addr, "id", m.ID)
	}
	if stored, ok := job.box.Update(m.ID, func(e *inbox.Email) { e.Relay = &st }); ok {
		m = stored
	} else {
		m.Relay = &st // gone from the inbox meanwhile
	}
	if r.onDelivered != nil {
		r.onDelivered(m)
	}
}

// deliver sends one message over SMTP.
func (r *relayer) deliver(m inbox.Email) error {
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.Timeout)
	defer cancel()
	host, _, _ := net.SplitHostPort(r.cfg.Addr)
	tlsConfig := &tls.Config{ServerName: host, InsecureSkipVerify: r.cfg.InsecureSkipVerify}
	var conn net.Conn
	var err error
	if r.cfg.TLS == "tls" {
		conn, err = (&tls.Dialer{Config: tlsConfig}).DialContext(ctx, "tcp", r.cfg.Addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", r.cfg.Addr)
	}
	if err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	// net/smtp reads a reply line however long it is: what the server may
	// send is bounded, so a hostile one cannot make the emulator hold an
	// endless greeting.
	conn = &boundedConn{Conn: conn, left: maxRelayReplies}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello(mimeHost); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); r.cfg.TLS == "starttls" || (r.cfg.TLS == "" && ok) {
		if err := c.StartTLS(tlsConfig); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if r.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", r.cfg.Username, r.cfg.Password, host)); err != nil {
			return fmt.Errorf("authentication: %w", err)
		}
	}
	if err := c.Mail(senderAddress); err != nil {
		return err
	}
	if err := c.Rcpt(m.To); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(mimeMessage(m)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// maxRelayReplies bounds the bytes an SMTP server may send during one
// delivery: its replies are a few hundred.
const maxRelayReplies = 64 << 10

// boundedConn fails reads past a number of bytes.
type boundedConn struct {
	net.Conn
	left int
}

func (c *boundedConn) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, fmt.Errorf("the SMTP server sent more than %d bytes of replies", maxRelayReplies)
	}
	if len(p) > c.left {
		p = p[:c.left]
	}
	n, err := c.Conn.Read(p)
	c.left -= n
	return n, err
}

// close stops taking emails and waits (until ctx ends) for the queued ones.
func (r *relayer) close(ctx context.Context) error {
	r.closed.Do(func() { close(r.queue) })
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("SMTP relay: %d emails not delivered before shutdown", len(r.queue))
	}
}
