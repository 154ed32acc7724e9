package web

import (
	"errors"
	"strings"
	"testing"
	"time"
)

type decodeLine struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

type decodeBase struct {
	CustomerID string `json:"customerId"`
}

type decodeOrder struct {
	decodeBase
	Lines   []decodeLine          `json:"lines"`
	ByName  map[string]decodeLine `json:"byName"`
	At      *time.Time            `json:"at"`
	Ignored string                `json:"-"`
	Plain   string
}

func TestDecodeBytesIsStrict(t *testing.T) {
	cases := []struct {
		name   string
		body   string
		status int    // 0: decodes
		detail string // part of the problem's detail
	}{
		{"exact names", `{"customerId":"c","lines":[{"sku":"A","qty":1}],"byName":{"x":{"sku":"B","qty":2}},"at":null,"Plain":"p"}`, 0, ""},
		{"empty object", `{}`, 0, ""},
		{"escaped key spelt right", `{"customer\u0049d":"c","lines":[{"sku":"a \"quoted\": value","qty":1}]}`, 0, ""},
		{"escaped key spelt wrong", `{"customer\u0069d":"c"}`, 400, `did you mean "customerId"?`},
		{"a field name of another level", `{"lines":[{"customerId":"c"}]}`, 400, `unknown field "lines[0].customerId"`},
		{"top-level case", `{"customerid":"c"}`, 400, `unknown field "customerid" (field names are case-sensitive: did you mean "customerId"?)`},
		{"nested in a slice", `{"lines":[{"sku":"A","qty":1},{"SKU":"B","qty":1}]}`, 400, `unknown field "lines[1].SKU"`},
		{"nested in a map", `{"byName":{"x":{"Qty":2}}}`, 400, `unknown field "byName.x.Qty"`},
		{"field without a tag keeps its name", `{"plain":"p"}`, 400, `did you mean "Plain"`},
		{"unknown field", `{"colour":"red"}`, 400, `unknown field "colour"`},
		{"ignored field", `{"Ignored":"x"}`, 400, `unknown field`},
		{"wrong type", `{"lines":[{"qty":"x"}]}`, 422, `lines[0].qty: want a whole number, got JSON string`},
		{"wrong type in a later line", `{"lines":[{"sku":"A","qty":1},{"sku":"B","qty":"x"}]}`, 422, `lines[1].qty: want a whole number`},
		{"wrong type in a map", `{"byName":{"x":{"qty":"y"}}}`, 422, `byName.x.qty: want a whole number`},
		{"an object for a list", `{"lines":{"sku":"A"}}`, 422, `lines: want a list, got JSON object`},
		{"a list for the body", `[1]`, 422, `body: want an object, got JSON array`},
		{"a number for a string", `{"customerId":7}`, 422, `customerId: want a string, got JSON number`},
		{"unknown field in a list", `{"lines":[{"sku":"A","colour":"red"}]}`, 400, `unknown field "lines[0].colour"`},
		{"trailing data", `{} {}`, 400, "after the JSON object"},
		{"duplicate member", `{"customerId":"a","customerId":"b"}`, 400, `duplicate field "customerId"`},
		{"duplicate in a line", `{"lines":[{"sku":"A","qty":1},{"sku":"B","qty":1,"qty":1000}]}`, 400, `duplicate field "lines[1].qty"`},
		{"escaped duplicate", `{"customerId":"a","customer\u0049d":"b"}`, 400, `duplicate field "customerId"`},
		{"one name in several objects", `{"lines":[{"sku":"A","qty":1},{"sku":"B","qty":2}],"byName":{"sku":{"sku":"C"}}}`, 0, ""},
		{"many keys, none twice", `{"byName":{"a":{},"b":{},"c":{},"d":{},"e":{},"f":{},"g":{},"h":{},"i":{},"j":{},"k":{},"l":{},"m":{},"n":{},"o":{},"p":{},"q":{},"r":{}}}`, 0, ""},
		{"one name in each line", `{"lines":[{"sku":"A","qty":1},{"sku":"B","qty":2},{"sku":"C","qty":3}]}`, 0, ""},
		{"a key in a string value", `{"customerId":"{\"a\":1,\"a\":2}","lines":[]}`, 0, ""},
		{"a duplicate after a nested object closes", `{"lines":[{"sku":"A"}],"customerId":"a","customerId":"b"}`, 400, `duplicate field "customerId"`},
		{"a huge number", `{"byName":{"1":{"qty":1e400}}}`, 422, `byName.1.qty`},
		{"many keys, one twice", `{"byName":{"a":{},"b":{},"c":{},"d":{},"e":{},"f":{},"g":{},"h":{},"i":{},"j":{},"k":{},"l":{},"m":{},"n":{},"o":{},"p":{},"q":{},"a":{}}}`, 400, `duplicate field "byName.a"`},
		{"empty body", ` `, 400, "body is empty"},
		{"a byte that is not UTF-8", "{\"customerId\":\"a\xffb\"}", 400, "customerId: not valid Unicode text: byte 0xff, which is not UTF-8 at byte 16"},
		{"a cut multi-byte character", "{\"lines\":[{\"sku\":\"\xea\xb9\"}]}", 400, "lines[0].sku: not valid Unicode text"},
		{"a lone high surrogate", `{"customerId":"\ud800"}`, 400, `customerId: not valid Unicode text: \ud800, half of a UTF-16 surrogate pair`},
		{"a lone low surrogate", `{"customerId":"x\uDC00y"}`, 400, `\udc00, half of a UTF-16 surrogate pair`},
		{"a high surrogate before a non-surrogate", `{"customerId":"\ud83d\u0041"}`, 400, `\ud83d, half`},
		{"a surrogate pair", `{"customerId":"\ud83d\ude00 \u00e9 \\ud800"}`, 0, ""},
		{"UTF-8 text", `{"customerId":"김치 🥬"}`, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var v decodeOrder
			err := DecodeBytes([]byte(c.body), &v)
			var p *Problem
			switch {
			case c.status == 0 && err != nil:
				t.Fatalf("got %v, want it decoded", err)
			case c.status == 0:
			case !errors.As(err, &p):
				t.Fatalf("got %v, want a %d problem", err, c.status)
			case p.Status != c.status || !strings.Contains(p.Detail, c.detail):
				t.Errorf("got %d %q, want %d with %q", p.Status, p.Detail, c.status, c.detail)
			}
		})
	}
	var line decodeLine
	if err := DecodeBytes([]byte(`{"sku":"A","qty":3}`), &line); err != nil || line != (decodeLine{"A", 3}) {
		t.Errorf("plain struct: %+v %v", line, err)
	}
	var m map[string]any
	if err := DecodeBytes([]byte(`{"Anything":1}`), &m); err != nil {
		t.Errorf("a map takes any key: %v", err)
	}
}

// BenchmarkDecodeBytes: the strict decoding of a small request body (the
// book's allocate), field-name check included.
func BenchmarkDecodeBytes(b *testing.B) {
	body := []byte(`{"orderid":"bench-order-12345","sku":"BENCH-45","qty":1}`)
	var v struct {
		OrderID string `json:"orderid"`
		SKU     string `json:"sku"`
		Qty     *int   `json:"qty"`
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := DecodeBytes(body, &v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeOrder: an order body of several lines, whose lines repeat
// the same keys (which the duplicate check must tell from a repeat in one
// object without its token walk).
func BenchmarkDecodeOrder(b *testing.B) {
	body := []byte(`{"customerId":"c-1","lines":[{"sku":"A","qty":1},{"sku":"B","qty":2},{"sku":"C","qty":3},{"sku":"D","qty":4}],"at":null}`)
	b.ReportAllocs()
	for b.Loop() {
		var v decodeOrder
		if err := DecodeBytes(body, &v); err != nil {
			b.Fatal(err)
		}
	}
}
