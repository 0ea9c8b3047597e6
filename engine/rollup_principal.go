package engine

import (
	"fmt"
	"sync"
)

// Principal rollup rows as reports read them. A principal's row holds
// its latest access per action (encodePrincipalRow); what appends added
// since the last fold is pending in memory (rollupDelta). principalRows
// reads the two together, as of one moment, and keeps decoded rows in
// the engine's principalRowCache so that reports over many principals
// read each row from the store once.

// principalRows is one goroutine's view of principal rows at one moment:
// a store snapshot and a copy of the changes then pending for the
// principals it reads. Views opened together (openPrincipalRows) agree.
type principalRows struct {
	snap    Snapshot
	pending map[string][]actionAccess // by ARN, shared by the views opened together
	gen     *rollupDelta              // the pending delta current at opening (principalRowCache)
	cache   *principalRowCache
}

// openPrincipalRows opens n views of the principals' rows. Callers hold
// stateMu (shared): every snapshot then agrees with the pending copy, as
// a fold between two openings writes rows that already merge the pending
// changes, and merging is idempotent.
func (e *Engine) openPrincipalRows(principals []dataPrincipal, n int) []*principalRows {
	pending := make(map[string][]actionAccess)
	for _, p := range principals {
		for _, arn := range p.arns {
			m := e.pending.principal[arn]
			if len(m) == 0 {
				continue
			}
			list := make([]actionAccess, 0, len(m))
			for k, a := range m {
				list = append(list, actionAccess{Namespace: k.Namespace, Action: k.Action, Access: a})
			}
			pending[arn] = list
		}
	}
	views := make([]*principalRows, n)
	for i := range views {
		views[i] = &principalRows{snap: e.store.Snapshot(), pending: pending, gen: e.pending, cache: &e.rowCache}
	}
	return views
}

func (r *principalRows) close() { r.snap.Close() }

// each calls fn with every entry of the principal's row, then with each of
// its pending changes: an action may come twice, and fn merges.
func (r *principalRows) each(arn string, fn func(*decodedEntry)) error {
	row, ok := r.cache.get(arn, r.gen)
	if !ok {
		raw, err := r.snap.RollupRow(rowKindPrincipal, arn)
		if err != nil {
			return err
		}
		if row, err = r.cache.decode(arn, raw, r.gen); err != nil {
			return fmt.Errorf("engine: rollup row of %s: %w", arn, err)
		}
	}
	for i := range row.entries {
		fn(&row.entries[i])
	}
	if list := r.pending[arn]; len(list) > 0 {
		entries := r.cache.internPending(list)
		for i := range entries {
			fn(&entries[i])
		}
	}
	return nil
}

// principalRowCache keeps decoded principal rollup rows between entity
// reports, so that a report over many principals reads each row from the
// store once, not once per report.
//
// A cached row is valid while the pending delta it was read with is still
// the current one. Rows change only by a fold, which writes row ⊕ (a part
// of the pending delta) and then replaces the pending delta, or by a
// rebuild, which also replaces it. So while the pending delta P stays
// current, a row read at any time since P became current, merged with P
// as it is now, equals the current row merged with P: merging is
// idempotent. Once P is replaced, every entry is dropped.
//
// Names are interned: a namespace and an action ("ns:action") get small
// ids, so a report decides per id with a slice lookup instead of hashing
// strings per entry.
type principalRowCache struct {
	// mu guards everything below.
	mu      sync.Mutex
	gen     *rollupDelta // the pending delta the rows are valid with
	rows    map[string]*decodedRow
	entries int // decoded entries held, for the size bound
	// Interned names: ids index nsNames / actionNames.
	nsIDs       map[string]uint32
	nsNames     []string
	actionIDs   map[string]uint32 // "ns:action"
	actionNames []string          // the action alone
	actionNS    []uint32
	regions     map[string]string
	key         []byte // scratch for "ns:action"
}

// maxCachedEntries bounds the cache (about 80 bytes each): past it the
// cache starts over.
const maxCachedEntries = 1 << 20

// decodedRow is one principal's row: its actions' latest accesses.
type decodedRow struct {
	entries []decodedEntry
}

type decodedEntry struct {
	ns, action uint32 // interned ids
	all, mgmt  lastAccess
}

// get returns the cached row of arn if it is valid with gen.
func (c *principalRowCache) get(arn string, gen *rollupDelta) (*decodedRow, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return nil, false
	}
	r, ok := c.rows[arn]
	return r, ok
}

