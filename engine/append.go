package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Append stores the events whose identity (caller account, event source,
// eventTime, eventID) is not stored yet, with their rollup changes, in one
// atomic commit per store transaction (a call larger than one transaction
// is split; each part is atomic and a retry of the whole call stores
// nothing twice). It is safe for concurrent use; appends are serialized.
func (e *Engine) Append(ctx context.Context, events []Event) (AppendResult, error) {
	var res AppendResult
	for i := range events {
		if err := checkEvent(&events[i]); err != nil {
			return res, fmt.Errorf("engine: event %d (%s): %w", i, events[i].ID, err)
		}
	}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	for len(events) > 0 {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		n, part, err := e.appendOnce(events)
		if err != nil {
			return res, err
		}
		res.Ingested += part.Ingested
		res.Duplicates += part.Duplicates
		events = events[n:]
	}
	if e.pending.approxBytes() > e.opts.FoldBytes {
		if err := e.foldLocked(); err != nil {
			return res, err
		}
	}
	return res, nil
}

func checkEvent(ev *Event) error {
	switch {
	case ev.ID == "":
		return errors.New("empty event id")
	case ev.AccountID == "" || strings.IndexByte(ev.AccountID, 0) >= 0:
		return errors.New("invalid account id")
	case ev.Namespace == "" || strings.IndexByte(ev.Namespace, 0) >= 0:
		return errors.New("invalid service namespace")
	case ev.Time == 0:
		return errors.New("no event time")
	}
	return nil
}

// appendOnce commits as many of events as one transaction takes.
func (e *Engine) appendOnce(events []Event) (int, AppendResult, error) {
	var res AppendResult
	b := e.store.NewAppend()
	defer b.Discard()
	delta := newRollupDelta()
	n := 0
	for i := range events {
		fresh, err := b.Add(&events[i])
		if errors.Is(err, ErrBatchFull) {
			break
		}
		if err != nil {
			return 0, res, err
		}
		n++
		if fresh {
			delta.push(&events[i])
			res.Ingested++
		} else {
			res.Duplicates++
		}
	}
	if n == 0 {
		return 0, res, fmt.Errorf("engine: event %s does not fit in one transaction", events[0].ID)
	}
	e.stateMu.Lock()
	defer e.stateMu.Unlock()
	seq, err := b.Commit()
	if err != nil {
		return 0, AppendResult{}, err
	}
	if !delta.empty() {
		e.pending.merge(delta)
		e.pendingThrough = seq
		if e.orgRollup != nil {
			e.orgRollup.mergeDelta(delta)
		}
	}
	return n, res, nil
}
