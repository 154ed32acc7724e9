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
	// NoSync leaves flushing to the server's default interval (tests only).
	NoSync bool
}

// syncInterval is how often the embedded server fsyncs its files.
const syncInterval = time.Second

// StartEmbedded starts an in-process NATS server and waits until it is ready.
//
// Its JetStream writes every message to the operating system at once (a
// crash of the process loses nothing) and fsyncs once a second, not before
// every acknowledgement: the embedded server sits behind an outbox whose
// log is durable, and an outbox relay that learns on resume that the
// stream lost its last messages (a machine crash) publishes them again
// (see Broker.LastSequence). An fsync per message would cap the whole
// pipeline at the disk's fsync rate and take the disk from the log.
func StartEmbedded(o EmbeddedOptions) (*server.Server, error) {
	opts := &server.Options{
		ServerName:         "banchan-embedded",
		JetStream:          true,
		StoreDir:           o.StoreDir,
		DontListen:         o.Listen == "",
		NoSigs:             true,
		NoLog:              true,
		JetStreamMaxMemory: 256 << 20,
	}
	if !o.NoSync {
		opts.SyncInterval = syncInterval
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
