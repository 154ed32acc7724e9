package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// encoding/json takes the last of two members of one name in an object
// ({"qty":1,"qty":1000}); a strict API refuses the body instead, since the
// sender and a reader that takes the first would disagree on what it says.

// mayRepeatKey is the cheap test, one pass over the bytes without
// allocating for the common body: it keeps the keys of each open object
// and reports a key written twice in one object; an escaped key (which
// may spell another), or an object of more than maxScanKeys keys, is
// left to the exact walk.
func mayRepeatKey(data []byte) bool {
	const maxScanKeys = 32
	var keyBuf [24][]byte
	var startBuf [8]int
	keys := keyBuf[:0]     // the keys of the open objects, outermost first
	starts := startBuf[:0] // where each open object's keys begin in keys
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '{':
			starts = append(starts, len(keys))
		case '}':
			if n := len(starts); n > 0 {
				keys, starts = keys[:starts[n-1]], starts[:n-1]
			}
		case '"':
			var key []byte
			var isKey, escaped bool
			key, i, isKey, escaped = scanString(data, i)
			if !isKey || len(starts) == 0 {
				continue // a string value, not a key
			}
			if escaped {
				return true
			}
			mine := keys[starts[len(starts)-1]:]
			if len(mine) >= maxScanKeys {
				return true
			}
			for _, k := range mine {
				if bytes.Equal(k, key) {
					return true
				}
			}
			keys = append(keys, key)
		}
	}
	return false
}

// checkDuplicates refuses valid JSON with two members of one name in an
// object, naming the member by its path.
func checkDuplicates(data []byte) error {
	if !mayRepeatKey(data) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // a number too large for a float64 is still a token
	path, err := duplicateIn(dec, "")
	if err != nil || path == "" {
		return nil // not expected of decoded JSON; the decoder has judged it
	}
	p := NewProblem(http.StatusBadRequest, fmt.Sprintf("duplicate field %q: each member may appear once", path))
	p.Errors = []FieldError{{Field: path, Reason: "duplicate field"}}
	return p
}

// duplicateIn reads one value and returns the path of the first duplicate
// member in it, or "".
func duplicateIn(dec *json.Decoder, path string) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	switch tok {
	case json.Delim('{'):
		keys := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return "", err
			}
			key, _ := kt.(string)
			if keys[key] {
				return join(path, key), nil
			}
			keys[key] = true
			if dup, err := duplicateIn(dec, join(path, key)); dup != "" || err != nil {
				return dup, err
			}
		}
		_, err = dec.Token() // }
		return "", err
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if dup, err := duplicateIn(dec, fmt.Sprintf("%s[%d]", path, i)); dup != "" || err != nil {
				return dup, err
			}
		}
		_, err = dec.Token() // ]
		return "", err
	}
	return "", nil
}

// pathAt is the path of the value that ends at offset in valid JSON (after
// its first token: a scalar, or the { or [ that opens it), as
// json.UnmarshalTypeError.Offset gives it: "lines[1].qty", where the error
// itself says "lines.qty".
func pathAt(data []byte, offset int64) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var found string
	var ok bool
	var walk func(path string) error
	walk = func(path string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if dec.InputOffset() >= offset {
			found, ok = path, true
			return errFound
		}
		switch tok {
		case json.Delim('{'):
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				key, _ := kt.(string)
				if err := walk(join(path, key)); err != nil {
					return err
				}
			}
			_, err = dec.Token()
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if err := walk(fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
			_, err = dec.Token()
		}
		return err
	}
	_ = walk("")
	return found, ok && found != ""
}

var errFound = errors.New("found")
