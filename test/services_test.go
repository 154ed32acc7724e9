package systemtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/banchan/banchan/event/postgres"
	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Environment of the tests that need external servers.
const (
	envPostgresURL     = "BANCHAN_TEST_POSTGRES_URL"
	envNATSURL         = "BANCHAN_TEST_NATS_URL"
	envRequireServices = "BANCHAN_REQUIRE_SERVICES"
)

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// requireService skips t when an external server is unreachable, or fails
// it when BANCHAN_REQUIRE_SERVICES=1.
func requireService(t *testing.T, name string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv(envRequireServices) == "1" {
		t.Fatalf("%s is required (%s=1) but unreachable: %v", name, envRequireServices, err)
	}
	t.Skipf("%s unreachable, skipping (set %s=1 to fail instead): %v", name, envRequireServices, err)
}

// externals are the external PostgreSQL and NATS servers, with names of
// this test's own: schemas and a stream that are dropped when it ends.
type externals struct {
	pgURL, natsURL string
	suffix         string
	stream, prefix string
}

func newExternals(t *testing.T) *externals {
	t.Helper()
	e := &externals{pgURL: envOr(envPostgresURL, "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"),
		natsURL: envOr(envNATSURL, nats.DefaultURL), suffix: randomHex(t)}
	requireService(t, "PostgreSQL at "+e.pgURL, pingPostgres(e.pgURL))
	requireService(t, "NATS JetStream at "+e.natsURL, pingJetStream(e.natsURL))
	e.stream, e.prefix = "SYSTEST_"+strings.ToUpper(e.suffix), "systest"+e.suffix
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := deleteStream(ctx, e.natsURL, e.stream); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Logf("delete stream %s: %v", e.stream, err)
		}
	})
	return e
}

// schema names a schema of this test (dropped when it ends).
func (e *externals) schema(t *testing.T, role string) string {
	name := "systest_" + e.suffix + "_" + role
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := postgres.DropSchema(ctx, e.pgURL, name); err != nil {
			t.Logf("drop schema %s: %v", name, err)
		}
	})
	return name
}

// args are the flags that put a process on the external servers (the
// stream's name and prefix are passed apart).
func (e *externals) args(schema string) []string {
	return []string{"--postgres-url", e.pgURL, "--postgres-schema", schema, "--nats-url", e.natsURL}
}

func pingPostgres(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.Ping(ctx)
}

func pingJetStream(url string) error {
	nc, err := nats.Connect(url, nats.Timeout(3*time.Second))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = js.AccountInfo(ctx)
	return err
}

func deleteStream(ctx context.Context, url, stream string) error {
	nc, err := nats.Connect(url, nats.Timeout(3*time.Second))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	return js.DeleteStream(ctx, stream)
}

func randomHex(t *testing.T) string {
	b := make([]byte, 5)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// freeAddr is a 127.0.0.1 address nothing listens on right now, for a
// listener that cannot take port 0 (the embedded NATS server reads 0 as 4222).
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}
