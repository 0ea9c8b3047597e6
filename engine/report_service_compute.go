package engine

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

	"lastaccess/engine/policy"
)

// The computation of a service last accessed report: each principal's
// rollup row (one key lookup) is walked in place and folded into per-service
// and per-tracked-action figures. Principals are split among workers, each
// with its own snapshot and partial figures, merged at the end; the merge
// ("latest wins; same time: smaller ARN, then smaller region"; counts add)
// is order-independent, so the result does not depend on the split.

// principalsPerWorker is the least work worth a goroutine of its own;
// maxComputeWorkers bounds the workers (0: GOMAXPROCS). Tests change both.
var (
	principalsPerWorker = 128
	maxComputeWorkers   = 0
)

// computeWorkers is how many workers a report of n principals uses.
func computeWorkers(n int) int {
	limit := maxComputeWorkers
	if limit <= 0 {
		limit = runtime.GOMAXPROCS(0)
	}
	return max(1, min(limit, n/principalsPerWorker))
}

// serviceAcc accumulates one listed service over the principals.
type serviceAcc struct {
	best     lastAccess
	entity   string
	count    int
	entities []entityTime
}

// entityTime is one principal's latest counted access to a service.
type entityTime struct {
	entity int32 // index into the subject's principals
	time   int64
}

// actionAcc accumulates one tracked action over the principals.
type actionAcc struct {
	best   lastAccess
	entity string
}

// offerAccess keeps the latest access; at the same time the smaller entity
// ARN, then the smaller region (SPEC §4.2).
func offerAccess(best *lastAccess, entity *string, at lastAccess, arn string) {
	switch {
	case !best.valid(), at.Time > best.Time:
	case at.Time < best.Time:
		return
	case arn < *entity:
	case arn > *entity || at.Region >= best.Region:
		return
	}
	*best, *entity = at, arn
}

// serviceCompute is a report's plan, its lookup tables (read-only while
// workers run) and, after run, its figures.
type serviceCompute struct {
	plan       []plannedService
	sub        *reportSubject
	start, end int64
	nsIndex    map[string]int
	// shared[si]: the entity's cached decisions for service si's actions
	// (filtered reports); nil when none.
	shared []map[string]bool
	// ACTION_LEVEL: the allowed tracked actions, flattened; per service the
	// exact names and the lower-cased ones.
	trackedExact []map[string]int
	trackedFold  []map[string]int
	actionSvc    []int
	actionName   []string

	services []serviceAcc
	actions  []actionAcc
	allowed  map[string]map[string]bool // decisions the workers made, for the cache
}

func newServiceCompute(plan []plannedService, sub *reportSubject, start, end int64) *serviceCompute {
	c := &serviceCompute{plan: plan, sub: sub, start: start, end: end, nsIndex: make(map[string]int, len(plan))}
	var cached map[string]map[string]bool
	if sub.filtered && sub.cache != nil {
		if m := sub.cache.allowed.Load(); m != nil {
			cached = *m
		}
	}
	c.shared = make([]map[string]bool, len(plan))
	for i, p := range plan {
		c.nsIndex[p.namespace] = i
		c.shared[i] = cached[p.namespace]
		if !p.hasTracked {
			continue
		}
		if c.trackedExact == nil {
			c.trackedExact, c.trackedFold = make([]map[string]int, len(plan)), make([]map[string]int, len(plan))
		}
		c.trackedExact[i], c.trackedFold[i] = make(map[string]int, len(p.tracked)), make(map[string]int, len(p.tracked))
		for _, a := range p.tracked {
			c.trackedExact[i][a] = len(c.actionSvc)
			c.trackedFold[i][strings.ToLower(a)] = len(c.actionSvc)
			c.actionSvc = append(c.actionSvc, i)
			c.actionName = append(c.actionName, a)
		}
	}
	return c
}

