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
	"strings"
	"syscall"
	"time"
)

// startProcess starts the system as its own process (this binary's `run`
// on embedded defaults under the bench directory, HTTP on a free port), as
// a client would meet it: the load generator then shares the machine's
// cores with it, not its Go scheduler. args are extra flags of `run`.
func (b *bench) startProcess(ctx context.Context, dir string, args ...string) (string, *http.Client, func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return "", nil, nil, fmt.Errorf("bench: own executable: %w", err)
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
		return "", nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, nil, fmt.Errorf("bench: start the system: %w", err)
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
		return "", nil, nil, fmt.Errorf("bench: the system exited before listening: %v", err)
	case <-time.After(60 * time.Second):
		stop()
		return "", nil, nil, errors.New("bench: the system did not listen within 60s")
	case <-ctx.Done():
		stop()
		return "", nil, nil, ctx.Err()
	}
	if err := waitReady(ctx, client, base, nil, 30*time.Second); err != nil {
		stop()
		return "", nil, nil, err
	}
	return base, client, stop, nil
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
