package spec

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/altogic-emulator/altogic-emulator/internal/specgen"
)

// The emulator builds its document from spec_gen.go rather than parsing
// openapi.yaml at start-up: these tests keep the two the same.

func TestGeneratedSpecIsCurrent(t *testing.T) {
	want, err := specgen.Generate(yamlText, "spec", "document", "openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile("spec_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, want) {
		t.Fatal("spec_gen.go is not what openapi.yaml generates: run go generate ./emulator/internal/spec")
	}
}

func TestGeneratedSpecIsWhatTheLoaderBuilds(t *testing.T) {
	loaded, err := specgen.Load(yamlText)
	if err != nil {
		t.Fatal(err)
	}
	if err := specgen.Compare(loaded, document()); err != nil {
		t.Fatalf("spec_gen.go builds another document than kin-openapi's loader: %v", err)
	}
}

func TestCopyMatchesTopLevelSpec(t *testing.T) {
	top, err := os.ReadFile("../../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(top, yamlText) {
		t.Fatal("emulator/internal/spec/openapi.yaml differs from the top-level openapi.yaml: run go generate ./emulator/internal/spec")
	}
}

func TestSpecIsValid(t *testing.T) {
	s := Shared()
	if err := s.Doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not valid: %v", err)
	}
	if _, err := s.router(); err != nil {
		t.Fatalf("openapi.yaml routes: %v", err)
	}
}
