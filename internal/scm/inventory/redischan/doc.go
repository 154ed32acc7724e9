// Package redischan connects inventory to two Redis pub/sub channels, the
// Cosmic Python book's external message bus:
//
//   - change_batch_quantity (in): {"batchref": "b-1", "qty": 5} sets a
//     batch's quantity; the lines that no longer fit are reallocated inside
//     the same transaction. A message that cannot succeed (not exactly that
//     object, a negative qty, an unknown batch) is logged, counted and kept
//     as a dead letter; a transient failure is retried a few times with
//     backoff first. Messages are handled one at a time, in arrival order.
//     Setting a quantity is idempotent, so a message handled twice (a
//     redrive, a repeat by the producer) changes nothing the second time.
//   - line_allocated (out): {"orderid", "sku", "qty", "batchref"}, the
//     LineAllocated event's data, for every allocation and reallocation.
//     Publisher is an event.Publisher for an outbox.Relay of its own, so
//     what is committed is published even after a crash between commit
//     and publish: at least once, in log order.
//
// Redis pub/sub keeps nothing for a subscriber that is away: a
// change_batch_quantity message published while the subscriber is
// disconnected is lost (at most once). The subscriber reconnects with
// backoff, subscribes again and counts each reconnect; it also pings an
// idle connection, so that one that died silently is noticed.
package redischan
