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

// mayRepeatKey is the cheap test: a body in which no object key is written
// twice (anywhere) holds no duplicate; one with an escaped key might.
func mayRepeatKey(data []byte) bool {
	var small [16][]byte
	keys := small[:0]
	var seen map[string]bool
	for i := 0; i < len(data); i++ {
		if data[i] != '"' {
			continue
		}
		start := i + 1
		escaped := false
		for i = start; i < len(data) && data[i] != '"'; i++ {
			if data[i] == '\\' {
				escaped = true
				i++
			}
		}
		end := i
		j := end + 1
		for j < len(data) && (data[j] == ' ' || data[j] == '\t' || data[j] == '\n' || data[j] == '\r') {
			j++
		}
		if j >= len(data) || data[j] != ':' {
			continue // a string value, not a key
		}
		if escaped {
			return true
		}
		key := data[start:end]
		if seen != nil {
			if seen[string(key)] {
				return true
			}
			seen[string(key)] = true
			continue
		}
		for _, k := range keys {
			if bytes.Equal(k, key) {
				return true
			}
		}
		if len(keys) < cap(keys) {
			keys = append(keys, key)
			continue
		}
		seen = make(map[string]bool, 2*len(keys))
		for _, k := range keys {
			seen[string(k)] = true
		}
		seen[string(key)] = true
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
