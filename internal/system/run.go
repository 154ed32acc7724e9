package system

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/banchan/banchan/event"
	"github.com/banchan/banchan/internal/foundation/web"
)

// Run serves until ctx ends (SIGTERM/SIGINT), then shuts down in order:
// stop taking requests and let in-flight ones finish, stop the
// subscriptions after their handlers return, flush the outbox relay, close
// the broker and the store.
func (s *System) Run(ctx context.Context) error {
	handler := web.Chain(web.Routed(s.mux), web.AccessLog(s.log), web.Recover(s.log), web.Trace)
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(s.listener) }()

	relayCtx, stopRelay := context.WithCancel(context.WithoutCancel(ctx))
	relayDone := make(chan error, 1)
	go func() { relayDone <- s.runRelay(relayCtx) }()

	runCtx, stopRunners := context.WithCancel(context.WithoutCancel(ctx))
	var runners sync.WaitGroup
	for _, run := range s.runners {
		runners.Add(1)
		go func() { defer runners.Done(); run(runCtx) }()
	}
	defer func() { stopRunners(); runners.Wait() }()
	for _, name := range s.Subscriptions() {
		if err := s.consumers[name].Start(ctx); err != nil {
			switch {
			case errors.Is(err, event.ErrOwnedElsewhere) && s.ns != nil:
				err = fmt.Errorf("%w\nThe database under --data-dir is not the one its embedded broker (nats/) was used with: "+
					"restore it, or remove the whole data directory to start afresh. Only to go on with this database from where "+
					"the broker is, start with --take-over-subscriptions", err)
			case errors.Is(err, event.ErrOwnedElsewhere):
				err = fmt.Errorf("%w\nThe processes running %s on this stream use another store: processes of one service share one "+
					"(the same --postgres-url and --postgres-schema), or each has a --nats-stream of its own. Only if that store is gone "+
					"for good, with every process on it stopped, start this one with --take-over-subscriptions", err, name)
			}
			stopRelay()
			<-relayDone
			_ = srv.Close()
			s.close()
			return err
		}
	}
	s.ready.Store(true)
	s.log.Info("banchan ready", "addr", s.Addr(), "subscriptions", strings.Join(s.Subscriptions(), ","))

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
		err = fmt.Errorf("http: %w", err)
	}
	s.ready.Store(false)
	s.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	if serr := srv.Shutdown(sctx); serr != nil {
		s.log.Warn("http shutdown", "err", serr)
	}
	stopRunners()
	runners.Wait()
	var closing sync.WaitGroup
	for _, c := range s.consumers {
		closing.Add(1)
		go func() { defer closing.Done(); _ = c.Close() }()
	}
	closing.Wait()
	stopRelay()
	if rerr := <-relayDone; rerr != nil {
		s.log.Warn("outbox relay: final flush", "err", rerr)
	}
	if s.ns != nil {
		if err := s.broker.Settle(sctx); err != nil {
			s.log.Warn("embedded broker: acknowledgements not all applied; those messages come back after the ack wait", "err", err)
		}
	}
	s.close()
	s.log.Info("stopped")
	return err
}

// Main loads the configuration from args and the environment, and runs the
// system until ctx ends. It prints where it listens to stdout.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, fs, err := LoadArgs("banchan run", args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stderr)
		fs.Usage()
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w\n('banchan run --help' lists the flags)", err)
	}
	log := NewLogger(cfg, stderr)
	if cfg.CPUProfile != "" {
		stop, err := startCPUProfile(cfg.CPUProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer stop()
	}
	log.Info("starting banchan", cfg.LogAttrs()...)
	s, err := New(ctx, cfg, log)
	if err != nil {
		return err
	}
	base := "http://" + s.Addr()
	fmt.Fprintf(stdout, "banchan listening on %s (services: %s)\n", base, strings.Join(cfg.Running(), ", "))
	if hint := tryHint(cfg, base); hint != "" {
		fmt.Fprintln(stdout, "try: "+hint)
	}
	return s.Run(ctx)
}

// tryHint is a first request for the services this process runs.
func tryHint(cfg Config, base string) string {
	switch {
	case cfg.Runs("scm"):
		return "curl -s -X POST " + base + "/v1/batches -H 'Content-Type: application/json' " +
			`-d '{"ref":"b-1","sku":"KIMCHI-500G","qty":20,"eta":null}'`
	case cfg.Runs("ordering"):
		return "curl -s -X POST " + base + "/v1/orders -H 'Content-Type: application/json' " +
			`-d '{"customerId":"c-1","lines":[{"sku":"KIMCHI-500G","qty":2,"unitPrice":5900}],` +
			`"deliveryAddress":{"name":"Kim","line1":"1 Road","postcode":"06000"}}'`
	case cfg.Runs("sales"):
		return "curl -s " + base + "/v1/sales"
	case cfg.Runs("scm-adapter"):
		return "curl -s " + base + "/v1/sku-mappings"
	}
	return ""
}

// NewLogger builds the process logger.
func NewLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
