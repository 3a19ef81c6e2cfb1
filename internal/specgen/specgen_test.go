package specgen

import (
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

const small = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    post:
      operationId: a
      parameters:
        - {name: q, in: query, required: true, schema: {$ref: '#/components/schemas/Short'}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                n: {type: number, minimum: 1.5, example: 2}
                e: {type: string, enum: [x, y]}
      responses:
        "200": {description: ok}
        default: {description: error}
components:
  schemas:
    Short: {type: string, maxLength: 3}
`

func TestGenerateWritesSharedComponentsOnce(t *testing.T) {
	src, err := Generate([]byte(small), "p", "build", "small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	code := string(src)
	for _, want := range []string{
		"func build() *openapi3.T {",
		// The referenced schema is one variable, used by the component and
		// by the parameter.
		"v0 := &openapi3.Schema{",
		"MaxLength: ptrTo[uint64](3)",
		"Value: v0",
		// Constants in interfaces keep their types.
		"Example: float64(2)",
		`Enum: []interface{}{"x", "y"}`,
		"ptrTo[float64](1.5)",
		`openapi3.WithPath("/a", &openapi3.PathItem{`,
		`withResponse("200", &openapi3.ResponseRef{`,
		`withResponse("default", &openapi3.ResponseRef{`,
	} {
		if !strings.Contains(code, want) {
			t.Errorf("the generated code lacks %q:\n%s", want, code)
		}
	}
	if strings.Count(code, ":= ") != 1 {
		t.Errorf("want one shared variable:\n%s", code)
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	first, err := Generate([]byte(small), "p", "build", "small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		again, _ := Generate([]byte(small), "p", "build", "small.yaml")
		if string(again) != string(first) {
			t.Fatal("two runs wrote different code")
		}
	}
}

func TestGenerateRefusesWhatItCannotWrite(t *testing.T) {
	if _, err := Generate([]byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  x-ext: 1\n"), "p", "f", "s"); err == nil {
		t.Error("paths with extensions were written")
	}
	if _, err := Generate([]byte("not: [an openapi document"), "p", "f", "s"); err == nil {
		t.Error("YAML that does not parse was accepted")
	}
	type cyclic struct{ Next *cyclic }
	c := &cyclic{}
	c.Next = c
	if _, err := newRenderer().render(reflect.ValueOf(c)); err == nil || !strings.Contains(err.Error(), "itself") {
		t.Errorf("a cycle: %v", err)
	}
	type hidden struct{ x int }
	if _, err := newRenderer().render(reflect.ValueOf(hidden{x: 1})); err == nil || !strings.Contains(err.Error(), "unexported") {
		t.Errorf("an unexported field: %v", err)
	}
}

func TestCompareFindsEachKindOfDifference(t *testing.T) {
	load := func() *openapi3.T {
		doc, err := Load([]byte(small))
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	if err := Compare(load(), load()); err != nil {
		t.Fatalf("two loads differ: %v", err)
	}
	op := func(doc *openapi3.T) *openapi3.Operation { return doc.Paths.Value("/a").Post }
	for name, change := range map[string]func(*openapi3.T){
		"a value": func(doc *openapi3.T) {
			doc.Components.Schemas["Short"].Value.MaxLength = ptr(uint64(4))
		},
		"a nil pointer": func(doc *openapi3.T) { doc.Components.Schemas["Short"].Value.MaxLength = nil },
		"an interface's type": func(doc *openapi3.T) {
			op(doc).RequestBody.Value.Content["application/json"].Schema.Value.Properties["n"].Value.Example = 2
		},
		"a map entry": func(doc *openapi3.T) { doc.Components.Schemas["Long"] = doc.Components.Schemas["Short"] },
		"a path":      func(doc *openapi3.T) { doc.Paths.Set("/b", &openapi3.PathItem{}) },
		"a response":  func(doc *openapi3.T) { op(doc).Responses.Delete("default") },
		"sharing": func(doc *openapi3.T) {
			copied := *doc.Components.Schemas["Short"].Value
			op(doc).Parameters[0].Value.Schema.Value = &copied
		},
	} {
		changed := load()
		change(changed)
		if err := Compare(load(), changed); err == nil {
			t.Errorf("%s changed, and Compare saw no difference", name)
		}
	}
}

func ptr[T any](v T) *T { return &v }
