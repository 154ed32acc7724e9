package eventtest

import (
	"os"
	"testing"
	"time"
)

// Environment variables read by the test helpers. They are test
// configuration: nothing outside tests reads them.
const (
	// EnvRequireServices set to 1 turns a missing service into a failure.
	EnvRequireServices = "BANCHAN_REQUIRE_SERVICES"
	// EnvNATSURL is the external NATS server for backend tests.
	EnvNATSURL = "BANCHAN_TEST_NATS_URL"
	// EnvPostgresURL is the external PostgreSQL database for backend tests.
	EnvPostgresURL = "BANCHAN_TEST_POSTGRES_URL"
)

// Timeout bounds every wait in the suites: long, because the machines that
// run them are shared and slow, and a pass costs nothing near it.
const Timeout = 20 * time.Second

// NATSURL is the external NATS server to test against
// (BANCHAN_TEST_NATS_URL, default nats://127.0.0.1:4222).
func NATSURL() string {
	return envOr(EnvNATSURL, "nats://127.0.0.1:4222")
}

// PostgresURL is the external PostgreSQL database to test against
// (BANCHAN_TEST_POSTGRES_URL, default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable).
func PostgresURL() string {
	return envOr(EnvPostgresURL, "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// RequireService handles err from reaching the external service name: nil
// does nothing; otherwise the test is skipped with the reason, or fails when
// BANCHAN_REQUIRE_SERVICES=1 (as in CI, where the services must be there).
func RequireService(t testing.TB, name string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv(EnvRequireServices) == "1" {
		t.Fatalf("%s is required (%s=1) but unavailable: %v", name, EnvRequireServices, err)
	}
	t.Skipf("%s unavailable, skipping (set %s=1 to fail instead): %v", name, EnvRequireServices, err)
}

// eventually polls cond until it holds, failing t with what after timeout.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond) // a poll interval, not a wait for an outcome
	}
}
