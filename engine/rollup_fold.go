package engine

import (
	"fmt"
	"maps"
	"slices"
)

// Folding: the rollup changes of appended commits, pending in memory, are
// merged into the persisted per-account and per-principal rollup rows
// every FoldBytes of changes, on Flush and at Close. Appends keep the
// changes (append.go); reports read rows merged with them (rollup_org.go,
// rollup_principal.go).

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
	for _, account := range slices.Sorted(maps.Keys(byAccount)) {
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
	for _, arn := range slices.Sorted(maps.Keys(byPrincipal)) {
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
