package event

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// decodeFast decodes an envelope without reflection: a flat JSON object of
// string attributes, two integers and the raw data. It returns ok=false on
// anything unusual (escapes it does not handle, unknown shapes), and the
// caller falls back to encoding/json, which also produces the error text.
// Consumers decode every delivery, so this is the hot path of consuming.
func decodeFast(b []byte) (e Envelope, ok bool) {
	p := parser{b: b}
	if !p.skipSpace() || p.b[p.i] != '{' {
		return e, false
	}
	p.i++
	for first := true; ; first = false {
		if !p.skipSpace() {
			return e, false
		}
		if p.b[p.i] == '}' {
			p.i++
			return e, p.rest()
		}
		if !first {
			if p.b[p.i] != ',' {
				return e, false
			}
			p.i++
			p.skipSpace()
		}
		key, ok := p.str()
		if !ok || !p.skipSpace() || p.b[p.i] != ':' {
			return e, false
		}
		p.i++
		if !p.skipSpace() || !p.field(&e, key) {
			return e, false
		}
	}
}

type parser struct {
	b []byte
	i int
}

func (p *parser) skipSpace() bool {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\n' || p.b[p.i] == '\t' || p.b[p.i] == '\r') {
		p.i++
	}
	return p.i < len(p.b)
}

// rest reports whether only white space follows.
func (p *parser) rest() bool {
	p.skipSpace()
	return p.i == len(p.b)
}

// str reads a JSON string without escapes (escaped ones take the slow path).
func (p *parser) str() (string, bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return "", false
	}
	start := p.i + 1
	for j := start; j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c == '"':
			p.i = j + 1
			s := p.b[start:j]
			return string(s), utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return "", false
		}
	}
	return "", false
}

func (p *parser) int() (int64, bool) {
	start := p.i
	for p.i < len(p.b) && (p.b[p.i] == '-' || (p.b[p.i] >= '0' && p.b[p.i] <= '9')) {
		p.i++
	}
	n, err := strconv.ParseInt(string(p.b[start:p.i]), 10, 64)
	return n, err == nil
}

// raw reads one JSON value and returns its bytes, checked by json.Valid.
func (p *parser) raw() ([]byte, bool) {
	start := p.i
	switch p.b[p.i] {
	case '{', '[':
		depth, inStr := 0, false
		for ; p.i < len(p.b); p.i++ {
			c := p.b[p.i]
			if inStr {
				if c == '\\' {
					p.i++
				} else if c == '"' {
					inStr = false
				}
				continue
			}
			switch c {
			case '"':
				inStr = true
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					p.i++
					return p.valid(start)
				}
			}
		}
		return nil, false
	case '"':
		for p.i++; p.i < len(p.b); p.i++ {
			switch p.b[p.i] {
			case '\\':
				p.i++
			case '"':
				p.i++
				return p.valid(start)
			}
		}
		return nil, false
	default: // a number or a literal
		for p.i < len(p.b) && !strings.ContainsRune(",}] \t\r\n", rune(p.b[p.i])) {
			p.i++
		}
		return p.valid(start)
	}
}

func (p *parser) valid(start int) ([]byte, bool) {
	v := p.b[start:p.i]
	return v, json.Valid(v)
}

func (p *parser) field(e *Envelope, key string) bool {
	var ok bool
	switch key {
	case "data":
		var v []byte
		v, ok = p.raw()
		e.Data = append(json.RawMessage(nil), v...)
	case "streamversion":
		e.Version, ok = p.int()
	case "position":
		e.Position, ok = p.int()
	case "time":
		var s string
		if s, ok = p.str(); ok {
			t, err := time.Parse(time.RFC3339Nano, s)
			e.Time, ok = t, err == nil
		}
	default:
		dst := e.stringField(key)
		if dst == nil {
			return false // unknown attribute: let encoding/json handle it
		}
		*dst, ok = p.str()
	}
	return ok
}

func (e *Envelope) stringField(key string) *string {
	switch key {
	case "specversion":
		return &e.SpecVersion
	case "id":
		return &e.ID
	case "type":
		return &e.Type
	case "source":
		return &e.Source
	case "subject":
		return &e.Subject
	case "datacontenttype":
		return &e.DataContentType
	case "correlationid":
		return &e.CorrelationID
	case "causationid":
		return &e.CausationID
	case "traceparent":
		return &e.TraceParent
	case "topic":
		return &e.Topic
	case "stream":
		return &e.Stream
	}
	return nil
}
