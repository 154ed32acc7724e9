package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
)

// encoding/json matches object keys to struct fields ignoring case, so
// that {"orderid": ...} would fill a field named "orderId". A strict API
// names its fields exactly: checkFieldNames refuses a key that is not
// spelt as a field of v (at any depth of structs, slices and maps of
// them), naming the field meant.

// jsonFields is what a struct type's JSON object may hold: each field's
// exact name and the type of its value.
type jsonFields map[string]reflect.Type

var fieldCache sync.Map // reflect.Type → jsonFields

func fieldsOf(t reflect.Type) jsonFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(jsonFields)
	}
	f := jsonFields{}
	collectFields(t, f)
	fieldCache.Store(t, f)
	return f
}

func collectFields(t reflect.Type, into jsonFields) {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := sf.Type
		if sf.Anonymous && name == "" {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				collectFields(ft, into) // promoted fields
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if _, dup := into[name]; !dup {
			into[name] = ft
		}
	}
}

// checkFieldNames checks the keys of the JSON value data against type t.
func checkFieldNames(data []byte, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil // decodes itself
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(data, &obj) != nil {
			return nil // not an object (null): the decoder has judged it
		}
		fields := fieldsOf(t)
		for key, raw := range obj {
			ft, ok := fields[key]
			if !ok {
				return misspelt(path, key, fields)
			}
			if err := checkFieldNames(raw, ft, join(path, key)); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		var items []json.RawMessage
		if json.Unmarshal(data, &items) != nil {
			return nil
		}
		for i, raw := range items {
			if err := checkFieldNames(raw, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		var obj map[string]json.RawMessage
		if json.Unmarshal(data, &obj) != nil {
			return nil
		}
		for key, raw := range obj {
			if err := checkFieldNames(raw, t.Elem(), join(path, key)); err != nil {
				return err
			}
		}
	}
	return nil
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func misspelt(path, key string, fields jsonFields) *Problem {
	detail := "unknown field " + fmt.Sprintf("%q", join(path, key))
	for name := range fields {
		if strings.EqualFold(name, key) {
			detail += fmt.Sprintf(" (field names are case-sensitive: did you mean %q?)", join(path, name))
			break
		}
	}
	p := NewProblem(http.StatusBadRequest, detail)
	p.Errors = []FieldError{{Field: join(path, key), Reason: "unknown field"}}
	return p
}
