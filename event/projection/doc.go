// Package projection builds read models from the ordered event log and
// rebuilds them without downtime.
//
// A Projection folds envelopes into tables it owns. The Runner feeds it the
// log in position order, in batches, and stores the projection's checkpoint
// in the same transaction as the read model's changes: a crash anywhere
// leaves both at the same position, so every envelope is applied exactly
// once. A projection added later starts at position 0 and catches up.
//
// Each projection has generations. One is live: readers query it through
// LiveGeneration (an SQL expression, so that a read sees one generation even
// while a switch commits). Rebuild adds a building generation that starts
// from position 0 beside the live one; when it has caught up, one
// transaction makes it live and drops the old one. A crash mid-rebuild
// leaves the live generation serving and the rebuild resumes from its own
// checkpoint.
//
// Follow is the same catch-up in its plain form: a subscription from any
// position that reads what the log holds, then continues with new envelopes
// as they commit, without a gap or a duplicate at the switch.
package projection
