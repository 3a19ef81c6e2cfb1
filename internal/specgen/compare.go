package specgen

import (
	"fmt"
	"reflect"
)

// Compare answers the first difference between two values, or nil: the
// check that generated code builds the document the loader builds. It follows
// pointers, requires the same sharing (one pointer met at two places in a
// is one pointer at the same places in b), reads unexported fields except
// the references' file locations, and takes a nil map for an empty one.
func Compare(a, b any) error {
	c := &comparer{ab: map[ptrKey]uintptr{}, ba: map[ptrKey]uintptr{}}
	return c.compare(reflect.ValueOf(a), reflect.ValueOf(b), "doc")
}

type comparer struct {
	ab, ba map[ptrKey]uintptr
}

func (c *comparer) compare(a, b reflect.Value, path string) error {
	if a.Type() != b.Type() {
		return fmt.Errorf("%s: %s against %s", path, a.Type(), b.Type())
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return fmt.Errorf("%s: one is nil", path)
			}
			return nil
		}
		ka, kb := ptrKey{a.Pointer(), a.Type()}, ptrKey{b.Pointer(), b.Type()}
		pa, seenA := c.ab[ka]
		pb, seenB := c.ba[kb]
		if seenA || seenB {
			if pa != b.Pointer() || pb != a.Pointer() {
				return fmt.Errorf("%s: not shared alike", path)
			}
			return nil
		}
		c.ab[ka], c.ba[kb] = b.Pointer(), a.Pointer()
		return c.compare(a.Elem(), b.Elem(), path)
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return fmt.Errorf("%s: one is nil", path)
			}
			return nil
		}
		return c.compare(a.Elem(), b.Elem(), path)
	case reflect.Struct:
		for i := range a.NumField() {
			f := a.Type().Field(i)
			if f.Name == "refPath" {
				continue
			}
			if err := c.compare(a.Field(i), b.Field(i), path+"."+f.Name); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return fmt.Errorf("%s: %d items against %d", path, a.Len(), b.Len())
		}
		if a.Kind() == reflect.Slice && a.IsNil() != b.IsNil() {
			return fmt.Errorf("%s: one is nil", path)
		}
		for i := range a.Len() {
			if err := c.compare(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Map:
		if a.Len() != b.Len() {
			return fmt.Errorf("%s: %d entries against %d", path, a.Len(), b.Len())
		}
		iter := a.MapRange()
		for iter.Next() {
			bv := b.MapIndex(iter.Key())
			if !bv.IsValid() {
				return fmt.Errorf("%s: %v is missing", path, iter.Key())
			}
			if err := c.compare(iter.Value(), bv, fmt.Sprintf("%s[%v]", path, iter.Key())); err != nil {
				return err
			}
		}
		return nil
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		if !a.IsNil() || !b.IsNil() {
			return fmt.Errorf("%s: a %s cannot be compared", path, a.Kind())
		}
		return nil
	case reflect.Bool:
		return differ(path, a.Bool(), b.Bool())
	case reflect.String:
		return differ(path, a.String(), b.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return differ(path, a.Int(), b.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return differ(path, a.Uint(), b.Uint())
	case reflect.Float32, reflect.Float64:
		return differ(path, a.Float(), b.Float())
	}
	return fmt.Errorf("%s: a %s cannot be compared", path, a.Kind())
}

func differ[T comparable](path string, a, b T) error {
	if a != b {
		return fmt.Errorf("%s: %v against %v", path, a, b)
	}
	return nil
}
