package system

import (
	"context"
	"time"
)

// pruneInbox deletes, every pruneEvery(retention), the inbox records of
// events every subscription acknowledged more than --inbox-retention ago
// (see sqlstore.Store.PruneInbox), so that the inbox does not grow with
// the log. Every process may run it; a pass that fails is tried at the
// next tick.
func (s *System) pruneInbox(ctx context.Context) {
	retention := s.cfg.InboxRetention
	log := s.log.With("component", "inbox")
	tick := time.NewTicker(pruneEvery(retention))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		deleted, horizon, err := s.store.PruneInbox(ctx, time.Now().Add(-retention))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("prune inbox", "err", err, "deleted", deleted, "horizon", horizon)
		case deleted > 0:
			log.Info("inbox pruned", "deleted", deleted, "horizon", horizon, "retention", retention)
		}
	}
}

// pruneEvery is how often the inbox is pruned: a quarter of the retention,
// between a second and an hour.
func pruneEvery(retention time.Duration) time.Duration {
	return min(max(retention/4, time.Second), time.Hour)
}
