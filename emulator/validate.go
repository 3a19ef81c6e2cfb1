package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/altogic-emulator/altogic-emulator/emulator/internal/spec"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// translate turns kin-openapi's typed errors into Altogic's envelope.
func translate(err error) error {
	var fe fieldErrors
	for _, e := range flatten(err) {
		var re *openapi3filter.RequestError
		if !errors.As(e, &re) {
			fe.add("request", "request", "The request is not valid: "+e.Error())
			continue
		}
		switch {
		case re.Parameter != nil:
			p := re.Parameter
			if errors.Is(re.Err, openapi3filter.ErrInvalidRequired) || errors.Is(re.Err, openapi3filter.ErrInvalidEmptyValue) {
				fe.add(p.Name, p.In, requiredMessage(p.Name))
				continue
			}
			schemaErrs := schemaErrors(re.Err)
			if len(schemaErrs) == 0 {
				fe.add(p.Name, p.In, fmt.Sprintf("%s does not have a valid value.", label(p.Name)))
			}
			for _, se := range schemaErrs {
				fe.add(p.Name, p.In, schemaMessage(p.Name, se))
			}
		case re.RequestBody != nil:
			if strings.HasPrefix(re.Reason, "header Content-Type has unexpected value") {
				return errUnsupportedMediaType
			}
			if errors.Is(re.Err, openapi3filter.ErrInvalidRequired) {
				missingBody(&fe, re.RequestBody)
				continue
			}
			schemaErrs := schemaErrors(re.Err)
			if len(schemaErrs) == 0 {
				fe.add("body", "body", "The request body is not valid.")
			}
			for _, se := range schemaErrs {
				path := se.JSONPointer()
				field := strings.Join(path, ".")
				if field == "" || strings.HasSuffix(se.Reason, " is unsupported") {
					field = "body"
				}
				fe.add(field, "body", schemaMessage(lastOr(path, "body"), se))
			}
		default:
			fe.add("request", "request", "The request is not valid.")
		}
	}
	return fe.err()
}

// missingBody reports each required property of an absent JSON body.
func missingBody(fe *fieldErrors, rb *openapi3.RequestBody) {
	if mt := rb.Content.Get("application/json"); mt != nil && mt.Schema != nil && len(mt.Schema.Value.Required) > 0 {
		for _, name := range mt.Schema.Value.Required {
			fe.add(name, "body", requiredMessage(name))
		}
		return
	}
	fe.add("body", "body", "A JSON request body needs to be provided.")
}

func lastOr(path []string, def string) string {
	if len(path) == 0 {
		return def
	}
	return path[len(path)-1]
}

// flatten lists the errors of nested MultiErrors. It looks only at err's own
// type: a RequestError wraps a MultiError of its schema errors, and must be
// kept whole.
func flatten(err error) []error {
	if me, ok := err.(openapi3.MultiError); ok {
		var out []error
		for _, e := range me {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

func schemaErrors(err error) []*openapi3.SchemaError {
	var out []*openapi3.SchemaError
	var me openapi3.MultiError
	if !errors.As(err, &me) {
		me = openapi3.MultiError{err}
	}
	for _, e := range flatten(me) {
		var se *openapi3.SchemaError
		if errors.As(e, &se) {
			out = append(out, se)
		}
	}
	return out
}

// labels name fields the way Altogic's messages do (Agnost's authRules.js:
// a new address or number is just "Email" or "Phone").
var labels = map[string]string{
	"email": "Email", "password": "Password", "newPassword": "New password",
	"oldPassword": "Old password", "currentPassword": "Current password",
	"phone": "Phone", "newEmail": "Email", "newPhone": "Phone",
	"name": "Name", "key": "Access token", "code": "SMS code", "token": "Session token",
	"wait": "Wait", "to": "Recipient", "action": "Action",
}

func label(field string) string {
	if l, ok := labels[field]; ok {
		return l
	}
	return "'" + field + "'"
}

func requiredMessage(field string) string {
	return label(field) + " needs to be provided, cannot be left empty."
}

func schemaMessage(field string, se *openapi3.SchemaError) string {
	if name, ok := strings.CutSuffix(se.Reason, " is unsupported"); ok {
		return "The request body has a field that is not allowed: " + strings.TrimPrefix(name, "property ") + "."
	}
	switch se.SchemaField {
	case "required":
		// Reason: property "x" is missing; the pointer ends at x.
		return requiredMessage(field)
	case "nullable":
		if se.Schema != nil && se.Schema.Type != nil {
			return fmt.Sprintf("%s must be of type %s, not null.", label(field), strings.Join(se.Schema.Type.Slice(), " or "))
		}
	case "type":
		if se.Schema != nil && se.Schema.Type != nil {
			such := ""
			if ex, err := json.Marshal(se.Schema.Example); se.Schema.Example != nil && err == nil {
				such = ", such as " + string(ex)
			}
			return fmt.Sprintf("%s must be of type %s%s.", label(field), strings.Join(se.Schema.Type.Slice(), " or "), such)
		}
	case "enum":
		if se.Schema != nil {
			var vals []string
			for _, v := range se.Schema.Enum {
				if v != "" {
					vals = append(vals, fmt.Sprint(v))
				}
			}
			return fmt.Sprintf("%s must be one of: %s.", label(field), strings.Join(vals, ", "))
		}
	}
	return fmt.Sprintf("%s is not valid: %s.", label(field), se.Reason)
}

// validateRequest checks r against its route in openapi.yaml and answers
// every violation as a validation_error item, never kin-openapi's own text.
func validateRequest(s *spec.Spec, r *http.Request, route *routers.Route, params map[string]string, body []byte) error {
	if body == nil && r.Body != nil {
		// A body the operation ignores is not validated.
		r = r.Clone(r.Context())
		r.Body = http.NoBody
		r.ContentLength = 0
	}
	input := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: s.Options}
	err := openapi3filter.ValidateRequest(r.Context(), input)
	if err == nil {
		return nil
	}
	return translate(err)
}
