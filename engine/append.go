package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
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

// Flush folds the pending rollup changes into rows now.
func (e *Engine) Flush() error {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	return e.foldLocked()
}

// foldLocked writes the pending rollup changes into rows: each touched
// account and principal row is read, merged and written back, and the
// rows are recorded as folded through the last pending commit. Callers
// hold writeMu.
func (e *Engine) foldLocked() error {
	e.stateMu.RLock()
	pending, through := e.pending, e.pendingThrough
	e.stateMu.RUnlock()
	if pending.empty() {
		return nil
	}
	rows, err := e.foldRows(pending)
	if err != nil {
		return err
	}
	// Rows are written before pending is dropped: a reader in between sees
	// row ⊕ pending, which equals row alone because merging is idempotent.
	if err := e.store.WriteRollups(rows, through); err != nil {
		return err
	}
	e.stateMu.Lock()
	if e.pendingThrough == through {
		e.pending = newRollupDelta()
	}
	e.stateMu.Unlock()
	return nil
}

func (e *Engine) foldRows(d *rollupDelta) ([]RollupRow, error) {
	snap := e.store.Snapshot()
	defer snap.Close()
	byAccount := make(map[string][]nsAccess)
	for k, a := range d.org {
		byAccount[k.Account] = append(byAccount[k.Account], nsAccess{Namespace: k.Namespace, At: a})
	}
	byPrincipal := make(map[string][]actionAccess, len(d.principal))
	for arn, m := range d.principal {
		list := make([]actionAccess, 0, len(m))
		for k, a := range m {
			list = append(list, actionAccess{Namespace: k.Namespace, Action: k.Action, Access: a})
		}
		byPrincipal[arn] = list
	}
	rows := make([]RollupRow, 0, len(byAccount)+len(byPrincipal))
	for _, account := range sortedKeys(byAccount) {
		old, err := snap.RollupRow(rowKindOrg, account)
		if err != nil {
			return nil, err
		}
		merged, err := mergeOrgRow(old, byAccount[account])
		if err != nil {
			return nil, fmt.Errorf("engine: rollup row of account %s: %w", account, err)
		}
		rows = append(rows, RollupRow{Kind: rowKindOrg, Name: account, Value: merged})
	}
	for _, arn := range sortedKeys(byPrincipal) {
		old, err := snap.RollupRow(rowKindPrincipal, arn)
		if err != nil {
			return nil, err
		}
		merged, err := mergePrincipalRow(old, byPrincipal[arn])
		if err != nil {
			return nil, fmt.Errorf("engine: rollup row of %s: %w", arn, err)
		}
		rows = append(rows, RollupRow{Kind: rowKindPrincipal, Name: arn, Value: merged})
	}
	return rows, nil
}

func mergeOrgRow(old []byte, add []nsAccess) ([]byte, error) {
	entries := map[string]lastAccess{}
	if old != nil {
		prev, err := decodeOrgRow(old)
		if err != nil {
			return nil, err
		}
		for _, p := range prev {
			entries[p.Namespace] = p.At
		}
	}
	for _, a := range add {
		cur := entries[a.Namespace]
		cur.merge(a.At)
		entries[a.Namespace] = cur
	}
	out := make([]nsAccess, 0, len(entries))
	for ns, at := range entries {
		out = append(out, nsAccess{Namespace: ns, At: at})
	}
	return encodeOrgRow(out), nil
}

func mergePrincipalRow(old []byte, add []actionAccess) ([]byte, error) {
	type key struct{ ns, action string }
	entries := map[key]principalAccess{}
	if old != nil {
		prev, err := decodePrincipalRow(old)
		if err != nil {
			return nil, err
		}
		for _, p := range prev {
			entries[key{p.Namespace, p.Action}] = p.Access
		}
	}
	for _, a := range add {
		k := key{a.Namespace, a.Action}
		cur := entries[k]
		cur.merge(a.Access)
		entries[k] = cur
	}
	out := make([]actionAccess, 0, len(entries))
	for k, a := range entries {
		out = append(out, actionAccess{Namespace: k.ns, Action: k.action, Access: a})
	}
	return encodePrincipalRow(out), nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ensureOrgRollup loads the Organizations rollup into memory on first use:
// the account rows plus the pending changes.
func (e *Engine) ensureOrgRollup() error {
	e.stateMu.RLock()
	loaded := e.orgRollup != nil
	e.stateMu.RUnlock()
	if loaded {
		return nil
	}
	// writeMu keeps appends and folds out while rows and pending are read.
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	if e.orgRollup != nil {
		return nil
	}
	r := newOrgRollup()
	err := e.store.ScanRollupRows(rowKindOrg, func(account string, value []byte) error {
		entries, err := decodeOrgRow(value)
		if err != nil {
			return fmt.Errorf("engine: rollup row of account %s: %w", account, err)
		}
		for _, en := range entries {
			r.merge(orgKey{account, en.Namespace}, en.At)
		}
		return nil
	})
	if err != nil {
		return err
	}
	e.stateMu.Lock()
	r.mergeDelta(e.pending)
	e.orgRollup = r
	e.stateMu.Unlock()
	return nil
}
