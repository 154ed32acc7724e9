// Package systemtest holds black-box system tests: they build the banchan
// binary once, run it as child processes (embedded, on external PostgreSQL
// and NATS, or split into one process per service), kill and restart it
// under load, and check what the HTTP API and the published events say.
//
// The tests that need external servers read BANCHAN_TEST_POSTGRES_URL and
// BANCHAN_TEST_NATS_URL; they skip when a server is unreachable unless
// BANCHAN_REQUIRE_SERVICES=1. Under -short only the graceful shutdown test
// runs.
package systemtest
