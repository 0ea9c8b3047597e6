package engine

import (
	"context"
	"fmt"
)

// RebuildResult tells what a rebuild read and wrote.
type RebuildResult struct {
	Events        int64
	AccountRows   int
	PrincipalRows int
}

// rebuildChunk bounds the rollup changes held in memory during a rebuild.
const rebuildChunk = 200_000

// Rebuild recomputes every rollup from the event log. Reports afterwards
// equal those before (the rollups are a pure function of the log); it
// repairs rollups after a bug or a manual edit. Appends wait meanwhile.
func (e *Engine) Rebuild(ctx context.Context) (RebuildResult, error) {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	return e.rebuildLocked(ctx)
}

func (e *Engine) rebuildLocked(ctx context.Context) (RebuildResult, error) {
	var res RebuildResult
	// The marker makes an interrupted rebuild finish at the next open:
	// until then the rows are incomplete.
	if err := e.store.PutMeta(metaRebuilding, []byte("1")); err != nil {
		return res, err
	}
	if err := e.store.ClearRollups(); err != nil {
		return res, err
	}
	e.stateMu.Lock()
	e.pending = newRollupDelta()
	e.orgRollup = nil
	e.stateMu.Unlock()

	snap := e.store.Snapshot()
	defer snap.Close()
	delta := newRollupDelta()
	accounts, principals := map[string]bool{}, map[string]bool{}
	flush := func() error {
		rows, err := e.foldRows(delta)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.Kind == rowKindOrg {
				accounts[r.Name] = true
			} else {
				principals[r.Name] = true
			}
		}
		if err := e.store.WriteRollups(rows, 0); err != nil {
			return err
		}
		delta = newRollupDelta()
		return nil
	}
	err := snap.ScanEvents(EventQuery{}, func(ev *Event) error {
		res.Events++
		delta.push(ev)
		if res.Events%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if len(delta.org)+delta.actions >= rebuildChunk {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return res, fmt.Errorf("engine: rebuild: %w", err)
	}
	res.AccountRows, res.PrincipalRows = len(accounts), len(principals)
	if err := e.store.PutMeta(metaRebuilding, nil); err != nil {
		return res, err
	}
	return res, nil
}
