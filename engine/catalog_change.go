package engine

import (
	"context"
	"fmt"

	"lastaccess/engine/catalog"
)

// ImportCatalog replaces the service catalog. Stored events carry the
// namespace and action the catalog gave them at ingest, and the namespace
// is part of an event's key (its identity): events whose event source or
// event name the new catalog maps differently are moved to their new key,
// and the rollups are rebuilt, so that reports and later ingests of the
// same records agree with the new catalog.
func (e *Engine) ImportCatalog(ctx context.Context, cat *catalog.Catalog) (moved int, err error) {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	if err := e.store.PutMeta(metaCatalog, cat.Encode()); err != nil {
		return 0, err
	}
	e.stateMu.Lock()
	e.cat = cat
	e.stateMu.Unlock()
	moved, err = e.rekeyLocked(ctx, cat)
	if err != nil {
		return moved, err
	}
	if _, err := e.rebuildLocked(ctx); err != nil {
		return moved, err
	}
	return moved, nil
}

// rekeyChunk bounds how many changed events are held before they are moved.
const rekeyChunk = 512

func (e *Engine) rekeyLocked(ctx context.Context, cat *catalog.Catalog) (int, error) {
	snap := e.store.Snapshot()
	defer snap.Close()
	moved := 0
	var changed []Event // pairs: old, new
	// Each chunk of moves is one transaction: an event is never removed
	// without its new key being stored. rekeyChunk pairs fit well within
	// one transaction.
	flush := func() error {
		if len(changed) == 0 {
			return nil
		}
		b := e.store.NewAppend()
		defer b.Discard()
		for i := 0; i < len(changed); i += 2 {
			if err := b.Remove(&changed[i]); err != nil {
				return err
			}
			if _, err := b.Add(&changed[i+1]); err != nil {
				return err
			}
		}
		if _, err := b.Commit(); err != nil {
			return err
		}
		moved += len(changed) / 2
		changed = changed[:0]
		return nil
	}
	err := snap.ScanEvents(EventQuery{}, func(ev *Event) error {
		ns, _ := cat.NamespaceForEventSource(ev.EventSource)
		action := cat.ActionForEvent(ns, ev.EventName)
		if ns == ev.Namespace && action == ev.Action {
			return nil
		}
		next := *ev
		next.Namespace, next.Action = ns, action
		changed = append(changed, *ev, next)
		if len(changed) >= 2*rekeyChunk {
			if err := ctx.Err(); err != nil {
				return err
			}
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return moved, fmt.Errorf("engine: move events to the new catalog's namespaces: %w", err)
	}
	return moved, nil
}
