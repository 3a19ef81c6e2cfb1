// Package contract checks the emulator's answers against its contract:
// openapi.yaml's documented responses, and Altogic's error envelope for
// every failure. The emulator's own tests and emulatortest run every answer
// through it, so that no handler drifts from the spec unnoticed.
package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// UnexpectedHeader marks the emulator's answer to an error no handler
// meant (a bug), as opposed to an injected fault of the same status.
const UnexpectedHeader = "X-Altogic-Emulator-Unexpected-Error"

// Checker checks answers against one openapi.yaml.
type Checker struct {
	router routers.Router
}

// New loads openapi.yaml's text (for example emulator.SpecYAML()).
func New(specYAML []byte) (*Checker, error) {
	doc, err := openapi3.NewLoader().LoadFromData(specYAML)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	return &Checker{router: router}, nil
}

// envPrefix is the environment prefix of a path, /e:{envId}, which the
// spec's paths leave out.
var envPrefix = regexp.MustCompile(`^/e:[^/]*`)

// Check answers what is wrong with the answer (status, header, body) to r,
// or nil: a 5xx that is not an injected fault, a failure outside Altogic's
// envelope, or an answer that does not match the operation's documented
// responses.
func (c *Checker) Check(r *http.Request, status int, header http.Header, body []byte) error {
	var errs []error
	if header.Get(UnexpectedHeader) != "" || status >= 500 && !bytes.Contains(body, []byte(`"origin":"server_error"`)) {
		errs = append(errs, fmt.Errorf("answered %d, an error the emulator did not mean: %s", status, body))
	}
	if status >= 400 {
		if err := checkEnvelope(body); err != nil {
			errs = append(errs, err)
		}
	}
	if r.Method == http.MethodOptions || r.Method == http.MethodHead {
		return errors.Join(errs...) // preflights and bodiless answers
	}
	rr := r.Clone(context.Background())
	rr.URL.Path = envPrefix.ReplaceAllString(r.URL.Path, "")
	rr.URL.RawPath = ""
	route, params, err := c.router.FindRoute(rr)
	if err != nil {
		return errors.Join(errs...) // no operation: the envelope check applies
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: rr, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	input.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		errs = append(errs, fmt.Errorf("response %d does not match openapi.yaml: %w\nbody: %s", status, err, body))
	}
	return errors.Join(errs...)
}

// checkEnvelope checks Altogic's error envelope: {"errors": [{origin, code,
// message, ...}, ...]}, each of the three a non-empty string.
func checkEnvelope(body []byte) error {
	var env struct {
		Errors []map[string]any `json:"errors"`
	}
	if err := json.Unmarshal(body, &env); err != nil || len(env.Errors) == 0 {
		return fmt.Errorf("error body is not Altogic's envelope: %s", body)
	}
	for _, it := range env.Errors {
		for _, k := range []string{"origin", "code", "message"} {
			if s, ok := it[k].(string); !ok || s == "" {
				return fmt.Errorf("error item without a string %s: %s", k, body)
			}
		}
	}
	return nil
}
