package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"time"
)

// MaxBody is the largest request body accepted.
const MaxBody = 1 << 20

// Decode reads a JSON request body into v strictly: the content type must
// be JSON, the body at most MaxBody bytes, one object, no unknown fields
// (field names are case-sensitive, unlike encoding/json's) and no wrong
// types. Its errors are problems naming what is wrong.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := ReadBody(w, r)
	if err != nil {
		return err
	}
	return DecodeBytes(body, v)
}

// NoBody checks that a request to a path that takes no body has none: an
// empty body, {} or null (some clients always send one), with any content
// type, is fine; anything else is a 400 (415 if not sent as JSON), so that
// a client that means something by it learns that it is ignored.
func NoBody(w http.ResponseWriter, r *http.Request) error {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil
	}
	body, err := readLimited(w, r)
	if err != nil {
		return err
	}
	trimmed := bytes.TrimSpace(body)
	var obj map[string]json.RawMessage
	isObject := bytes.HasPrefix(trimmed, []byte("{")) && json.Unmarshal(trimmed, &obj) == nil
	if len(trimmed) == 0 || string(trimmed) == "null" || (isObject && len(obj) == 0) {
		return nil // nothing said, whatever the content type
	}
	if err := checkContentType(r); err != nil {
		return err
	}
	if isObject {
		names := make([]string, 0, len(obj))
		for name := range obj {
			names = append(names, name)
		}
		sort.Strings(names)
		p := NewProblem(http.StatusBadRequest, fmt.Sprintf("unknown field %q: this request takes no body (send none, or {})", names[0]))
		for _, name := range names {
			p.Errors = append(p.Errors, FieldError{Field: name, Reason: "unknown field"})
		}
		return p
	}
	return NewProblem(http.StatusBadRequest, "this request takes no body (send none, or {})")
}

// ReadBody checks that the request's body is JSON (415) of at most MaxBody
// bytes (413) and returns it, for a handler that reads it more than once.
func ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if err := checkContentType(r); err != nil {
		return nil, err
	}
	return readLimited(w, r)
}

// readLimited reads the body, at most MaxBody bytes (413 beyond).
func readLimited(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxBody {
		return nil, tooLarge(w, r, r.Body)
	}
	raw := r.Body
	body, err := io.ReadAll(http.MaxBytesReader(w, raw, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, tooLarge(w, r, raw)
		}
		return nil, NewProblem(http.StatusBadRequest, "reading body: "+err.Error())
	}
	return body, nil
}

// Bounds of what is read and dropped of a body over MaxBody before its
// 413 is sent (a variable for tests of a client that stalls).
const drainLimit = 16 << 20

var drainTime = 10 * time.Second

// tooLarge is the 413 of a body over MaxBody. A client that waits for
// "100 Continue" has sent none of it and is answered at once; any other
// has its body, up to drainLimit, read and dropped first: a client that
// writes the whole body before it reads the answer (Python's http.client,
// many others) would otherwise have the connection reset under it while
// it writes, and lose the 413.
func tooLarge(w http.ResponseWriter, r *http.Request, rest io.Reader) error {
	p := NewProblem(http.StatusRequestEntityTooLarge, fmt.Sprintf("body is over %d bytes", MaxBody))
	w.Header().Set("Connection", "close")
	if strings.EqualFold(r.Header.Get("Expect"), "100-continue") && r.ContentLength > MaxBody {
		return p
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(drainTime))
	_, _ = io.CopyN(io.Discard, rest, drainLimit)
	return p
}

// DecodeBytes decodes one JSON object strictly; see Decode.
func DecodeBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return NewProblem(http.StatusBadRequest, "body is empty; want a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Field != "" {
			// The decoder names the field without list indexes (and with
			// the Go names of embedded structs): name it by its place.
			if path, ok := pathAt(body, typ.Offset); ok {
				typ.Field = path
			}
		}
		if t := reflect.TypeOf(v); t != nil && strings.HasPrefix(err.Error(), "json: unknown field ") {
			// The decoder names the field without its path: find it.
			if p := checkFieldNames(body, t, ""); p != nil {
				return p
			}
		}
		return decodeProblem(err)
	}
	if dec.More() {
		return NewProblem(http.StatusBadRequest, "body has data after the JSON object")
	}
	if err := checkText(body); err != nil {
		return err
	}
	if err := checkDuplicates(body); err != nil {
		return err
	}
	if t := reflect.TypeOf(v); t != nil {
		return checkKeys(body, t)
	}
	return nil
}

func checkContentType(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return NewProblem(http.StatusUnsupportedMediaType, "missing Content-Type; want application/json")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return NewProblem(http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %q; want application/json", ct))
	}
	return nil
}

func decodeProblem(err error) *Problem {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return NewProblem(http.StatusBadRequest, fmt.Sprintf("malformed JSON at byte %d: %v", syntax.Offset, syntax))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return NewProblem(http.StatusBadRequest, "malformed JSON: body ends too early")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return Invalid(FieldError{Field: field, Reason: fmt.Sprintf("want %s, got JSON %s", jsonKind(typ.Type), typ.Value)})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		p := NewProblem(http.StatusBadRequest, "unknown field "+name)
		p.Errors = []FieldError{{Field: strings.Trim(name, `"`), Reason: "unknown field"}}
		return p
	default:
		return NewProblem(http.StatusBadRequest, "malformed JSON: "+err.Error())
	}
}

// jsonKind names what JSON a Go type takes, for clients that know no Go.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "another kind of value"
}
