package engine

import "fmt"

// principalActionsAt returns one principal's latest access per action as
// of snap: its folded row merged with the pending changes. Callers hold
// stateMu (shared) and opened snap under it, so the two agree.
func (e *Engine) principalActionsAt(snap Snapshot, arn string) (principalActions, error) {
	out := make(principalActions)
	row, err := snap.RollupRow(rowKindPrincipal, arn)
	if err != nil {
		return nil, err
	}
	if row != nil {
		entries, err := decodePrincipalRow(row)
		if err != nil {
			return nil, fmt.Errorf("engine: rollup row of %s: %w", arn, err)
		}
		for _, en := range entries {
			out[actionKey{en.Namespace, en.Action}] = en.Access
		}
	}
	for k, a := range e.pending.principal[arn] {
		cur := out[k]
		cur.merge(a)
		out[k] = cur
	}
	return out, nil
}
