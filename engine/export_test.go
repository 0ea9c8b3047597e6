package engine

// Test-only access to internals, for the external test package.

// SetBeforeFinish installs a hook that runs as each report job starts
// finishing (tests use it to hold jobs in progress).
func (e *Engine) SetBeforeFinish(f func(jobID string)) { e.beforeFinish = f }

// PendingChanges is the number of rollup changes not folded into rows.
func (e *Engine) PendingChanges() int {
	e.stateMu.RLock()
	defer e.stateMu.RUnlock()
	return len(e.pending.org) + e.pending.actions
}

// PrincipalAccess is one action's latest accesses, for tests.
type PrincipalAccess struct {
	AllTime, ManagementTime     int64
	AllRegion, ManagementRegion string
}

// PrincipalActions returns a principal's rollup state, "ns:action" → access.
func (e *Engine) PrincipalActions(arn string) (map[string]PrincipalAccess, error) {
	e.stateMu.RLock()
	rows := e.openPrincipalRows([]dataPrincipal{{arns: []string{arn}}}, 1)[0]
	e.stateMu.RUnlock()
	defer rows.close()
	merged := make(principalActions)
	err := rows.each(arn, func(en *decodedEntry) {
		ns, action := rows.cache.actionName(en.action)
		k := actionKey{ns, action}
		cur := merged[k]
		cur.merge(principalAccess{All: en.all, Management: en.mgmt})
		merged[k] = cur
	})
	if err != nil {
		return nil, err
	}
	out := map[string]PrincipalAccess{}
	for k, a := range merged {
		out[k.Namespace+":"+k.Action] = PrincipalAccess{a.All.Time, a.Management.Time, a.All.Region, a.Management.Region}
	}
	return out, nil
}
