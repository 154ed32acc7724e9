package natsjs

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// EmbeddedOptions configure an in-process NATS server with JetStream.
type EmbeddedOptions struct {
	// StoreDir holds JetStream's files.
	StoreDir string
	// Listen is host:port for a TCP listener; empty means none (clients
	// connect in-process), so the server never takes a port.
	Listen string
	// NoSync turns off fsync before every acknowledgement (tests only).
	NoSync bool
}

// StartEmbedded starts an in-process NATS server and waits until it is ready.
func StartEmbedded(o EmbeddedOptions) (*server.Server, error) {
	opts := &server.Options{
		ServerName:         "banchan-embedded",
		JetStream:          true,
		StoreDir:           o.StoreDir,
		DontListen:         o.Listen == "",
		NoSigs:             true,
		NoLog:              true,
		SyncAlways:         !o.NoSync,
		JetStreamMaxMemory: 256 << 20,
	}
	if !o.NoSync {
		opts.SyncInterval = time.Minute
	}
	if o.Listen != "" {
		host, port, err := net.SplitHostPort(o.Listen)
		if err != nil {
			return nil, fmt.Errorf("embedded nats: listen %q: %w", o.Listen, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, fmt.Errorf("embedded nats: listen %q: bad port", o.Listen)
		}
		opts.Host, opts.Port = host, p
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(15 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("embedded nats: not ready after 15s")
	}
	return ns, nil
}
