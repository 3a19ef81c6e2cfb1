package e2e

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// goImageVar names the builder image the Docker test builds with.
const goImageVar = "ALTOGIC_EMULATOR_GO_IMAGE"

// TestDockerImage builds the image of the Dockerfile, runs it with an admin
// token and the fixtures of testdata/e2e.yaml, waits for its own health
// check to report healthy, runs the official client's suite against it,
// checks that the control plane wants the token, and stops it: it must exit
// 0. The container shares the host's network (--network host), so it works
// on engines that cannot publish ports, and listens on a free loopback port.
//
// The builder image (the Dockerfile's GO_IMAGE) is $ALTOGIC_EMULATOR_GO_IMAGE
// when set; else local/go-builder:<this Go version> when the engine has one
// (a builder made from the local Go toolchain, for engines that cannot pull
// from a registry); else the Dockerfile's default, golang:1.26.
//
// It needs a Docker engine, so it runs when ALTOGIC_EMULATOR_DOCKER=1 too,
// which ./test.sh sets when `docker info` answers (and says loudly when it
// does not).
func TestDockerImage(t *testing.T) {
	needE2E(t)
	if os.Getenv("ALTOGIC_EMULATOR_DOCKER") != "1" {
		t.Skip("the Docker image test: set ALTOGIC_EMULATOR_DOCKER=1 with a Docker engine running (./test.sh does when `docker info` answers)")
	}
	start := time.Now()
	needDocker(t)
	node := needNode(t)
	fixtures, err := filepath.Abs("../testdata/e2e.yaml")
	if err != nil {
		t.Fatal(err)
	}

	suffix := fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	image := "altogic-emulator-test:" + suffix
	t.Cleanup(func() { dockerCmd(t, "rmi", "--force", image) })
	build := []string{"build", "--network", "host", "-t", image}
	goImage := os.Getenv(goImageVar)
	if goImage == "" {
		local := "local/go-builder:" + strings.TrimPrefix(runtime.Version(), "go")
		if exec.Command("docker", "image", "inspect", local).Run() == nil {
			goImage = local
		}
	}
	if goImage != "" {
		build = append(build, "--build-arg", "GO_IMAGE="+goImage)
	}
	phase := time.Now()
	if out, err := dockerOut(10*time.Minute, append(build, "..")...); err != nil {
		t.Fatalf("docker %s: %v\n%s\nThe builder image is %q: set %s to a Go 1.26 image this engine has or can pull.",
			strings.Join(build, " "), err, lastLines(out, 40), orDefault(goImage, "golang:1.26 (the Dockerfile's default)"), goImageVar)
	}
	t.Logf("docker build (builder %s): %s", orDefault(goImage, "golang:1.26"), time.Since(phase).Round(time.Second))

	checkImageConfig(t, image)

	// The image's health check asks 127.0.0.1:8484. Here the container
	// shares the host's network and listens on a free port, so it runs an
	// image derived from it whose health check asks that port, and every
	// second rather than every 10 s; its binary, user and entry point are
	// those of the image under test.
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	probed := image + "-port"
	t.Cleanup(func() { dockerCmd(t, "rmi", "--force", probed) })
	derive := fmt.Sprintf("FROM %s\nHEALTHCHECK --interval=1s --timeout=3s --retries=3 CMD [\"/altogic-emulator\", \"--check-health\", \"--addr\", %q]\n", image, addr)
	cmd := exec.Command("docker", "build", "-t", probed, "-")
	cmd.Stdin = strings.NewReader(derive)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker build of the health check for %s: %v\n%s", addr, err, out)
	}

	token := randomToken(t)
	name := "altogic-emulator-test-" + suffix
	t.Cleanup(func() { dockerCmd(t, "rm", "--force", name) })
	phase = time.Now()
	health := awaitHealth(t, name, 90*time.Second)
	if out, err := dockerOut(time.Minute, "run", "-d", "--name", name, "--network", "host",
		"-v", fixtures+":/fixtures/e2e.yaml:ro", probed,
		"--addr", addr, "--admin-token", token, "--fixtures", "/fixtures/e2e.yaml"); err != nil {
		t.Fatalf("docker run: %v\n%s", err, out)
	}
	if err := <-health; err != nil {
		out, _ := dockerOut(time.Minute, "logs", name)
		state, _ := dockerOut(time.Minute, "inspect", "-f", "{{json .State}}", name)
		t.Fatalf("%v\ndocker logs:\n%s\nstate: %s", err, out, state)
	}
	if status := strings.TrimSpace(dockerCmd(t, "inspect", "-f", "{{.State.Health.Status}}", name)); status != "healthy" {
		t.Fatalf("docker inspect: the health status is %q after the healthy event", status)
	}
	t.Logf("docker run to healthy: %s", time.Since(phase).Round(100*time.Millisecond))
	url := "http://" + addr
	if logs := dockerCmd(t, "logs", name); !strings.Contains(logs, "listening on "+url+" with 4 fixture users") {
		t.Fatalf("the start line does not name %s and the 4 users of testdata/e2e.yaml:\n%s", url, logs)
	}

	// The control plane wants the token; health and the Altogic API do not.
	for _, c := range []struct {
		path, auth string
		want       int
	}{
		{"/_emulator/inbox/emails", "", http.StatusUnauthorized},
		{"/_emulator/inbox/emails", "Bearer wrong-" + token, http.StatusUnauthorized},
		{"/_emulator/inbox/emails", "Bearer " + token, http.StatusOK},
		{"/api/v2/messages", "", http.StatusUnauthorized},
		{"/api/v2/messages", "Bearer " + token, http.StatusOK},
		{"/_emulator/inbox/emails?admin_token=" + token, "", http.StatusOK},
		{"/_emulator/health", "", http.StatusOK},
	} {
		req, _ := http.NewRequest(http.MethodGet, url+c.path, nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.want {
			t.Errorf("GET %s (Authorization %q): %s, want %d: %s", c.path, redact(c.auth, token), res.Status, c.want, body)
		}
	}

	// The official client's suite, with the token added to its control
	// plane requests by a preloaded module (the suite itself knows no token).
	phase = time.Now()
	preload := filepath.Join(t.TempDir(), "admin-token.js")
	if err := os.WriteFile(preload, []byte(adminTokenPreload), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "official-client.test.js")
	run.Env = append(os.Environ(), "EMULATOR_URL="+url, "EMULATOR_ADMIN_TOKEN="+token,
		"NODE_OPTIONS=--require "+preload)
	out, err := run.CombinedOutput()
	t.Logf("node --test official-client.test.js against the container (%s):\n%s", time.Since(phase).Round(100*time.Millisecond), out)
	if err != nil {
		t.Fatalf("official-client.test.js failed against the container: %v", err)
	}
	if !regexp.MustCompile(`(?m)^ℹ pass [1-9]`).Match(out) || !regexp.MustCompile(`(?m)^ℹ fail 0$`).Match(out) {
		t.Fatal("official-client.test.js ran no passing test, or some failed")
	}

	// docker stop sends SIGTERM: a graceful shutdown exits 0.
	phase = time.Now()
	dockerCmd(t, "stop", name)
	if code := strings.TrimSpace(dockerCmd(t, "inspect", "-f", "{{.State.ExitCode}}", name)); code != "0" {
		t.Fatalf("the container exited %s after docker stop, want 0:\n%s", code, dockerCmd(t, "logs", name))
	}
	if logs := dockerCmd(t, "logs", name); !strings.Contains(logs, `msg="shutting down"`) {
		t.Fatalf("no shutdown logged:\n%s", logs)
	}
	t.Logf("docker stop: %s; the whole test: %s", time.Since(phase).Round(100*time.Millisecond), time.Since(start).Round(time.Second))
}

