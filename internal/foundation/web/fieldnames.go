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

var (
	fieldCache sync.Map // reflect.Type → jsonFields
	namesCache sync.Map // reflect.Type → map[string]bool
)

// checkKeys is checkFieldNames with a fast path: a body whose every object
// key is spelt as some field of the types under t, as nearly every request
// is, needs no walk by type. A key spelt otherwise (a misspelling, a map's
// key, an escaped key) takes the full check, which names the field. (The
// fast path lets through a key that is a field's exact name at another
// depth and another field's name in other case at its own, as "id" beside
// "ID" in a nested type: a trade for the common case.)
func checkKeys(body []byte, t reflect.Type) error {
	if keysKnown(body, allNames(t)) {
		return nil
	}
	return checkFieldNames(body, t, "")
}

// allNames is every field name of the struct types reachable from t.
func allNames(t reflect.Type) map[string]bool {
	if n, ok := namesCache.Load(t); ok {
		return n.(map[string]bool)
	}
	names := map[string]bool{}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for name, ft := range fieldsOf(t) {
			names[name] = true
			walk(ft)
		}
	}
	walk(t)
	namesCache.Store(t, names)
	return names
}

// keysKnown scans valid JSON for object keys (a string followed by a
// colon) and reports whether each is in names; an escaped key reports
// false.
func keysKnown(data []byte, names map[string]bool) bool {
	for i := 0; i < len(data); i++ {
		if data[i] != '"' {
			continue
		}
		var key []byte
		var isKey, escaped bool
		key, i, isKey, escaped = scanString(data, i)
		if isKey && (escaped || !names[string(key)]) {
			return false
		}
	}
	return true
}

// scanString reads the string whose opening quote is at data[at]: its
// raw text, the index of its closing quote, whether it is an object key
// (a colon follows) and whether it holds escapes.
func scanString(data []byte, at int) (text []byte, end int, isKey, escaped bool) {
	start := at + 1
	i := start
	for ; i < len(data) && data[i] != '"'; i++ {
		if data[i] == '\\' {
			escaped = true
			i++
		}
	}
	end = min(i, len(data))
	j := end + 1
	for j < len(data) && (data[j] == ' ' || data[j] == '\t' || data[j] == '\n' || data[j] == '\r') {
		j++
	}
	return data[start:end], i, j < len(data) && data[j] == ':', escaped
}

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
