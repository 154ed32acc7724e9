package web

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// overLimitServer decodes a JSON body behind the middleware the system
// serves with.
func overLimitServer(t *testing.T) *httptest.Server {
	log := slog.New(slog.DiscardHandler)
	srv := httptest.NewServer(Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v map[string]any
		if err := Decode(w, r, &v); err != nil {
			WriteError(w, r, log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}), AccessLog(log), Recover(log)))
	t.Cleanup(srv.Close)
	return srv
}

// TestABodyOverTheLimitIsAnsweredNotReset: a client that writes its whole
// body before it reads the answer, as Python's http.client does, gets the
// 413 problem for a body of 12 MiB (more than loopback buffers hold),
// with a Content-Length or chunked,
// instead of a connection reset while it writes; one that waits for
// "100 Continue" gets it without sending the body.
func TestABodyOverTheLimitIsAnsweredNotReset(t *testing.T) {
	srv := overLimitServer(t)
	body := `{"orderid":"` + strings.Repeat("x", 12<<20) + `"}`
	for _, c := range []struct {
		name   string
		header string
		body   func(w io.Writer) error
	}{
		{"content length", fmt.Sprintf("Content-Length: %d\r\n", len(body)), func(w io.Writer) error {
			_, err := io.WriteString(w, body)
			return err
		}},
		{"chunked", "Transfer-Encoding: chunked\r\n", func(w io.Writer) error {
			for rest := body; rest != ""; {
				n := min(len(rest), 64<<10)
				if _, err := fmt.Fprintf(w, "%x\r\n%s\r\n", n, rest[:n]); err != nil {
					return err
				}
				rest = rest[n:]
			}
			_, err := io.WriteString(w, "0\r\n\r\n")
			return err
		}},
		{"expect continue", fmt.Sprintf("Content-Length: %d\r\nExpect: 100-continue\r\n", len(body)), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
			if _, err := io.WriteString(conn, "POST /allocate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+c.header+"\r\n"); err != nil {
				t.Fatal(err)
			}
			if c.body != nil {
				if err := c.body(conn); err != nil {
					t.Fatalf("writing the body: %v (the server reset the connection?)", err)
				}
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("reading the answer: %v", err)
			}
			defer resp.Body.Close()
			got, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(got), "body is over") {
				t.Errorf("answer %d %s, want 413 naming the limit", resp.StatusCode, got)
			}
		})
	}
}

// TestAStalledOversizedBodyIsAnsweredInTime: the drain of a body over the
// limit waits at most drainTime for a client that stops sending.
func TestAStalledOversizedBodyIsAnsweredInTime(t *testing.T) {
	drainTime = 200 * time.Millisecond
	t.Cleanup(func() { drainTime = 10 * time.Second })
	srv := overLimitServer(t)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	head := fmt.Sprintf("POST /allocate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", 4<<20)
	if _, err := io.WriteString(conn, head+`{"orderid":"`+strings.Repeat("x", 2<<20)); err != nil {
		t.Fatal(err)
	}
	// ... and sends no more.
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("answer %d, want 413", resp.StatusCode)
	}
}
