package web

import (
	"bytes"
	"fmt"
	"net/http"
	"unicode/utf16"
	"unicode/utf8"
)

// checkText refuses a body that is not Unicode text, which encoding/json
// would take after turning the bad part into U+FFFD: two order ids that
// differ only in their broken bytes would then be one. It names the value
// with the bad part by its path.
func checkText(body []byte) error {
	if utf8.Valid(body) && bytes.IndexByte(body, '\\') < 0 {
		return nil
	}
	at, what := badText(body)
	if at < 0 {
		return nil
	}
	where := "body"
	if path, ok := pathAt(body, int64(at)+1); ok {
		where = path
	}
	return NewProblem(http.StatusBadRequest,
		fmt.Sprintf("%s: not valid Unicode text: %s at byte %d", where, what, at))
}

// badText is the offset of the first byte of body that is not UTF-8, or of
// the first \u escape of half a UTF-16 surrogate pair, with what it is;
// -1 when there is none. Body is JSON that decodes, so a backslash is
// always an escape inside a string.
func badText(body []byte) (int, string) {
	for i := 0; i < len(body); {
		c := body[i]
		switch {
		case c == '\\':
			if i+1 < len(body) && body[i+1] == 'u' {
				r := hex4(body, i+2)
				if !utf16.IsSurrogate(r) {
					i += 6
					continue
				}
				if r < 0xdc00 && i+12 <= len(body) && body[i+6] == '\\' && body[i+7] == 'u' {
					if lo := hex4(body, i+8); lo >= 0xdc00 && lo < 0xe000 {
						i += 12
						continue
					}
				}
				return i, fmt.Sprintf("\\u%04x, half of a UTF-16 surrogate pair", r)
			}
			i += 2
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(body[i:])
			if r == utf8.RuneError && size <= 1 {
				return i, fmt.Sprintf("byte 0x%02x, which is not UTF-8", c)
			}
			i += size
		}
	}
	return -1, ""
}

// hex4 is the value of the four hex digits at body[at:], or -1.
func hex4(body []byte, at int) rune {
	if at+4 > len(body) {
		return -1
	}
	var r rune
	for _, c := range body[at : at+4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return -1
		}
	}
	return r
}
