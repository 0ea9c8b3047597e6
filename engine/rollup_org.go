package engine

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// orgRollup answers Organizations reports from memory: for every service,
// each account's latest access (service-linked roles excluded). It is laid
// out by service in columns so a report over N accounts and S services is
// a tight loop over the (account, service) pairs that exist, with no map
// lookups and no event reads.
type orgRollup struct {
	accounts  []string // account index → id
	accountIx map[string]uint32
	regions   []string // region index → name
	regionIx  map[string]uint32
	services  map[string]*serviceColumn
}

type serviceColumn struct {
	account []uint32
	time    []int64
	region  []uint32
	pos     map[uint32]int32 // account index → row
}

func newOrgRollup() *orgRollup {
	return &orgRollup{
		accountIx: make(map[string]uint32),
		regionIx:  make(map[string]uint32),
		services:  make(map[string]*serviceColumn),
	}
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

func (r *orgRollup) accountIndex(id string) uint32 {
	if i, ok := r.accountIx[id]; ok {
		return i
	}
	i := uint32(len(r.accounts))
	r.accounts = append(r.accounts, id)
	r.accountIx[id] = i
	return i
}

func (r *orgRollup) regionIndex(name string) uint32 {
	if i, ok := r.regionIx[name]; ok {
		return i
	}
	i := uint32(len(r.regions))
	r.regions = append(r.regions, name)
	r.regionIx[name] = i
	return i
}

// merge folds one account's latest access to a service into the rollup;
// a pair used only by service-linked roles has none and is left out.
func (r *orgRollup) merge(k orgKey, a lastAccess) {
	if !a.valid() {
		return
	}
	col := r.services[k.Namespace]
	if col == nil {
		col = &serviceColumn{pos: make(map[uint32]int32)}
		r.services[k.Namespace] = col
	}
	ai := r.accountIndex(k.Account)
	if row, ok := col.pos[ai]; ok {
		cur := lastAccess{Time: col.time[row], Region: r.regions[col.region[row]]}
		if a.laterThan(cur) {
			col.time[row] = a.Time
			col.region[row] = r.regionIndex(a.Region)
		}
		return
	}
	col.pos[ai] = int32(len(col.account))
	col.account = append(col.account, ai)
	col.time = append(col.time, a.Time)
	col.region = append(col.region, r.regionIndex(a.Region))
}

func (r *orgRollup) mergeDelta(d *rollupDelta) {
	for k, a := range d.org {
		r.merge(k, a)
	}
}

// pairs is the number of (account, service) pairs held.
func (r *orgRollup) pairs() int {
	n := 0
	for _, c := range r.services {
		n += len(c.account)
	}
	return n
}

// orgScan is one report's question to the rollup.
type orgScan struct {
	inScope    []bool   // by rollup account index
	paths      []string // by rollup account index, for accounts in scope
	start, end int64    // tracking period, inclusive
}

// serviceResult is one service's answer: the latest access in scope and
// the number of accounts with an access in the period.
type serviceResult struct {
	latest   lastAccess
	path     string
	accounts int
}

// deferredPair is an account whose latest access lies after the period's
// end: its latest access within the period must be read from the log.
type deferredPair struct {
	account   string
	path      string
	namespace string
}

// scanService computes one service's result from the rollup. Accounts
// whose latest access is newer than the period end (a report "as of" the
// past) are returned for an exact lookup in the event log instead.
func (r *orgRollup) scanService(ns string, q *orgScan, deferred []deferredPair) (serviceResult, []deferredPair) {
	var res serviceResult
	col := r.services[ns]
	if col == nil {
		return res, deferred
	}
	bestRow := -1
	for i, ai := range col.account {
		if int(ai) >= len(q.inScope) || !q.inScope[ai] {
			continue
		}
		t := col.time[i]
		if t > q.end {
			deferred = append(deferred, deferredPair{account: r.accounts[ai], path: q.paths[ai], namespace: ns})
			continue
		}
		if t < q.start {
			continue
		}
		res.accounts++
		if bestRow < 0 || r.better(col, i, bestRow, q) {
			bestRow = i
		}
	}
	if bestRow >= 0 {
		ai := col.account[bestRow]
		res.latest = lastAccess{Time: col.time[bestRow], Region: r.regions[col.region[bestRow]]}
		res.path = q.paths[ai]
	}
	return res, deferred
}

// better reports whether row i beats row j: the later time, then the
// smaller entity path (SPEC §4.1 ties). Rows are distinct accounts, so
// paths differ; the region tie within an account was settled by merge.
func (r *orgRollup) better(col *serviceColumn, i, j int, q *orgScan) bool {
	if col.time[i] != col.time[j] {
		return col.time[i] > col.time[j]
	}
	return q.paths[col.account[i]] < q.paths[col.account[j]]
}

// offer folds an access found in the log into a result with the same
// tie rules.
func (res *serviceResult) offer(a lastAccess, path string) {
	res.accounts++
	switch {
	case !res.latest.valid(), a.Time > res.latest.Time:
	case a.Time < res.latest.Time:
		return
	case path < res.path:
	case path > res.path:
		return
	case a.Region < res.latest.Region:
	default:
		return
	}
	res.latest, res.path = a, path
}

// AccountServiceAccess is one row of the Organizations rollup: an
// account's latest access to a service (service-linked roles excluded).
type AccountServiceAccess struct {
	AccountID, ServiceNamespace, Region string
	LastAuthenticatedTime               time.Time
}

// ScanAccountServiceAccess calls fn for every (account, service) pair
// with an access, sorted by account then namespace: the rollup that
// Organizations reports are computed from.
func (e *Engine) ScanAccountServiceAccess(ctx context.Context, fn func(AccountServiceAccess) error) error {
	if err := e.ensureOrgRollup(); err != nil {
		return err
	}
	e.stateMu.RLock()
	r := e.orgRollup
	var rows []AccountServiceAccess
	for ns, col := range r.services {
		for i, ai := range col.account {
			rows = append(rows, AccountServiceAccess{
				AccountID: r.accounts[ai], ServiceNamespace: ns, Region: r.regions[col.region[i]],
				LastAuthenticatedTime: time.Unix(0, col.time[i]).UTC(),
			})
		}
	}
	e.stateMu.RUnlock()
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].AccountID != rows[j].AccountID {
			return rows[i].AccountID < rows[j].AccountID
		}
		return rows[i].ServiceNamespace < rows[j].ServiceNamespace
	})
	for _, row := range rows {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return nil
}
