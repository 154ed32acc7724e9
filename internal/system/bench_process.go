package system

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// startProcess starts the system as its own process (this binary's `run`
// on embedded defaults under the bench directory, HTTP on a free port), as
// a client would meet it: the load generator then shares the machine's
// cores with it, not its Go scheduler. args are extra flags of `run`.
func (b *bench) startProcess(ctx context.Context, dir string, args ...string) (*benchSystem, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("bench: own executable: %w", err)
	}
	run := []string{"run", "--data-dir", filepath.Join(b.dir, dir), "--http", "127.0.0.1:0", "--log-level", "warn"}
	if b.opts.cpuProfile != "" {
		run = append(run, "--cpuprofile", b.opts.cpuProfile+"."+dir)
	}
	cmd := exec.Command(exe, append(run, args...)...)
	cmd.Env = benchChildEnv(os.Environ())
	cmd.Stderr = b.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start the system: %w", err)
	}
	exited := make(chan error, 1)
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "banchan listening on "); ok {
				addr <- strings.Fields(rest)[0]
			}
		}
		_, _ = io.Copy(io.Discard, out)
		exited <- cmd.Wait()
	}()
	client := benchHTTPClient(b.opts.clients, b.opts.timeout)
	stop := func() {
		client.CloseIdleConnections()
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			fmt.Fprintln(b.stderr, "bench: the system did not stop within 30s; killing it")
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	var base string
	select {
	case base = <-addr:
	case err := <-exited:
		return nil, fmt.Errorf("bench: the system exited before listening: %v", err)
	case <-time.After(60 * time.Second):
		stop()
		return nil, errors.New("bench: the system did not listen within 60s")
	case <-ctx.Done():
		stop()
		return nil, ctx.Err()
	}
	if err := waitReady(ctx, client, base, nil, 30*time.Second); err != nil {
		stop()
		return nil, err
	}
	return &benchSystem{base: base, client: client, stop: stop, pid: cmd.Process.Pid}, nil
}

// benchSystem is the system started by startProcess.
type benchSystem struct {
	base   string
	client *http.Client
	stop   func()
	pid    int
}

// cpu is the CPU time (user and system) the system's process has used so
// far, from /proc (Linux only; elsewhere an error).
func (s *benchSystem) cpu() (time.Duration, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.pid))
	if err != nil {
		return 0, err
	}
	return parseProcCPU(string(stat))
}

// parseProcCPU reads utime and stime (fields 14 and 15, in clock ticks of
// 1/100 s) of a /proc/<pid>/stat line; the command name, field 2, may
// hold spaces and parentheses, so fields count from its last ')'.
func parseProcCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("proc stat: no command name")
	}
	f := strings.Fields(stat[i+1:]) // f[0] is field 3
	if len(f) < 13 {
		return 0, errors.New("proc stat: too few fields")
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("proc stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

// benchChildEnv drops the BANCHAN_ settings of the caller's environment, so
// that the measured system runs on the defaults the bench states.
func benchChildEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, envPrefix) {
			out = append(out, kv)
		}
	}
	return out
}
