// Package event is banchan's event toolkit: the envelope that every event and
// command travels in, the ports a broker backend implements (Publisher,
// Subscriber), the consumer that routes deliveries to typed handlers with
// retries and dead letters, and the store ports (transactions with an outbox
// and an inbox) that make "state and events commit together" and "a
// redelivered event changes nothing" hold.
//
// Delivery is at-least-once. A handler that returns nil acknowledges the
// message; a handler error is retried with exponential backoff through the
// broker's delayed redelivery; a permanent error (see Permanent) or the last
// allowed attempt sends the message to the dead letters with the reason, the
// handler and the attempt count.
//
// Backends live in sub-packages (memory, natsjs for embedded and external
// NATS JetStream; sqlite and postgres for stores) and every one of them runs
// the conformance suites in eventtest. This package and its sub-packages
// never import banchan's internal packages.
package event
