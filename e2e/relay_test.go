package e2e

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestSMTPRelayToMailpit relays a reset email into a real Mailpit started
// on loopback (go install github.com/axllent/mailpit@v1.33.1; test.sh puts
// it in .bin/): over plain SMTP, and over STARTTLS with authentication.
func TestSMTPRelayToMailpit(t *testing.T) {
	needE2E(t)
	mailpit := os.Getenv("MAILPIT")
	if mailpit == "" {
		if p, err := exec.LookPath("mailpit"); err == nil {
			mailpit = p
		} else {
			mailpit, _ = filepath.Abs(filepath.Join("..", ".bin", "mailpit"))
		}
	}
	if _, err := os.Stat(mailpit); err != nil {
		t.Fatalf("Mailpit is needed: GOBIN=$PWD/.bin go install github.com/axllent/mailpit@v1.33.1 (or set MAILPIT): %v", err)
	}
	t.Run("plain", func(t *testing.T) {
		smtpAddr, httpAddr := startMailpit(t, mailpit)
		relayReset(t, httpAddr, "--smtp-relay", smtpAddr, "--smtp-tls", "none")
	})
	t.Run("STARTTLS and authentication", func(t *testing.T) {
		cert, key := selfSignedCert(t)
		smtpAddr, httpAddr := startMailpit(t, mailpit, "--smtp-tls-cert", cert, "--smtp-tls-key", key,
			"--smtp-require-starttls", "--smtp-auth-accept-any")
		relayReset(t, httpAddr, "--smtp-relay", smtpAddr, "--smtp-tls", "starttls", "--smtp-insecure",
			"--smtp-username", "team", "--smtp-password", "relay-secret")
	})
}

// startMailpit starts Mailpit on two free loopback ports and waits until
// it says both servers are up.
func startMailpit(t *testing.T, bin string, args ...string) (smtpAddr, httpAddr string) {
	smtpAddr, httpAddr = freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	args = append([]string{"--smtp", smtpAddr, "--listen", httpAddr, "--database", filepath.Join(t.TempDir(), "mailpit.db")}, args...)
	cmd := exec.CommandContext(ctx, bin, args...)
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	for up := 0; up < 2; {
		if !sc.Scan() {
			t.Fatal("Mailpit stopped before it was up")
		}
		line := sc.Text()
		if strings.Contains(line, "[smtpd] starting on") || strings.Contains(line, "[http] accessible via") {
			up++
		}
	}
	go io.Copy(io.Discard, out)
	return smtpAddr, httpAddr
}

// relayReset starts the emulator with the relay flags, sends a reset email
// and checks Mailpit's copy and the inbox entry's relay status.
func relayReset(t *testing.T, mailpitHTTP string, relayFlags ...string) {
	s := startEmulator(t, relayFlags...)
	req, _ := http.NewRequest("POST", s.url+"/_api/rest/v1/auth/send-reset?email=verified@example.com", nil)
	req.Header.Set("X-Client-Key", "k")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("send-reset: %v %v", res, err)
	}
	s.awaitLine(t, "email relayed", "email relay failed")
	var list struct {
		Messages []struct {
			ID      string
			Subject string
			To      []struct{ Address string }
			From    struct{ Address string }
		}
	}
	getJSON(t, "http://"+mailpitHTTP+"/api/v1/messages", &list)
	if len(list.Messages) != 1 || list.Messages[0].Subject != "Reset your password" ||
		list.Messages[0].To[0].Address != "verified@example.com" || list.Messages[0].From.Address != "noreply@mail.app.altogic.com" {
		t.Fatalf("Mailpit has %+v", list.Messages)
	}
	var msg struct {
		Text, HTML string
		MessageID  string
	}
	getJSON(t, "http://"+mailpitHTTP+"/api/v1/message/"+list.Messages[0].ID, &msg)
	link := regexp.MustCompile(`http://\S+/_auth/verify\?key=[0-9a-f]+&action=reset-pwd`).FindString(msg.Text)
	if link == "" || !strings.Contains(msg.HTML, "Reset password") || !strings.HasSuffix(msg.MessageID, "@altogic-emulator") {
		t.Fatalf("Mailpit's copy: %+v", msg)
	}
	entry := struct{ Relay struct{ Status string } }{}
	getJSON(t, s.url+"/_emulator/inbox/emails/latest", &entry)
	if entry.Relay.Status != "sent" {
		t.Fatalf("inbox entry relay status %q", entry.Relay.Status)
	}
	// The link in Mailpit's copy works.
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(link)
	if err != nil || res.StatusCode != 302 || !strings.Contains(res.Header.Get("Location"), "action=reset-pwd&access_token=") {
		t.Fatalf("following Mailpit's link: %v %v", res, err)
	}
}

// selfSignedCert writes a certificate and key for 127.0.0.1 and answers
// their files.
func selfSignedCert(t *testing.T) (certFile, keyFile string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	return certFile, keyFile
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
