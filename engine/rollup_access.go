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

// principalKey names one principal's use of one IAM action: the unit of
// the principal rollup, from which per-service figures are derived.
type principalKey struct{ ARN, Namespace, Action string }

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
// one is built per append batch (and journaled), merged into the pending
// delta, and folded into persisted rows. Merging is idempotent and
// order-independent, which is what makes replaying journals after a crash
// safe.
type rollupDelta struct {
	org       map[orgKey]lastAccess
	principal map[principalKey]principalAccess
}

func newRollupDelta() *rollupDelta {
	return &rollupDelta{org: make(map[orgKey]lastAccess), principal: make(map[principalKey]principalAccess)}
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
	k := principalKey{ev.PrincipalARN, ev.Namespace, ev.Action}
	cur := d.principal[k]
	pa := principalAccess{All: at}
	if !ev.DataEvent {
		pa.Management = at
	}
	if cur.merge(pa) {
		d.principal[k] = cur
	}
}

func (d *rollupDelta) merge(o *rollupDelta) {
	for k, v := range o.org {
		cur := d.org[k]
		if cur.merge(v) {
			d.org[k] = cur
		}
	}
	for k, v := range o.principal {
		cur := d.principal[k]
		if cur.merge(v) {
			d.principal[k] = cur
		}
	}
}

func (d *rollupDelta) empty() bool { return len(d.org) == 0 && len(d.principal) == 0 }

// approxBytes estimates the delta's memory, to decide when to fold.
func (d *rollupDelta) approxBytes() int {
	return len(d.org)*96 + len(d.principal)*192
}