// run folds every principal in, one worker per view of the rows.
func (c *serviceCompute) run(views []*principalRows) error {
	n := len(c.sub.principals)
	workers := make([]*computeWorker, len(views))
	errs := make([]error, len(views))
	var wg sync.WaitGroup
	for k := range views {
		w := c.newWorker(views[k])
		workers[k] = w
		lo, hi := k*n/len(views), (k+1)*n/len(views)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					errs[k] = fmt.Errorf("internal error: %v", p)
				}
			}()
			for pi := lo; pi < hi; pi++ {
				if err := w.addPrincipal(pi); err != nil {
					errs[k] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	c.services = make([]serviceAcc, len(c.plan))
	c.actions = make([]actionAcc, len(c.actionSvc))
	c.allowed = make(map[string]map[string]bool)
	for _, w := range workers {
		for si := range w.services {
			s, ws := &c.services[si], &w.services[si]
			if ws.best.valid() {
				offerAccess(&s.best, &s.entity, ws.best, ws.entity)
			}
			s.count += ws.count
			s.entities = append(s.entities, ws.entities...)
		}
		for ai := range w.actions {
			if wa := &w.actions[ai]; wa.best.valid() {
				offerAccess(&c.actions[ai].best, &c.actions[ai].entity, wa.best, wa.entity)
			}
		}
		for si, m := range w.allowed {
			if len(m) == 0 {
				continue
			}
			ns := c.plan[si].namespace
			if c.allowed[ns] == nil {
				c.allowed[ns] = make(map[string]bool, len(m))
			}
			for k, v := range m {
				c.allowed[ns][k] = v
			}
		}
	}
	if c.sub.cache != nil {
		c.sub.cache.addAllowed(c.allowed)
	}
	return nil
}

// computeWorker is one goroutine's view of the rows, scratch and partial
// figures.
type computeWorker struct {
	c        *serviceCompute
	rows     *principalRows
	cache    *principalRowCache // rows.cache: the interned names
	services []serviceAcc
	actions  []actionAcc
	allowed  []map[string]bool // per service: decisions made here, by action name

	// Per interned id (grown on demand): the listed service of a
	// namespace (-1 none, -2 not looked up yet), whether an action counts
	// (0 not decided, 1 yes, 2 no), its tracked action (-1 none, -2 not
	// looked up).
	nsService []int32
	counted   []int8
	trackedOf []int32

	// Per-principal scratch, reset after each principal.
	cur       []lastAccess
	deferSvc  []bool
	touched   []int
	actCur    []lastAccess
	deferAct  []bool
	touchedAc []int
}

func (c *serviceCompute) newWorker(rows *principalRows) *computeWorker {
	return &computeWorker{c: c, rows: rows, cache: rows.cache,
		services: make([]serviceAcc, len(c.plan)), actions: make([]actionAcc, len(c.actionSvc)),
		allowed: make([]map[string]bool, len(c.plan)),
		cur:     make([]lastAccess, len(c.plan)), deferSvc: make([]bool, len(c.plan)),
		actCur: make([]lastAccess, len(c.actionSvc)), deferAct: make([]bool, len(c.actionSvc))}
}

// grow extends a per-id table to hold id, filling with fill.
func grow[T any](s []T, id uint32, fill T) []T {
	for uint32(len(s)) <= id {
		s = append(s, fill)
	}
	return s
}

// serviceOf maps a namespace id to its listed service, or -1.
func (w *computeWorker) serviceOf(ns uint32) int {
	w.nsService = grow(w.nsService, ns, -2)
	if si := w.nsService[ns]; si != -2 {
		return int(si)
	}
	si, ok := w.c.nsIndex[w.cache.nsName(ns)]
	if !ok {
		si = -1
	}
	w.nsService[ns] = int32(si)
	return si
}

// counts reports whether an access to the action counts for the report:
// always for a user or role, for a group or policy when its documents
// allow the action.
func (w *computeWorker) counts(si int, action uint32) bool {
	if !w.c.sub.filtered {
		return true
	}
	w.counted = grow(w.counted, action, 0)
	switch w.counted[action] {
	case 1:
		return true
	case 2:
		return false
	}
	_, name := w.cache.actionName(action)
	ok := w.countsName(si, name)
	w.counted[action] = 2
	if ok {
		w.counted[action] = 1
	}
	return ok
}

// countsName is counts by action name.
func (w *computeWorker) countsName(si int, action string) bool {
	c := w.c
	if !c.sub.filtered {
		return true
	}
	if v, ok := c.shared[si][action]; ok {
		return v
	}
	if v, ok := w.allowed[si][action]; ok {
		return v
	}
	v := policy.Evaluate(c.sub.docs, c.plan[si].namespace+":"+action)
	if w.allowed[si] == nil {
		w.allowed[si] = make(map[string]bool)
	}
	w.allowed[si][action] = v
	return v
}

// trackedIndex finds the tracked action of an action id, ignoring case as
// IAM does; -1 if it is not one of the report's tracked actions.
func (w *computeWorker) trackedIndex(si int, action uint32) int {
	c := w.c
	if c.trackedExact == nil || c.trackedExact[si] == nil {
		return -1
	}
	w.trackedOf = grow(w.trackedOf, action, -2)
	if i := w.trackedOf[action]; i != -2 {
		return int(i)
	}
	_, name := w.cache.actionName(action)
	i, ok := c.trackedExact[si][name]
	if !ok {
		if i, ok = c.trackedFold[si][strings.ToLower(name)]; !ok {
			i = -1
		}
	}
	w.trackedOf[action] = int32(i)
	return i
}

// entry folds one action of the principal in: the latest access over all
// events for the service, over management events for a tracked action.
func (w *computeWorker) entry(en *decodedEntry) {
	c := w.c
	si := w.serviceOf(en.ns)
	if si < 0 {
		return
	}
	all, mgmt := en.all, en.mgmt
	allIn := all.valid() && all.Time >= c.start
	ai := -1
	if mgmt.valid() && mgmt.Time >= c.start {
		ai = w.trackedIndex(si, en.action)
	}
	if (!allIn && ai < 0) || !w.counts(si, en.action) {
		return
	}
	if allIn {
		if !w.deferSvc[si] && !w.cur[si].valid() {
			w.touched = append(w.touched, si)
		}
		if all.Time > c.end {
			// Used after the report's creation: the latest access at or
			// before it needs the log.
			w.deferSvc[si] = true
		} else {
			w.cur[si].merge(all)
		}
	}
	if ai >= 0 {
		if !w.deferAct[ai] && !w.actCur[ai].valid() {
			w.touchedAc = append(w.touchedAc, ai)
		}
		if mgmt.Time > c.end {
			w.deferAct[ai] = true
		} else {
			w.actCur[ai].merge(mgmt)
		}
	}
}

// addPrincipal folds the principal's rollup rows (with their pending
// changes) into the worker's figures.
func (w *computeWorker) addPrincipal(pi int) error {
	c := w.c
	p := &c.sub.principals[pi]
	for _, arn := range p.arns {
		if err := w.rows.each(arn, w.entry); err != nil {
			return err
		}
	}
	isPrincipal := func(ev *Event) bool {
		for _, a := range p.arns {
			if ev.PrincipalARN == a {
				return true
			}
		}
		return false
	}
	latest := func(si int, accept func(*Event) bool) (lastAccess, error) {
		ev, ok, err := w.rows.snap.LatestEvent(p.account, c.plan[si].namespace, c.end, accept)
		if err != nil || !ok || ev.Time < c.start {
			return lastAccess{}, err
		}
		return lastAccess{Time: ev.Time, Region: ev.Region}, nil
	}
	for _, si := range w.touched {
		at := w.cur[si]
		if w.deferSvc[si] {
			var err error
			if at, err = latest(si, func(ev *Event) bool { return isPrincipal(ev) && w.countsName(si, ev.Action) }); err != nil {
				return err
			}
		}
		if at.valid() {
			s := &w.services[si]
			offerAccess(&s.best, &s.entity, at, p.info.Arn)
			s.count++
			s.entities = append(s.entities, entityTime{entity: int32(pi), time: at.Time})
		}
		w.cur[si], w.deferSvc[si] = lastAccess{}, false
	}
	w.touched = w.touched[:0]
	for _, ai := range w.touchedAc {
		at := w.actCur[ai]
		if w.deferAct[ai] {
			name := c.actionName[ai]
			var err error
			at, err = latest(c.actionSvc[ai], func(ev *Event) bool {
				return !ev.DataEvent && isPrincipal(ev) && strings.EqualFold(ev.Action, name)
			})
			if err != nil {
				return err
			}
		}
		if at.valid() {
			a := &w.actions[ai]
			offerAccess(&a.best, &a.entity, at, p.info.Arn)
		}
		w.actCur[ai], w.deferAct[ai] = lastAccess{}, false
	}
	w.touchedAc = w.touchedAc[:0]
	return nil
}

// results builds the report's services and its per-entity table.
func (c *serviceCompute) results() ([]ServiceLastAccessed, []byte) {
	details := make([]ServiceLastAccessed, len(c.plan))
	for i, p := range c.plan {
		s := &c.services[i]
		d := ServiceLastAccessed{ServiceName: p.name, ServiceNamespace: p.namespace, TotalAuthenticatedEntities: s.count}
		if s.best.valid() {
			entity, region := s.entity, s.best.Region
			d.LastAuthenticated = timestampPtr(s.best.Time)
			d.LastAuthenticatedEntity, d.LastAuthenticatedRegion = &entity, &region
		}
		if p.hasTracked {
			d.TrackedActionsLastAccessed = make([]TrackedActionLastAccessed, 0, len(p.tracked))
		}
		details[i] = d
	}
	for ai, si := range c.actionSvc {
		t := TrackedActionLastAccessed{ActionName: c.actionName[ai]}
		if a := &c.actions[ai]; a.best.valid() {
			entity, region := a.entity, a.best.Region
			t.LastAccessedEntity, t.LastAccessedRegion = &entity, &region
			t.LastAccessedTime = timestampPtr(a.best.Time)
		}
		details[si].TrackedActionsLastAccessed = append(details[si].TrackedActionsLastAccessed, t)
	}
	return details, c.encodeEntityTable()
}

// encodeEntityTable writes the principals and, per listed service, which
// of them accessed it and when: what GetServiceLastAccessedDetailsWithEntities
// pages through.
func (c *serviceCompute) encodeEntityTable() []byte {
	size := 16
	for _, p := range c.sub.principals {
		size += len(p.info.Arn) + len(p.info.Name) + len(p.info.Type) + len(p.info.ID) + len(p.info.Path) + 5
	}
	for i, p := range c.plan {
		size += len(p.namespace) + 3 + 12*len(c.services[i].entities)
	}
	w := &byteWriter{b: make([]byte, 0, size)}
	w.uvarint(entityTableVersion)
	w.uvarint(uint64(len(c.sub.principals)))
	for _, p := range c.sub.principals {
		w.str(p.info.Arn)
		w.str(p.info.Name)
		w.str(p.info.Type)
		w.str(p.info.ID)
		w.str(p.info.Path)
	}
	w.uvarint(uint64(len(c.plan)))
	for i, p := range c.plan {
		w.str(p.namespace)
		list := c.services[i].entities
		sort.Slice(list, func(a, b int) bool { return list[a].entity < list[b].entity })
		w.uvarint(uint64(len(list)))
		for _, et := range list {
			w.uvarint(uint64(et.entity))
			w.varint(et.time)
		}
	}
	return w.b
}

const entityTableVersion = 1
