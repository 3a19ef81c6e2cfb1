package specgen

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// renderer writes a Go value as the Go statements and expression that build
// it again. A pointer met more than once becomes a local variable, declared
// before its first use, so the built value shares what the original shared.
type renderer struct {
	// special renders the values of some types itself: types whose
	// unexported fields only a constructor can fill.
	special map[reflect.Type]func(r *renderer, v reflect.Value) (string, error)
	// dropped lists the unexported fields ("Type.field") that may be left
	// out; any other unexported field holding a value is an error.
	dropped map[string]bool

	uses  map[ptrKey]int
	names map[ptrKey]string
	busy  map[ptrKey]bool
	stmts []string
}

type ptrKey struct {
	addr uintptr
	typ  reflect.Type
}

func newRenderer() *renderer {
	return &renderer{
		special: map[reflect.Type]func(*renderer, reflect.Value) (string, error){},
		dropped: map[string]bool{},
		uses:    map[ptrKey]int{},
		names:   map[ptrKey]string{},
		busy:    map[ptrKey]bool{},
	}
}

// render answers the expression that builds v; the statements it needs
// first are in r.stmts.
func (r *renderer) render(v reflect.Value) (string, error) {
	r.count(v)
	return r.expr(v, false)
}

// count finds the pointers that v reaches more than once.
func (r *renderer) count(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		k := ptrKey{v.Pointer(), v.Type()}
		r.uses[k]++
		if r.uses[k] == 1 {
			r.count(v.Elem())
		}
	case reflect.Interface:
		if !v.IsNil() {
			r.count(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			r.count(v.Field(i))
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			r.count(v.Index(i))
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			r.count(iter.Value())
		}
	}
}

// expr answers the expression for v. inIface says the value goes into an
// interface, where a constant needs its type spelled out.
func (r *renderer) expr(v reflect.Value, inIface bool) (string, error) {
	if f, ok := r.special[v.Type()]; ok {
		return f(r, v)
	}
	t := v.Type()
	switch v.Kind() {
	case reflect.Bool:
		return typed(t, strconv.FormatBool(v.Bool()), inIface && t.Name() != "bool"), nil
	case reflect.String:
		return typed(t, strconv.Quote(v.String()), inIface && t.Name() != "string"), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return typed(t, strconv.FormatInt(v.Int(), 10), inIface && t.Name() != "int"), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return typed(t, strconv.FormatUint(v.Uint(), 10), inIface), nil
	case reflect.Float32, reflect.Float64:
		return typed(t, strconv.FormatFloat(v.Float(), 'g', -1, 64), inIface), nil
	case reflect.Interface:
		if v.IsNil() {
			return "nil", nil
		}
		return r.expr(v.Elem(), true)
	case reflect.Pointer:
		return r.pointer(v)
	case reflect.Slice:
		if v.IsNil() {
			return "nil", nil
		}
		return r.elements(v)
	case reflect.Map:
		if v.IsNil() {
			return "nil", nil
		}
		return r.mapExpr(v)
	case reflect.Struct:
		return r.structExpr(v)
	}
	return "", fmt.Errorf("cannot write a %s as Go", t)
}

// typed spells a constant with its type when the context needs it.
func typed(t reflect.Type, lit string, spell bool) string {
	if spell {
		return t.String() + "(" + lit + ")"
	}
	return lit
}

func (r *renderer) pointer(v reflect.Value) (string, error) {
	if v.IsNil() {
		return "nil", nil
	}
	k := ptrKey{v.Pointer(), v.Type()}
	if name, ok := r.names[k]; ok {
		return name, nil
	}
	if r.busy[k] {
		return "", fmt.Errorf("a %s refers to itself: cycles are not supported", v.Type())
	}
	r.busy[k] = true
	defer delete(r.busy, k)
	var e string
	var err error
	switch elem := v.Elem(); elem.Kind() {
	case reflect.Struct, reflect.Slice, reflect.Map:
		if _, ok := r.special[elem.Type()]; ok {
			return "", fmt.Errorf("a pointer to %s is not supported", elem.Type())
		}
		if elem.Kind() != reflect.Struct && elem.IsNil() {
			return "", fmt.Errorf("a pointer to a nil %s is not supported", elem.Type())
		}
		e, err = r.expr(elem, false)
		e = "&" + e
	default:
		e, err = r.expr(elem, false)
		e = "ptrTo[" + elem.Type().String() + "](" + e + ")"
	}
	if err != nil {
		return "", err
	}
	if r.uses[k] < 2 {
		return e, nil
	}
	name := "v" + strconv.Itoa(len(r.names))
	r.names[k] = name
	r.stmts = append(r.stmts, name+" := "+e)
	return name, nil
}

func (r *renderer) elements(v reflect.Value) (string, error) {
	var items []string
	inIface := v.Type().Elem().Kind() == reflect.Interface
	for i := range v.Len() {
		e, err := r.expr(v.Index(i), inIface)
		if err != nil {
			return "", err
		}
		items = append(items, e)
	}
	return composite(v.Type().String(), items), nil
}

// composite writes a composite literal: short ones on one line, others
// one item to a line.
func composite(typ string, items []string) string {
	if len(items) == 0 {
		return typ + "{}"
	}
	if short := strings.Join(items, ", "); len(short) < 60 && !strings.Contains(short, "\n") {
		return typ + "{" + short + "}"
	}
	return typ + "{\n" + strings.Join(items, ",\n") + ",\n}"
}

func (r *renderer) mapExpr(v reflect.Value) (string, error) {
	keys := v.MapKeys()
	if v.Type().Key().Kind() != reflect.String {
		return "", fmt.Errorf("a %s: only maps with string keys are supported", v.Type())
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	var items []string
	inIface := v.Type().Elem().Kind() == reflect.Interface
	for _, k := range keys {
		e, err := r.expr(v.MapIndex(k), inIface)
		if err != nil {
			return "", err
		}
		items = append(items, strconv.Quote(k.String())+": "+e)
	}
	return composite(v.Type().String(), items), nil
}

func (r *renderer) structExpr(v reflect.Value) (string, error) {
	t := v.Type()
	var items []string
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		if fv.IsZero() {
			continue
		}
		if !f.IsExported() {
			if r.dropped[t.String()+"."+f.Name] {
				continue
			}
			return "", fmt.Errorf("%s.%s is unexported and set: it cannot be written as Go", t, f.Name)
		}
		e, err := r.expr(fv, f.Type.Kind() == reflect.Interface)
		if err != nil {
			return "", fmt.Errorf("%s.%s: %w", t, f.Name, err)
		}
		items = append(items, f.Name+": "+e)
	}
	return composite(t.String(), items), nil
}
