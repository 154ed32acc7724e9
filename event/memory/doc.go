// Package memory is an in-process event broker for unit tests. It keeps the
// semantics of the natsjs backend, so code tested against it behaves the same
// on JetStream:
//
//   - One append-only log holds every published message; a subscription
//     opened later starts from the beginning (late subscribers, replays).
//   - Publishing an envelope id seen within the last Config.Duplicates
//     messages is accepted and dropped.
//   - A subscription name is durable, per topic: each distinct name receives
//     every message of its topics (fan-out); subscriptions open under one
//     name share its messages (competing consumers: each message goes to one
//     of them). Position and unsettled messages survive Close, so a later
//     Subscribe under the name carries on where the last one stopped.
//
// Acknowledgement: a delivery is settled once by Ack (done), Nak (redeliver
// after a delay, without holding up other messages) or Term (drop). A
// delivery not settled within its subscription's AckWait is redelivered, as
// if its consumer had crashed. Attempt counts deliveries from 1.
//
// Ordering and concurrency: messages are handed out in log order, and within
// one subscription the handler runs on Workers goroutines with every message
// of one envelope subject on the same worker (event/dispatch), so one
// subject's messages are handled one at a time and in publish order unless a
// message is redelivered. Every method is safe for concurrent use.
package memory