// decode interns an encoded row's names and, if gen is still the cache's
// generation (or the cache is empty of another), keeps it.
func (c *principalRowCache) decode(arn string, row []byte, gen *rollupDelta) (*decodedRow, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nsIDs == nil {
		c.nsIDs, c.actionIDs, c.regions = make(map[string]uint32), make(map[string]uint32), make(map[string]string)
	}
	d := &decodedRow{}
	if row != nil {
		err := forEachRowEntry(row, func(ns, action []byte, all, mgmt rawAccess) {
			d.entries = append(d.entries, decodedEntry{
				ns: c.nsID(ns), action: c.actionID(ns, action),
				all: lastAccess{Time: all.time, Region: c.region(all.region)}, mgmt: lastAccess{Time: mgmt.time, Region: c.region(mgmt.region)},
			})
		})
		if err != nil {
			return nil, err
		}
	}
	if c.gen != gen || c.entries+len(d.entries) > maxCachedEntries {
		// A new generation, or full: start over. Interned names stay:
		// reports in flight hold their ids, and there are only as many as
		// distinct actions in the log.
		c.gen, c.rows, c.entries = gen, make(map[string]*decodedRow), 0
	}
	c.rows[arn] = d
	c.entries += len(d.entries)
	return d, nil
}

// internPending decodes pending changes (a copy taken under stateMu).
func (c *principalRowCache) internPending(list []actionAccess) []decodedEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nsIDs == nil {
		c.nsIDs, c.actionIDs, c.regions = make(map[string]uint32), make(map[string]uint32), make(map[string]string)
	}
	out := make([]decodedEntry, len(list))
	for i, a := range list {
		ns := []byte(a.Namespace)
		out[i] = decodedEntry{ns: c.nsID(ns), action: c.actionID(ns, []byte(a.Action)), all: a.Access.All, mgmt: a.Access.Management}
	}
	return out
}

func (c *principalRowCache) nsID(ns []byte) uint32 {
	if id, ok := c.nsIDs[string(ns)]; ok {
		return id
	}
	id := uint32(len(c.nsNames))
	s := string(ns)
	c.nsIDs[s] = id
	c.nsNames = append(c.nsNames, s)
	return id
}

func (c *principalRowCache) actionID(ns, action []byte) uint32 {
	c.key = append(append(append(c.key[:0], ns...), ':'), action...)
	if id, ok := c.actionIDs[string(c.key)]; ok {
		return id
	}
	id := uint32(len(c.actionNames))
	c.actionIDs[string(c.key)] = id
	c.actionNames = append(c.actionNames, string(action))
	c.actionNS = append(c.actionNS, c.nsID(ns))
	return id
}

func (c *principalRowCache) region(b []byte) string {
	if s, ok := c.regions[string(b)]; ok {
		return s
	}
	s := string(b)
	c.regions[s] = s
	return s
}

// names returns the namespace of an ns id and the namespace and action of
// an action id (ids stay valid: the tables only grow while reports use
// them).
func (c *principalRowCache) nsName(id uint32) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nsNames[id]
}

func (c *principalRowCache) actionName(id uint32) (ns, action string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nsNames[c.actionNS[id]], c.actionNames[id]
}

// rawAccess is a lastAccess whose region still points into the row.
type rawAccess struct {
	time   int64
	region []byte
}

// forEachRowEntry walks an encoded principal rollup row
// (encodePrincipalRow) without copying.
func forEachRowEntry(b []byte, fn func(ns, action []byte, all, mgmt rawAccess)) error {
	r := &byteReader{b: b}
	if v := r.uvarint(); r.err == nil && v != rollupCodecVersion {
		return fmt.Errorf("rollup row version %d", v)
	}
	n := r.count(6)
	for i := 0; i < n && r.err == nil; i++ {
		ns, action := rawString(r), rawString(r)
		var all, mgmt rawAccess
		all.time, all.region = r.varint(), rawString(r)
		mgmt.time, mgmt.region = r.varint(), rawString(r)
		if r.err == nil {
			fn(ns, action, all, mgmt)
		}
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errCorruptRollup
	}
	return r.err
}

// rawString reads a length-prefixed string of a rollup encoding without
// copying it.
func rawString(r *byteReader) []byte {
	n := r.uvarint()
	if r.err != nil {
		return nil
	}
	if uint64(len(r.b)) < n {
		r.err = errCorruptRollup
		return nil
	}
	s := r.b[:n:n]
	r.b = r.b[n:]
	return s
}

// DropCaches frees the decoded principal rollup rows the entity reports
// keep between reports: the next report reads its principals' rows from
// the store again, as the first one after a start does. It is for a host
// that needs the memory back, and for measuring that first report.
func (e *Engine) DropCaches() {
	e.rowCache.mu.Lock()
	e.rowCache.rows, e.rowCache.gen, e.rowCache.entries = nil, nil, 0
	e.rowCache.mu.Unlock()
}
