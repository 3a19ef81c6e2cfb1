// Command gen writes phones_gen.go and email_gen.go, the files of package
// validatorjs made from the pinned copy of validator.js in
// gen/validator-13.11.0 (see package internal/validatorjs/internal/generate).
// Run it from the package's directory:
//
//	go generate ./internal/validatorjs
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"

	"github.com/altogic-emulator/altogic-emulator/internal/validatorjs/internal/generate"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("gen: ")
	src := flag.String("src", generate.SourceDir, "the pinned copy of validator.js")
	out := flag.String("out", ".", "the directory of package validatorjs")
	flag.Parse()

	files, err := generate.Files(os.DirFS(*src))
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(*out, f.Name), f.Data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
