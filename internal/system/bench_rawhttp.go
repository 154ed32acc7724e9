package system

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// rawClient is the load tool's HTTP/1.1 client for the allocate phase: one
// kept-alive connection per client, each request written and its response
// read by hand. It takes a fraction of net/http's CPU per request, which on
// a machine the load tool shares with the system measured is CPU the
// system gets (real clients run elsewhere). It reads what this server
// sends: a status line, headers and a Content-Length body (a chunked or
// unbounded one is an error).
type rawClient struct {
	addr, host string
	timeout    time.Duration
	idle       chan *rawConn
}

type rawConn struct {
	c   net.Conn
	r   *bufio.Reader
	w   *bufio.Writer
	req []byte
}

func newRawClient(base string, clients int, timeout time.Duration) (*rawClient, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("bench: raw client: base URL %q: want http://host:port", base)
	}
	return &rawClient{addr: u.Host, host: u.Host, timeout: timeout, idle: make(chan *rawConn, clients)}, nil
}

// do sends one request and wants the given status; body may be nil.
func (rc *rawClient) do(ctx context.Context, method, path string, body []byte, want int) error {
	var conn *rawConn
	select {
	case conn = <-rc.idle:
	default:
		c, err := (&net.Dialer{Timeout: rc.timeout}).DialContext(ctx, "tcp", rc.addr)
		if err != nil {
			return err
		}
		conn = &rawConn{c: c, r: bufio.NewReaderSize(c, 4096), w: bufio.NewWriterSize(c, 4096)}
	}
	keep, err := conn.roundTrip(rc.host, method, path, body, want, time.Now().Add(rc.timeout))
	if keep && err == nil {
		select {
		case rc.idle <- conn:
			return nil
		default:
		}
	}
	conn.c.Close()
	return err
}

// close closes the idle connections.
func (rc *rawClient) close() {
	for {
		select {
		case conn := <-rc.idle:
			conn.c.Close()
		default:
			return
		}
	}
}

func (c *rawConn) roundTrip(host, method, path string, body []byte, want int, deadline time.Time) (keep bool, err error) {
	if err := c.c.SetDeadline(deadline); err != nil {
		return false, err
	}
	req := append(c.req[:0], method...)
	req = append(req, ' ')
	req = append(req, path...)
	req = append(req, " HTTP/1.1\r\nHost: "...)
	req = append(req, host...)
	if body != nil {
		req = append(req, "\r\nContent-Type: application/json\r\nContent-Length: "...)
		req = strconv.AppendInt(req, int64(len(body)), 10)
	}
	req = append(req, "\r\n\r\n"...)
	req = append(req, body...)
	c.req = req
	if _, err := c.w.Write(req); err != nil {
		return false, err
	}
	if err := c.w.Flush(); err != nil {
		return false, err
	}
	tp := textproto.NewReader(c.r)
	line, err := tp.ReadLine()
	if err != nil {
		return false, err
	}
	proto, rest, ok := strings.Cut(line, " ")
	if !ok || !strings.HasPrefix(proto, "HTTP/1.") || len(rest) < 3 {
		return false, fmt.Errorf("%s %s: bad status line %q", method, path, line)
	}
	status, err := strconv.Atoi(rest[:3])
	if err != nil {
		return false, fmt.Errorf("%s %s: bad status line %q", method, path, line)
	}
	length, keep := -1, true
	for {
		h, err := tp.ReadLine()
		if err != nil {
			return false, err
		}
		if h == "" {
			break
		}
		name, value, _ := strings.Cut(h, ":")
		value = strings.TrimSpace(value)
		switch strings.ToLower(name) {
		case "content-length":
			if length, err = strconv.Atoi(value); err != nil || length < 0 {
				return false, fmt.Errorf("%s %s: bad Content-Length %q", method, path, value)
			}
		case "transfer-encoding":
			return false, fmt.Errorf("%s %s: transfer-encoding %q not supported by the load tool", method, path, value)
		case "connection":
			keep = !strings.EqualFold(value, "close")
		}
	}
	if length < 0 {
		return false, fmt.Errorf("%s %s: %d without Content-Length", method, path, status)
	}
	var got []byte
	if status != want {
		got = make([]byte, min(length, 4096))
		if _, err := io.ReadFull(c.r, got); err != nil {
			return false, err
		}
		length -= len(got)
	}
	if _, err := c.r.Discard(length); err != nil {
		return false, err
	}
	if status != want {
		return keep, errors.New(method + " " + path + ": " + strconv.Itoa(status) + ": " + strings.TrimSpace(string(got)))
	}
	return keep, nil
}
