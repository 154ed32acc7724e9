// Command banchan runs the banchan order-fulfilment system (all services in
// one process by default, or the ones chosen with --services) and talks to
// a running one (dead letters).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/banchan/banchan/internal/system"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "banchan:", err)
		os.Exit(1)
	}
}

const usage = `banchan: event-driven order fulfilment

Usage:
  banchan [run] [flags]            run the system (all services on embedded defaults)
  banchan dlq list|show|redrive|purge [--server URL] [ID...]
                                   work with the dead letters of a running system
  banchan events tail [--server URL] [--after N] [--type T]
                                   follow the event log of a running system
  banchan projections list|status|rebuild [--server URL] [NAME]
                                   read models: checkpoints, lag, zero-downtime rebuild
  banchan bench [flags]            measure durable orders/s and broker rates
  banchan help                     this text; 'banchan run --help' lists every flag

Every run flag has an environment variable: BANCHAN_ + the flag in capitals
(--nats-url is BANCHAN_NATS_URL).
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "run"
	switch {
	case len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help"):
		cmd = "help" // the overview; 'banchan run --help' lists the flags
	case len(args) > 0 && (args[0] == "" || args[0][0] != '-'):
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run":
		return system.Main(ctx, args, stdout, stderr)
	case "dlq":
		return system.DLQ(ctx, args, stdout, stderr)
	case "events":
		return system.Events(ctx, args, stdout, stderr)
	case "projections":
		return system.Projections(ctx, args, stdout, stderr)
	case "bench":
		return system.Bench(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}
