//go:build ignore

// gen writes spec_gen.go, the Go code that builds openapi.yaml's
// document without parsing it (go generate ./emulator/internal/spec).
package main

import (
	"log"
	"os"

	"github.com/altogic-emulator/altogic-emulator/internal/specgen"
)

func main() {
	spec, err := os.ReadFile("openapi.yaml")
	if err != nil {
		log.Fatal(err)
	}
	src, err := specgen.Generate(spec, "spec", "document", "openapi.yaml")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("spec_gen.go", src, 0o644); err != nil {
		log.Fatal(err)
	}
}