// adminTokenPreload, loaded with node --require, adds
// "Authorization: Bearer $EMULATOR_ADMIN_TOKEN" to every fetch of the
// control plane (/_emulator/…, the MailHog API /api/v1, /api/v2), as a test
// suite of an app does against an emulator started with --admin-token.
const adminTokenPreload = `"use strict";
const token = process.env.EMULATOR_ADMIN_TOKEN;
const plain = globalThis.fetch;
const controlPlane = /^(\/e:[^/]+)?\/(_emulator|api\/v[12])(\/|$)/;
globalThis.fetch = (input, init = {}) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (!controlPlane.test(url.pathname)) return plain(input, init);
  const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
  headers.set("Authorization", "Bearer " + token);
  return plain(input, { ...init, headers });
};
`

// needDocker fails t, saying how to get one, unless the docker command
// reaches a running engine.
func needDocker(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("docker"); err != nil {
		t.Fatal("the Docker test needs the docker command and a running Docker engine: install Docker Engine (https://docs.docker.com/engine/install/) and start it")
	}
	out, err := dockerOut(30*time.Second, "version", "--format", "{{.Server.Version}}")
	if err != nil {
		t.Fatalf("the Docker test needs a running Docker engine that the docker command can reach (start it: sudo systemctl start docker, or dockerd; `docker version` must show a Server; or set DOCKER_HOST): %v\n%s", err, out)
	}
	t.Logf("Docker engine %s", strings.TrimSpace(out))
}

