package engine

import "fmt"

// newestIndex holds, per account and service, the newest time of any
// stored event. An event newer than that cannot already be stored (its
// key holds its time), so ingest skips the dedupe lookup for it: the
// common case of an export loaded in time order costs no read at all.
// It is keyed by a packed uint64 to stay small (≈ 30 bytes a pair).
type newestIndex struct {
	namespaces map[string]uint64
	times      map[uint64]int64
}

func newNewestIndex() *newestIndex {
	return &newestIndex{namespaces: make(map[string]uint64), times: make(map[uint64]int64)}
}

// key packs a 12-digit account (< 2^40) and a namespace number; ok is
// false for an account that is not 12 digits or when namespaces run out,
// and such events are always looked up.
func (n *newestIndex) key(account, namespace string) (uint64, bool) {
	if len(account) != 12 {
		return 0, false
	}
	var a uint64
	for i := 0; i < 12; i++ {
		c := account[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		a = a*10 + uint64(c-'0')
	}
	ns, ok := n.namespaces[namespace]
	if !ok {
		if len(n.namespaces) >= 1<<16 {
			return 0, false
		}
		ns = uint64(len(n.namespaces))
		n.namespaces[namespace] = ns
	}
	return a<<16 | ns, true
}

// mayExist reports whether an event with ev's key could be stored.
func (n *newestIndex) mayExist(ev *Event) bool {
	k, ok := n.key(ev.AccountID, ev.Namespace)
	if !ok {
		return true
	}
	t, found := n.times[k]
	return found && ev.Time <= t
}

func (n *newestIndex) note(k orgKey, newest int64) {
	if key, ok := n.key(k.Account, k.Namespace); ok && newest > n.times[key] {
		n.times[key] = newest
	}
}

func (n *newestIndex) mergeDelta(d *rollupDelta) {
	for k, a := range d.org {
		n.note(k, a.Newest)
	}
}

// ensureNewest loads the index from the account rows and the pending
// changes. Callers hold writeMu.
func (e *Engine) ensureNewest() error {
	if e.newest != nil {
		return nil
	}
	n := newNewestIndex()
	err := e.store.ScanRollupRows(rowKindOrg, func(account string, value []byte) error {
		entries, err := decodeOrgRow(value)
		if err != nil {
			return fmt.Errorf("engine: rollup row of account %s: %w", account, err)
		}
		for _, en := range entries {
			n.note(orgKey{account, en.Namespace}, en.At.Newest)
		}
		return nil
	})
	if err != nil {
		return err
	}
	e.stateMu.RLock()
	n.mergeDelta(e.pending)
	e.stateMu.RUnlock()
	e.newest = n
	return nil
}
