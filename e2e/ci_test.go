package e2e

import (
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// The CI recipes of docs/ci.md live in testdata/ci/, and the page includes
// them verbatim. These tests need only Go (and bash for the shell recipe's
// syntax): they check what the recipes say, not that a CI service runs them
// (TestDockerImage runs the image as they do).

const gateJQ = `jq -e '.unexercisedApiOperations == []'`

// TestCIRecipesInDocs checks that docs/ci.md shows each recipe as it is.
func TestCIRecipesInDocs(t *testing.T) {
	doc := readRepoFile(t, "../docs/ci.md")
	for _, f := range []string{"github-actions.yml", "gitlab-ci.yml", "compose.yaml", "run-tests.sh"} {
		recipe := readRepoFile(t, "../testdata/ci/"+f)
		if !strings.Contains(doc, "\n```"+recipeFence(f)+"\n"+recipe+"```\n") {
			t.Errorf("docs/ci.md does not include testdata/ci/%s verbatim in a ```%s block", f, recipeFence(f))
		}
	}
}

func recipeFence(file string) string {
	if strings.HasSuffix(file, ".sh") {
		return "sh"
	}
	return "yaml"
}

// TestComposeRecipe: the app waits for the emulator's health check, and
// reaches it under its service name, which is the public URL.
func TestComposeRecipe(t *testing.T) {
	var compose struct {
		Services map[string]struct {
			Build       string
			Image       string
			Environment map[string]string
			Ports       []string
			Healthcheck struct {
				Test []string
			}
			DependsOn map[string]struct{ Condition string } `yaml:"depends_on"`
		}
	}
	parseRecipe(t, "../testdata/ci/compose.yaml", &compose)
	emulator, ok := compose.Services["emulator"]
	if !ok {
		t.Fatal("no service emulator")
	}
	if emulator.Build == "" {
		t.Error("the emulator service builds no image (the project publishes none)")
	}
	if want := append([]string{"CMD"}, dockerfileHealthCheck(t)...); !slices.Equal(emulator.Healthcheck.Test, want) {
		t.Errorf("the emulator's health check is %q, not the image's %q", emulator.Healthcheck.Test, want)
	}
	checkEnvironment(t, "compose.yaml", emulator.Environment)
	public := emulator.Environment["ALTOGIC_EMULATOR_PUBLIC_URL"]
	checkServiceURL(t, "compose.yaml's public URL", public, "emulator")
	checkPorts(t, "compose.yaml", emulator.Ports, emulator.Environment)

	app, ok := compose.Services["app"]
	if !ok {
		t.Fatal("no service app")
	}
	if got := app.DependsOn["emulator"].Condition; got != "service_healthy" {
		t.Errorf("app depends on the emulator with condition %q, want service_healthy", got)
	}
	if app.Environment["EMULATOR_URL"] != public {
		t.Errorf("the app's EMULATOR_URL %q is not the emulator's public URL %q", app.Environment["EMULATOR_URL"], public)
	}
}

type ghStep struct {
	ID   string
	Name string
	Uses string
	Run  string
	With map[string]string
}

// TestGitHubActionsRecipe: one job builds and pushes the image, the test
// job runs it as a service (GitHub waits for its health check) and runs
// the tests, then the coverage gate.
func TestGitHubActionsRecipe(t *testing.T) {
	var workflow struct {
		Jobs map[string]struct {
			Needs    any
			Outputs  map[string]string
			Env      map[string]string
			Services map[string]struct {
				Image   string
				Ports   []string
				Options string
				Env     map[string]string
			}
			Steps []ghStep
		}
	}
	parseRecipe(t, "../testdata/ci/github-actions.yml", &workflow)

	build, ok := workflow.Jobs["emulator-image"]
	if !ok {
		t.Fatal("no job emulator-image")
	}
	image := "${{ steps.name.outputs.image }}"
	if build.Outputs["image"] != image {
		t.Errorf("emulator-image's output image is %q, want %q", build.Outputs["image"], image)
	}
	checkInOrder(t, "the steps of emulator-image", ghRuns(build.Steps),
		"actions/checkout", "id=name", "docker login", "docker build -t \""+image+"\"", "docker push \""+image+"\"")
	if build.Steps[0].With["repository"] == "" {
		t.Error("emulator-image checks out this repository, not the emulator's")
	}

	test, ok := workflow.Jobs["test"]
	if !ok {
		t.Fatal("no job test")
	}
	if test.Needs != "emulator-image" {
		t.Errorf("the test job needs %v, want emulator-image", test.Needs)
	}
	service, ok := test.Services["emulator"]
	if !ok {
		t.Fatal("the test job has no service emulator")
	}
	if want := "${{ needs.emulator-image.outputs.image }}"; service.Image != want {
		t.Errorf("the service runs %q, want the image built: %q", service.Image, want)
	}
	// The image has no shell, so --health-cmd (run by a shell) cannot work:
	// the service keeps the image's health check and may tune its timing.
	if strings.Contains(service.Options, "--health-cmd") || !strings.Contains(service.Options, "--health-interval") {
		t.Errorf("the service's options %q should tune the image's health check (--health-interval), not replace it", service.Options)
	}
	checkEnvironment(t, "github-actions.yml", service.Env)
	checkPorts(t, "github-actions.yml", service.Ports, service.Env)
	checkServiceURL(t, "github-actions.yml's EMULATOR_URL", test.Env["EMULATOR_URL"], "127.0.0.1")
	checkInOrder(t, "the steps of test", ghRuns(test.Steps),
		"actions/checkout", "npm ci", "/_emulator/health", "npm test", "/_emulator/coverage\" | "+gateJQ)
}

// ghRuns answers what each step does, as one string.
func ghRuns(steps []ghStep) []string {
	var runs []string
	for _, s := range steps {
		runs = append(runs, s.Uses+" "+s.Run+" id="+s.ID)
	}
	return runs
}

// TestGitLabCIRecipe: the build stage pushes the image that the test job
// runs as a service under the alias of its public URL; the test job waits
// for its health, runs the tests, then the coverage gate.
func TestGitLabCIRecipe(t *testing.T) {
	type service struct {
		Name      string
		Alias     string
		Variables map[string]string
	}
	var pipeline struct {
		Stages []string
		Build  struct {
			Stage  string
			Script []string
		} `yaml:"emulator-image"`
		Test struct {
			Stage     string
			Services  []service
			Variables map[string]string
			Script    []string
		}
	}
	parseRecipe(t, "../testdata/ci/gitlab-ci.yml", &pipeline)
	if !slices.Equal(pipeline.Stages, []string{"build", "test"}) {
		t.Errorf("stages %q, want build then test", pipeline.Stages)
	}
	if pipeline.Build.Stage != "build" || pipeline.Test.Stage != "test" {
		t.Errorf("emulator-image runs in stage %q and test in %q, want build and test", pipeline.Build.Stage, pipeline.Test.Stage)
	}
	if len(pipeline.Test.Services) != 1 {
		t.Fatalf("the test job has %d services, want the emulator", len(pipeline.Test.Services))
	}
	emulator := pipeline.Test.Services[0]
	image := `"` + emulator.Name + `"`
	checkInOrder(t, "the script of emulator-image", pipeline.Build.Script,
		"git clone", "docker login", "docker build -t "+image, "docker push "+image)
	if emulator.Alias != "emulator" {
		t.Errorf("the service's alias is %q, want emulator", emulator.Alias)
	}
	checkEnvironment(t, "gitlab-ci.yml", emulator.Variables)
	checkServiceURL(t, "gitlab-ci.yml's public URL", emulator.Variables["ALTOGIC_EMULATOR_PUBLIC_URL"], emulator.Alias)
	if got, want := pipeline.Test.Variables["EMULATOR_URL"], emulator.Variables["ALTOGIC_EMULATOR_PUBLIC_URL"]; got != want {
		t.Errorf("the test job's EMULATOR_URL %q is not the emulator's public URL %q", got, want)
	}
	checkInOrder(t, "the script of test", pipeline.Test.Script,
		"/_emulator/health", "npm ci", "npm test", "/_emulator/coverage\" | "+gateJQ)
}

// TestShellRecipe: run-tests.sh is valid bash, builds the binary, starts it
// with flags that exist, waits for its health, runs the suite, stops it
// with kill and wait, and gates on the coverage report.
func TestShellRecipe(t *testing.T) {
	const file = "../testdata/ci/run-tests.sh"
	script := readRepoFile(t, file)
	if bash, err := exec.LookPath("bash"); err != nil {
		t.Log("no bash here: the syntax of run-tests.sh is not checked")
	} else if out, err := exec.Command(bash, "-n", file).CombinedOutput(); err != nil {
		t.Errorf("bash -n run-tests.sh: %v\n%s", err, out)
	}
	lines := strings.Split(script, "\n")
	checkInOrder(t, "run-tests.sh", lines,
		"go build -o ./altogic-emulator .",
		`"$emulator" --addr "$addr" --coverage-out "$report" &`,
		`"$emulator" --check-health --addr "$addr"`,
		`"$@"`,
		`kill "$pid"`,
		`wait "$pid"`,
		gateJQ+` "$report"`)
	flags := emulatorFlags(t)
	for _, line := range lines {
		if !strings.Contains(line, `"$emulator"`) {
			continue
		}
		for _, flag := range regexp.MustCompile(`--([a-z][a-z-]*)`).FindAllStringSubmatch(line, -1) {
			if !flags[flag[1]] {
				t.Errorf("run-tests.sh passes --%s, which the emulator does not have: %s", flag[1], strings.TrimSpace(line))
			}
		}
	}
}

// checkInOrder fails t unless each of wants is in one of lines, after the line
// of the one before.
func checkInOrder(t *testing.T, what string, lines []string, wants ...string) {
	t.Helper()
	from := 0
	for _, want := range wants {
		i := slices.IndexFunc(lines[from:], func(l string) bool { return strings.Contains(l, want) })
		if i < 0 {
			t.Errorf("%s: no %q after %q", what, want, lines[max(from-1, 0)])
			return
		}
		from += i + 1
	}
}

// checkEnvironment fails t for a variable ALTOGIC_EMULATOR_<NAME> that names
// no flag of the emulator.
func checkEnvironment(t *testing.T, file string, env map[string]string) {
	t.Helper()
	flags := emulatorFlags(t)
	for name := range env {
		flag, ok := strings.CutPrefix(name, "ALTOGIC_EMULATOR_")
		if ok && !flags[strings.ReplaceAll(strings.ToLower(flag), "_", "-")] {
			t.Errorf("%s sets %s, which names no flag of the emulator", file, name)
		}
	}
}

// checkPorts fails t for a published port that is not on loopback when no
// admin token is set.
func checkPorts(t *testing.T, file string, ports []string, env map[string]string) {
	t.Helper()
	if env["ALTOGIC_EMULATOR_ADMIN_TOKEN"] != "" {
		return
	}
	for _, p := range ports {
		if !strings.HasPrefix(p, "127.0.0.1:") {
			t.Errorf("%s publishes %q beyond loopback without ALTOGIC_EMULATOR_ADMIN_TOKEN", file, p)
		}
	}
}

// checkServiceURL fails t unless u is http://host:8484.
func checkServiceURL(t *testing.T, what, u, host string) {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil || parsed.Scheme != "http" || parsed.Hostname() != host || parsed.Port() != "8484" || strings.Trim(parsed.Path, "/") != "" {
		t.Errorf("%s is %q, want http://%s:8484", what, u, host)
	}
}

// dockerfileHealthCheck answers the command of the Dockerfile's HEALTHCHECK.
func dockerfileHealthCheck(t *testing.T) []string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^HEALTHCHECK [^\n]*(?:\\\n[^\n]*)*?CMD (\[[^\n]*\])`).FindStringSubmatch(readRepoFile(t, "../Dockerfile"))
	if m == nil {
		t.Fatal("no HEALTHCHECK ... CMD [...] in the Dockerfile")
	}
	var cmd []string
	if err := json.Unmarshal([]byte(m[1]), &cmd); err != nil {
		t.Fatalf("the Dockerfile's HEALTHCHECK command %s: %v", m[1], err)
	}
	return cmd
}

// emulatorFlags answers the flags the emulator's --help lists.
func emulatorFlags(t *testing.T) map[string]bool {
	t.Helper()
	out, _ := exec.Command(binary(t), "--help").CombinedOutput()
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+-([a-z][a-z-]*)`).FindAllStringSubmatch(string(out), -1) {
		flags[m[1]] = true
	}
	for _, f := range []string{"addr", "coverage-out", "check-health", "public-url", "admin-token"} {
		if !flags[f] {
			t.Fatalf("--help lists no --%s:\n%s", f, out)
		}
	}
	return flags
}

func parseRecipe(t *testing.T, file string, v any) {
	t.Helper()
	if err := yaml.Unmarshal([]byte(readRepoFile(t, file)), v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func readRepoFile(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
