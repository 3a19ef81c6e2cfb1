// Package spec holds openapi.yaml, the emulator's contract, as a document
// built without parsing YAML at start-up, and routes requests by it.
package spec

import (
	_ "embed"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// yamlText is a copy of the repository's top-level openapi.yaml (go
// generate refreshes it; a test fails when the two differ), embedded so the
// emulator package works as a library on its own.
//
//go:generate cp ../../../openapi.yaml openapi.yaml
//go:generate go run gen.go
//go:embed openapi.yaml
var yamlText []byte

// YAML returns the text of openapi.yaml. It is shared: do not modify it.
func YAML() []byte { return yamlText }

// Spec is openapi.yaml's document, ready for routing and validation.
type Spec struct {
	Doc *openapi3.T
	// Options are the validator's: every error reported (MultiError), no
	// defaults written into requests.
	Options *openapi3filter.Options
	// router matches the paths with parameters, and tells an unknown path
	// from a wrong method; it is built on first use.
	router func() (routers.Router, error)
	// exact holds the routes of paths without parameters, by
	// "METHOD /path": most requests skip the router's regular expressions.
	exact map[string]*routers.Route
}

// sharedSpec builds openapi.yaml's document once per process: every
// Emulator uses the same read-only document, router and options.
var shared = sync.OnceValue(func() *Spec { return newSpec(document()) })

// Preload starts building openapi.yaml's document in the background, so
// that a program can do its other start-up work meanwhile; New waits for it.
func Preload() { go shared() }

// Shared returns the process's one Spec, built on first use.
func Shared() *Spec { return shared() }

// newSpec readies a document for routing and validation. The document
// comes from spec_gen.go, which builds what kin-openapi's loader makes of
// openapi.yaml (a test checks the two are the same) without parsing YAML at
// every start: start-up time is a feature. The tests also check the
// document with doc.Validate (TestSpecIsValid).
func newSpec(doc *openapi3.T) *Spec {
	router := sync.OnceValues(func() (routers.Router, error) { return gorillamux.NewRouter(doc) })
	opts := &openapi3filter.Options{
		MultiError:          true,
		SkipSettingDefaults: true,
	}
	s := &Spec{Doc: doc, Options: opts, router: router, exact: map[string]*routers.Route{}}
	for path, item := range doc.Paths.Map() {
		if strings.Contains(path, "{") {
			continue
		}
		for method, op := range item.Operations() {
			s.exact[method+" "+path] = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
		}
	}
	return s
}

// FindRoute returns the operation of a request whose path has no
// environment prefix.
func (s *Spec) FindRoute(r *http.Request) (*routers.Route, map[string]string, error) {
	if route, ok := s.exact[r.Method+" "+r.URL.Path]; ok {
		return route, nil, nil // no path parameters
	}
	router, err := s.router()
	if err != nil {
		return nil, nil, fmt.Errorf("openapi.yaml routes: %w", err)
	}
	return router.FindRoute(r)
}

// OperationIDs returns every operationId, sorted.
func (s *Spec) OperationIDs() []string {
	var ids []string
	for _, item := range s.Doc.Paths.Map() {
		for _, op := range item.Operations() {
			ids = append(ids, op.OperationID)
		}
	}
	sort.Strings(ids)
	return ids
}
