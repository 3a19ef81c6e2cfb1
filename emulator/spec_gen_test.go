package emulator

import (
	"bytes"
	"os"
	"testing"

	"github.com/altogic-emulator/altogic-emulator/internal/specgen"
)

// The emulator builds its document from spec_gen.go rather than parsing
// openapi.yaml at start-up: these tests keep the two the same.

func TestGeneratedSpecIsCurrent(t *testing.T) {
	want, err := specgen.Generate(specYAML, "emulator", "specDocument", "openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile("spec_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, want) {
		t.Fatal("spec_gen.go is not what openapi.yaml generates: run go generate ./emulator")
	}
}

func TestGeneratedSpecIsWhatTheLoaderBuilds(t *testing.T) {
	loaded, err := specgen.Load(specYAML)
	if err != nil {
		t.Fatal(err)
	}
	if err := specgen.Compare(loaded, specDocument()); err != nil {
		t.Fatalf("spec_gen.go builds another document than kin-openapi's loader: %v", err)
	}
}
