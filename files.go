package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/altogic-emulator/altogic-emulator/emulator"
)

func importSnapshot(em *emulator.Emulator, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--import: %w", err)
	}
	var snap emulator.Snapshot
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&snap); err != nil {
		var top map[string]json.RawMessage
		if json.Unmarshal(data, &top) == nil && top["environments"] == nil && top["users"] != nil {
			return fmt.Errorf(`--import %s: this is one environment's state, as GET /_emulator/state answers; --import takes a snapshot of all environments, as --export-on-exit writes: {"version": 1, "environments": {"default": <this file>}} (or PUT this file to /e:{id}/_emulator/state)`, path)
		}
		return fmt.Errorf("--import %s: not a state snapshot: %w", path, err)
	}
	if err := em.Import(snap); err != nil {
		return fmt.Errorf("--import %s: %w", path, err)
	}
	return nil
}

// checkWritable makes sure, at start-up, that a file the emulator writes
// when it stops (flag names it) can be written then: that its folder takes
// a new file, as writeFile needs, and that path is not a folder. A typo in
// the path then fails the start, not the end of a long CI run.
func checkWritable(flag, path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s %s: a folder; name a file in it", flag, path)
	}
	tmp, err := createBeside(path)
	if err != nil {
		if pe := (*os.PathError)(nil); errors.As(err, &pe) {
			err = pe.Err // the temporary file's name says nothing to the user
		}
		return fmt.Errorf("%s %s: the file could not be written when the emulator stops: %w", flag, path, err)
	}
	tmp.Close()
	return os.Remove(tmp.Name())
}

// writeJSONFile writes v as indented JSON, atomically (see writeFile).
func writeJSONFile(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(path, func(w io.Writer) error {
		_, err := w.Write(append(data, '\n'))
		return err
	})
}

// writeFile writes a file atomically: to a temporary file in the same
// folder, then renamed over path, so a crash never leaves half a file.
func writeFile(path string, write func(io.Writer) error) error {
	tmp, err := createBeside(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// createBeside creates the temporary file that writeFile renames to path,
// in path's folder.
func createBeside(path string) (*os.File, error) {
	return os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
}
