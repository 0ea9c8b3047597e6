package engine

// lastAccess is the latest access of something: its time and the region
// it happened in. The zero value means "never".
type lastAccess struct {
	Time   int64 // Unix nanoseconds; 0 with Region "" means never
	Region string
}

func (a lastAccess) valid() bool { return a.Time != 0 || a.Region != "" }

// laterThan orders accesses for "latest wins": a later time wins, and at
// the same time the lexicographically smaller region wins, so that merging
// in any order gives one answer.
func (a lastAccess) laterThan(b lastAccess) bool {
	if !b.valid() {
		return a.valid()
	}
	if a.Time != b.Time {
		return a.Time > b.Time
	}
	return a.valid() && a.Region < b.Region
}

func (a *lastAccess) merge(b lastAccess) bool {
	if b.laterThan(*a) {
		*a = b
		return true
	}
	return false
}

// orgKey names one account's use of one service: the unit of the
// Organizations rollup.
type orgKey struct{ Account, Namespace string }

// actionKey names one IAM action; a principal's use of each action is the
// unit of the principal rollup, from which per-service figures derive.
type actionKey struct{ Namespace, Action string }

// principalActions is one principal's latest access per action.
type principalActions map[actionKey]principalAccess

// principalAccess keeps the latest access over all events and over
// management events alone (action-level reports count only those).
type principalAccess struct {
	All        lastAccess
	Management lastAccess
}

func (p *principalAccess) merge(o principalAccess) bool {
	a := p.All.merge(o.All)
	b := p.Management.merge(o.Management)
	return a || b
}

// rollupDelta is a family of the two aggregates with an explicit merge:
// one is built per append batch, merged into the pending
// delta, and folded into persisted rows. Merging is idempotent and
// order-independent, which is what makes replaying commits after a crash
// safe.
type rollupDelta struct {
	org       map[orgKey]lastAccess
	principal map[string]principalActions // by principal ARN
	actions   int                         // entries in principal, for sizing
}

func newRollupDelta() *rollupDelta {
	return &rollupDelta{org: make(map[orgKey]lastAccess), principal: make(map[string]principalActions)}
}

// mergeAction folds one principal's access to one action into the delta.
func (d *rollupDelta) mergeAction(arn string, k actionKey, a principalAccess) {
	m := d.principal[arn]
	if m == nil {
		m = make(principalActions)
		d.principal[arn] = m
	}
	cur, ok := m[k]
	if !ok {
		d.actions++
	}
	if cur.merge(a) || !ok {
		m[k] = cur
	}
}

// push folds one stored event into the delta.
func (d *rollupDelta) push(ev *Event) {
	at := lastAccess{Time: ev.Time, Region: ev.Region}
	if !ev.ServiceLinked {
		// SCPs do not limit service-linked roles, so Organizations reports
		// leave their activity out.
		k := orgKey{ev.AccountID, ev.Namespace}
		cur := d.org[k]
		if cur.merge(at) {
			d.org[k] = cur
		}
	}
	pa := principalAccess{All: at}
	if !ev.DataEvent {
		pa.Management = at
	}
	d.mergeAction(ev.PrincipalARN, actionKey{ev.Namespace, ev.Action}, pa)
}

func (d *rollupDelta) merge(o *rollupDelta) {
	for k, v := range o.org {
		cur := d.org[k]
		if cur.merge(v) {
			d.org[k] = cur
		}
	}
	for arn, m := range o.principal {
		for k, v := range m {
			d.mergeAction(arn, k, v)
		}
	}
}

func (d *rollupDelta) empty() bool { return len(d.org) == 0 && len(d.principal) == 0 }

// approxBytes estimates the delta's memory, to decide when to fold.
func (d *rollupDelta) approxBytes() int {
	return len(d.org)*96 + len(d.principal)*160 + d.actions*128
}
