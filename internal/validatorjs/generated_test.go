package validatorjs

import (
	"bytes"
	"os"
	"testing"

	"github.com/altogic-emulator/altogic-emulator/internal/validatorjs/internal/generate"
)

// phones_gen.go and email_gen.go are generated from the pinned copy of
// validator.js in gen/validator-13.11.0: these tests keep them what the
// generator makes.

func TestGeneratedFilesAreCurrent(t *testing.T) {
	files, err := generate.Files(os.DirFS(generate.SourceDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		have, err := os.ReadFile(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(have, f.Data) {
			t.Errorf("%s is not what %s generates: run go generate ./internal/validatorjs", f.Name, generate.SourceDir)
		}
	}
}

// TestJSSpace checks that isJSSpace, which the hand-written logic uses,
// and the set the generator reads \s as are the same.
func TestJSSpace(t *testing.T) {
	for r := rune(0); r <= 0x10FFFF; r++ {
		if isJSSpace(r) != generate.JSSpace(r) {
			t.Errorf("U+%04X: isJSSpace says %v, the generator %v", r, isJSSpace(r), generate.JSSpace(r))
		}
	}
}
