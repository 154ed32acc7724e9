// Package eventtest holds the conformance suites that every backend of the
// event toolkit runs, in the spirit of watermill's TestPubSub: TestBroker for
// event.Broker implementations and TestStore for stores. A backend's own test
// file calls the suite with a constructor that returns a fresh, isolated
// instance (its own stream, subject prefix, file or schema) per call, so the
// subtests can run in parallel.
//
// The suites wait for outcomes by polling with generous deadlines, never by
// sleeping, because they run on shared, slow machines and against real
// servers. The helpers RequireService, NATSURL and PostgresURL let tests of
// external backends skip, or fail when BANCHAN_REQUIRE_SERVICES=1, when the
// server is not there.
package eventtest
