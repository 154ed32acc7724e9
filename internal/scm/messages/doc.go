// Package messages is the shared kernel of the SCM's modules: the messages
// they exchange on the in-process bus (event/bus), the names of an order's
// fulfilment stages, and the errors every module reports the same way.
//
// A module states a fact by publishing one of these plain structs inside
// its transaction; the modules that care subscribe to its type and react in
// the same transaction, so everything commits or rolls back together. No
// module imports another: they all import this package. Facts that leave
// the service are appended to the outbox (internal/scm/contract), never
// sent from here.
package messages
