package systemtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startTimeout bounds how long a process may take to listen and be ready.
const startTimeout = 30 * time.Second

// proc is one banchan child process.
type proc struct {
	name   string
	cmd    *exec.Cmd
	addr   string // HTTP host:port, parsed from stdout
	stdout *logBuffer
	stderr *logBuffer
	done   chan struct{} // closed when the process has exited
	err    error         // Wait's result, set before done closes
}

// start runs `banchan run --http 127.0.0.1:0 args...` and returns once it
// listens and /readyz answers 200. The process is killed when t ends, and
// its output's tail is logged if t failed.
func start(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, stdout: &logBuffer{}, stderr: &logBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(binary(t), append([]string{"run", "--http", "127.0.0.1:0"}, args...)...)
	p.cmd.Env = childEnv()
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	p.cmd.WaitDelay = 5 * time.Second
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.cleanup(t) })
	if err := p.awaitReady(startTimeout); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, p.tail(40))
	}
	return p
}

// childEnv is this process's environment without BANCHAN_ variables, so
// that the flags a test passes are the whole configuration of the child.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BANCHAN_") {
			env = append(env, kv)
		}
	}
	return env
}

var listeningRe = regexp.MustCompile(`banchan listening on http://(\S+)`)

func (p *proc) awaitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for p.addr == "" {
		if m := listeningRe.FindStringSubmatch(p.stdout.String()); m != nil {
			p.addr = m[1]
			break
		}
		if err := p.pause(deadline, "the listening line"); err != nil {
			return err
		}
	}
	hc := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := hc.Get(p.url() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if err := p.pause(deadline, "GET /readyz 200"); err != nil {
			return err
		}
	}
}

// pause waits a little inside a polling loop, failing when the process
// exited or the deadline passed.
func (p *proc) pause(deadline time.Time, what string) error {
	if time.Now().After(deadline) {
		return fmt.Errorf("no %s within %v", what, startTimeout)
	}
	select {
	case <-p.done:
		return fmt.Errorf("exited before %s: %v", what, p.err)
	case <-time.After(20 * time.Millisecond):
		return nil
	}
}

func (p *proc) url() string { return "http://" + p.addr }

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: still running 10s after SIGKILL", p.name)
	}
}

// terminate sends SIGTERM and waits up to timeout for the exit; it returns
// the exit code and how long the shutdown took.
func (p *proc) terminate(timeout time.Duration) (int, time.Duration, error) {
	began := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return -1, 0, err
	}
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode(), time.Since(began), nil
	case <-time.After(timeout):
		return -1, time.Since(began), fmt.Errorf("still running %v after SIGTERM", timeout)
	}
}

func (p *proc) cleanup(t *testing.T) {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	if t.Failed() {
		t.Logf("--- %s: exit %v; last stderr lines:\n%s", p.name, p.err, p.tail(30))
	}
}

// tail is the end of the process's stderr.
func (p *proc) tail(n int) string {
	lines := strings.Split(strings.TrimRight(p.stderr.String(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// logBuffer collects a child's output; the child's copy goroutine writes
// while the test reads.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// eventually polls cond every 50ms until it returns nil or timeout passes,
// then returns cond's last error.
func eventually(ctx context.Context, timeout time.Duration, cond func() error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := cond()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.Join(fmt.Errorf("not within %v", timeout), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