// needNode answers the path of node, failing t unless it and the e2e npm
// packages are installed.
func needNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is needed for the end-to-end tests: install Node.js 20 or later")
	}
	if _, err := os.Stat("node_modules/altogic/package.json"); err != nil {
		t.Fatal("the end-to-end test packages are not installed: run `npm ci --prefix e2e` first")
	}
	return node
}

// checkImageConfig checks what the Dockerfile promises of the final image:
// a non-root user, port 8484, the health check and the entry point.
func checkImageConfig(t *testing.T, image string) {
	t.Helper()
	var config struct {
		User         string
		ExposedPorts map[string]struct{}
		Entrypoint   []string
		Healthcheck  struct{ Test []string }
	}
	if err := json.Unmarshal([]byte(dockerCmd(t, "image", "inspect", "-f", "{{json .Config}}", image)), &config); err != nil {
		t.Fatal(err)
	}
	if config.User != "65532:65532" {
		t.Errorf("the image runs as %q, want 65532:65532", config.User)
	}
	if _, ok := config.ExposedPorts["8484/tcp"]; !ok {
		t.Errorf("the image exposes %v, want 8484/tcp", config.ExposedPorts)
	}
	if want := []string{"/altogic-emulator", "--addr", "0.0.0.0:8484"}; !slices.Equal(config.Entrypoint, want) {
		t.Errorf("the entry point is %q, want %q", config.Entrypoint, want)
	}
	if want := []string{"CMD", "/altogic-emulator", "--check-health", "--addr", "127.0.0.1:8484"}; !slices.Equal(config.Healthcheck.Test, want) {
		t.Errorf("the health check is %q, want %q", config.Healthcheck.Test, want)
	}
	var layers []string
	if err := json.Unmarshal([]byte(dockerCmd(t, "image", "inspect", "-f", "{{json .RootFS.Layers}}", image)), &layers); err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 {
		t.Errorf("the image has %d layers, want 1 (the binary on an empty base)", len(layers))
	}
}

// awaitHealth follows the engine's events for the container name (from
// now, so the container may be started after the call) and reports nil when
// its health check says healthy, or an error when it says unhealthy, when
// the container dies or after timeout. Docker has no way to wait for a
// health status but its events.
func awaitHealth(t *testing.T, name string, timeout time.Duration) <-chan error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	since := fmt.Sprint(time.Now().Add(-time.Second).Unix())
	cmd := exec.CommandContext(ctx, "docker", "events", "--since", since,
		"--filter", "container="+name, "--filter", "event=health_status", "--filter", "event=die",
		"--format", "{{.Action}}")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		defer func() { cancel(); cmd.Wait() }()
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			switch action := strings.TrimSpace(sc.Text()); action {
			case "health_status: healthy":
				done <- nil
				return
			case "health_status: unhealthy", "die":
				done <- fmt.Errorf("the container reported %q before healthy", action)
				return
			}
		}
		done <- fmt.Errorf("no healthy event within %s (docker events: %v)", timeout, ctx.Err())
	}()
	return done
}

// dockerCmd runs the docker command, failing t on an error, and answers its
// standard output.
func dockerCmd(t *testing.T, args ...string) string {
	t.Helper()
	out, err := dockerOut(2*time.Minute, args...)
	if err != nil {
		t.Errorf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// dockerOut runs the docker command within timeout and answers its output,
// standard error included.
func dockerOut(timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	return string(out), err
}

// freePort answers a TCP port of 127.0.0.1 that nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func randomToken(t *testing.T) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// lastLines answers the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func orDefault(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

func redact(s, secret string) string { return strings.ReplaceAll(s, secret, "<token>") }
