package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"lastaccess/engine/catalog"
	"lastaccess/engine/policy"
)

// Service last accessed details (SPEC §4.2): GenerateServiceLastAccessedDetails
// and GetServiceLastAccessedDetails. Generate resolves the entity, takes a
// store snapshot and the pending rollup changes of its principals under
// stateMu, and returns the JobId; a background job reads one principal
// rollup row per user and role (a key lookup each, never a scan), computes
// the figures and persists them.

// Granularities of GenerateServiceLastAccessedDetails.
const (
	GranularityServiceLevel = "SERVICE_LEVEL"
	GranularityActionLevel  = "ACTION_LEVEL"
)

var granularities = []string{GranularityServiceLevel, GranularityActionLevel}

// ServiceLastAccessed is one service of a report, with the API's field
// names and order.
type ServiceLastAccessed struct {
	ServiceName                string                      `json:"ServiceName"`
	LastAuthenticated          *Timestamp                  `json:"LastAuthenticated,omitempty"`
	ServiceNamespace           string                      `json:"ServiceNamespace"`
	LastAuthenticatedEntity    *string                     `json:"LastAuthenticatedEntity,omitempty"`
	LastAuthenticatedRegion    *string                     `json:"LastAuthenticatedRegion,omitempty"`
	TotalAuthenticatedEntities int                         `json:"TotalAuthenticatedEntities"`
	TrackedActionsLastAccessed []TrackedActionLastAccessed `json:"TrackedActionsLastAccessed,omitempty"`
}

// TrackedActionLastAccessed is one tracked action of an ACTION_LEVEL
// report: the action name alone when it was not used.
type TrackedActionLastAccessed struct {
	ActionName         string     `json:"ActionName"`
	LastAccessedEntity *string    `json:"LastAccessedEntity,omitempty"`
	LastAccessedTime   *Timestamp `json:"LastAccessedTime,omitempty"`
	LastAccessedRegion *string    `json:"LastAccessedRegion,omitempty"`
}

// ServiceLastAccessedDetails is the GetServiceLastAccessedDetails
// response. ServicesLastAccessed is always present (empty until the job
// completes), as the API's model requires it.
type ServiceLastAccessedDetails struct {
	JobStatus            string                `json:"JobStatus"`
	JobType              string                `json:"JobType,omitempty"`
	JobCreationDate      Timestamp             `json:"JobCreationDate"`
	ServicesLastAccessed []ServiceLastAccessed `json:"ServicesLastAccessed"`
	JobCompletionDate    *Timestamp            `json:"JobCompletionDate,omitempty"`
	IsTruncated          bool                  `json:"IsTruncated"`
	Marker               string                `json:"Marker,omitempty"`
	Error                *ErrorDetails         `json:"Error,omitempty"`
}

// GenerateServiceLastAccessedDetailsInput is the Generate request.
// Granularity "" means SERVICE_LEVEL.
type GenerateServiceLastAccessedDetailsInput struct {
	Arn         string
	Granularity string
	Caller      string // who generates it (for --report-owner-only)
}

// GetServiceLastAccessedDetailsInput is the Get request. MaxItems nil
// means the default (100).
type GetServiceLastAccessedDetailsInput struct {
	JobID    string
	MaxItems *int
	Marker   string
	Caller   string
}

func resolveGranularity(v *validation, g string) string {
	if g == "" {
		return GranularityServiceLevel
	}
	for _, k := range granularities {
		if k == g {
			return g
		}
	}
	v.add(g, "granularity", "Member must satisfy enum value set: ["+strings.Join(granularities, ", ")+"]")
	return g
}

// plannedService is one listed service of a report.
type plannedService struct {
	namespace, name string
	// tracked (ACTION_LEVEL, services with action-level tracking): the
	// tracked actions the documents allow.
	tracked    []string
	hasTracked bool
}

// planServices lists the catalog services the subject's documents allow
// and, for ACTION_LEVEL, their allowed tracked actions (computed once per
// entity, catalog and granularity).
func planServices(cat *catalog.Catalog, sub *reportSubject, granularity string) []plannedService {
	if sub.cache == nil {
		return computePlan(cat, sub, granularity)
	}
	return sub.cache.plan(cat, granularity, func() []plannedService { return computePlan(cat, sub, granularity) })
}

func computePlan(cat *catalog.Catalog, sub *reportSubject, granularity string) []plannedService {
	services := cat.Services()
	namespaces := make([]string, len(services))
	for i, s := range services {
		namespaces[i] = s.Namespace
	}
	allowed := policy.ServicesAllowed(sub.docs, namespaces, nil)
	out := make([]plannedService, 0, len(allowed))
	for _, ns := range allowed {
		s, _ := cat.Lookup(ns)
		p := plannedService{namespace: ns, name: s.Name}
		if granularity == GranularityActionLevel && len(s.TrackedActions) > 0 {
			p.hasTracked = true
			p.tracked = policy.ActionsAllowed(sub.docs, ns, s.TrackedActions)
		}
		out = append(out, p)
	}
	return out
}

// pendingEntries copies the pending (unfolded) rollup changes of the
// principals, so the job can read rows from its snapshot after stateMu is
// released. Callers hold stateMu.
func (e *Engine) pendingEntries(principals []dataPrincipal) map[string][]actionAccess {
	out := make(map[string][]actionAccess)
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
			out[arn] = list
		}
	}
	return out
}

// GenerateServiceLastAccessedDetails validates the request, fixes the
// report's data at this moment and starts the job; it returns the JobId
// at once.
func (e *Engine) GenerateServiceLastAccessedDetails(ctx context.Context, in GenerateServiceLastAccessedDetailsInput) (string, error) {
	var v validation
	validateARN(&v, "arn", in.Arn)
	granularity := resolveGranularity(&v, in.Granularity)
	if err := v.err(); err != nil {
		return "", err
	}
	a, err := parseEntityARN(in.Arn, arnUser, arnGroup, arnRole, arnPolicy)
	if err != nil {
		return "", err
	}
	if _, err := e.ensureIAM(); err != nil {
		return "", err
	}
	e.stateMu.RLock()
	st, cat := e.iam, e.cat
	sub, err := st.subject(a)
	if err != nil {
		e.stateMu.RUnlock()
		return "", err
	}
	created := e.clock.Now().UTC().Truncate(time.Millisecond)
	snap := e.store.Snapshot()
	pending := e.pendingEntries(sub.principals)
	e.stateMu.RUnlock()

	j := &job{
		ID:      uuid.NewString(),
		Kind:    JobKindServiceLastAccessed,
		Owner:   in.Caller,
		Status:  JobInProgress,
		Created: NewTimestamp(created),
		ARN:     in.Arn,
		JobType: granularity,
	}
	if err := e.jobs.put(j); err != nil {
		snap.Close()
		return "", err
	}
	run := &serviceReportRun{
		e: e, job: j, sub: sub, cat: cat, granularity: granularity, snap: snap, pending: pending,
		start: created.Add(-TrackingPeriod).UnixNano(), end: created.UnixNano(),
	}
	e.bg.Add(1)
	go func() {
		defer e.bg.Done()
		run.finish()
	}()
	return j.ID, nil
}

// serviceReportRun is one report job's computation.
type serviceReportRun struct {
	e           *Engine
	job         *job
	sub         *reportSubject
	cat         *catalog.Catalog
	granularity string
	snap        Snapshot
	pending     map[string][]actionAccess
	start, end  int64 // tracking period, inclusive Unix nanoseconds
}

func (r *serviceReportRun) finish() {
	e, j := r.e, r.job
	defer r.snap.Close()
	defer func() {
		if p := recover(); p != nil {
			e.failServiceJob(j, fmt.Errorf("internal error: %v", p))
		}
	}()
	if e.beforeFinish != nil {
		e.beforeFinish(j.ID)
	}
	plan := planServices(r.cat, r.sub, r.granularity)
	c := newServiceCompute(plan, r.sub, r.start, r.end)
	for i := range r.sub.principals {
		if err := c.addPrincipal(i, r.snap, r.pending); err != nil {
			e.failServiceJob(j, err)
			return
		}
	}
	details, table := c.results()
	if r.sub.cache != nil {
		r.sub.cache.addAllowed(c.allowed)
	}
	if err := e.store.PutMeta(jobEntitiesMeta(j.ID), table); err != nil {
		e.failServiceJob(j, err)
		return
	}
	done := NewTimestamp(e.clock.Now().Truncate(time.Millisecond))
	finished := &job{ID: j.ID, Kind: j.Kind, Owner: j.Owner, Status: JobCompleted, Created: j.Created, Completed: &done,
		ARN: j.ARN, JobType: j.JobType, ServicesLastAccessed: details}
	if err := e.jobs.put(finished); err != nil {
		e.opts.Logger.Error("report job could not be stored", "job", j.ID, "err", err)
		e.failServiceJob(j, err)
	}
}

// failServiceJob marks a job FAILED with the reason; best effort.
func (e *Engine) failServiceJob(j *job, cause error) {
	done := NewTimestamp(e.clock.Now().Truncate(time.Millisecond))
	failed := &job{ID: j.ID, Kind: j.Kind, Owner: j.Owner, Status: JobFailed, Created: j.Created, Completed: &done,
		ARN: j.ARN, JobType: j.JobType,
		Error: &ErrorDetails{Code: internalFailureCode, Message: "The report job failed: " + cause.Error()}}
	if err := e.jobs.put(failed); err != nil {
		e.opts.Logger.Error("report job failure could not be stored", "job", j.ID, "err", err)
	}
}

// GetServiceLastAccessedDetails returns a job's status and one page of its
// services, by namespace.
func (e *Engine) GetServiceLastAccessedDetails(ctx context.Context, in GetServiceLastAccessedDetailsInput) (*ServiceLastAccessedDetails, error) {
	var v validation
	validateJobID(&v, in.JobID)
	maxItems := resolveMaxItems(&v, in.MaxItems)
	validateMarker(&v, in.Marker)
	if err := v.err(); err != nil {
		return nil, err
	}
	j, err := e.lookupJob(in.JobID, JobKindServiceLastAccessed, in.Caller)
	if err != nil {
		return nil, err
	}
	out := &ServiceLastAccessedDetails{JobStatus: j.Status, JobType: j.JobType, JobCreationDate: j.Created,
		JobCompletionDate: j.Completed, Error: j.Error, ServicesLastAccessed: []ServiceLastAccessed{}}
	if j.Status != JobCompleted {
		if in.Marker != "" {
			return nil, errorf(CodeInvalidInput, "The marker %q was not issued for this report.", truncateForMessage(in.Marker))
		}
		return out, nil
	}
	n := len(j.ServicesLastAccessed)
	start := 0
	if in.Marker != "" {
		if start, err = e.parseMarker(in.Marker, markerScopeServices, j.ID, "", n); err != nil {
			return nil, err
		}
	}
	end := min(start+maxItems, n)
	out.ServicesLastAccessed = j.ServicesLastAccessed[start:end:end]
	if end < n {
		out.IsTruncated = true
		out.Marker = e.issueMarker(markerScopeServices, j.ID, "", end)
	}
	return out, nil
}

// Marker scopes of the lists of a service last accessed job.
const (
	markerScopeServices = "sla-services"
	markerScopeEntities = "sla-entities"
	markerScopePolicies = "sla-policies"
)

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

// offer keeps the latest access; at the same time the smaller entity ARN,
// then the smaller region (SPEC §4.2).
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

// serviceCompute folds the principals' rollup rows into a report.
type serviceCompute struct {
	plan       []plannedService
	sub        *reportSubject
	start, end int64
	nsIndex    map[string]int
	// Filtered reports: does sub.docs allow the action. shared is the
	// entity's cache as the report started; decisions it lacks are made
	// into allowed and handed back at the end.
	shared   map[actionKey]bool
	allowed  map[actionKey]bool
	services []serviceAcc

	// ACTION_LEVEL: the allowed tracked actions, flattened.
	actionIndex map[actionKey]int // exact (namespace, action)
	actionFold  map[string]int    // lower-cased "namespace:action"
	actionSvc   []int
	actionName  []string
	actions     []actionAcc

	// Per-principal scratch, reset after each principal.
	cur       []lastAccess
	deferSvc  []bool
	touched   []int
	actCur    []lastAccess
	deferAct  []bool
	touchedAc []int
	strings   map[string]string // interned regions and action names
}

func newServiceCompute(plan []plannedService, sub *reportSubject, start, end int64) *serviceCompute {
	c := &serviceCompute{plan: plan, sub: sub, start: start, end: end,
		nsIndex: make(map[string]int, len(plan)), services: make([]serviceAcc, len(plan)),
		cur: make([]lastAccess, len(plan)), deferSvc: make([]bool, len(plan)), strings: make(map[string]string)}
	if sub.filtered {
		c.allowed = make(map[actionKey]bool)
		if sub.cache != nil {
			if m := sub.cache.allowed.Load(); m != nil {
				c.shared = *m
			}
		}
	}
	for i, p := range plan {
		c.nsIndex[p.namespace] = i
		for _, a := range p.tracked {
			if c.actionIndex == nil {
				c.actionIndex, c.actionFold = make(map[actionKey]int), make(map[string]int)
			}
			c.actionIndex[actionKey{p.namespace, a}] = len(c.actionSvc)
			c.actionFold[strings.ToLower(p.namespace+":"+a)] = len(c.actionSvc)
			c.actionSvc = append(c.actionSvc, i)
			c.actionName = append(c.actionName, a)
		}
	}
	c.actions = make([]actionAcc, len(c.actionSvc))
	c.actCur = make([]lastAccess, len(c.actionSvc))
	c.deferAct = make([]bool, len(c.actionSvc))
	return c
}

// counts reports whether an access to the action counts for the report.
func (c *serviceCompute) counts(ns, action string) bool {
	if !c.sub.filtered {
		return true
	}
	k := actionKey{ns, action}
	if ok, seen := c.shared[k]; seen {
		return ok
	}
	ok, seen := c.allowed[k]
	if !seen {
		ok = policy.Evaluate(c.sub.docs, ns+":"+action)
		c.allowed[k] = ok
	}
	return ok
}

// trackedIndex finds a tracked action, ignoring case as IAM does.
func (c *serviceCompute) trackedIndex(ns, action string) (int, bool) {
	if c.actionIndex == nil {
		return 0, false
	}
	k := actionKey{ns, action}
	if i, ok := c.actionIndex[k]; ok {
		return i, i >= 0
	}
	i := -1
	if si, ok := c.nsIndex[ns]; ok && c.plan[si].hasTracked {
		if j, ok := c.actionFold[strings.ToLower(ns+":"+action)]; ok {
			i = j
		}
	}
	c.actionIndex[k] = i // remembered, misses included
	return i, i >= 0
}

// entry folds one (action, latest accesses) of the principal in.
func (c *serviceCompute) entry(ns, action string, pa principalAccess) {
	si, ok := c.nsIndex[ns]
	if !ok || !c.counts(ns, action) {
		return
	}
	if at := pa.All; at.valid() && at.Time >= c.start {
		if !c.deferSvc[si] && !c.cur[si].valid() {
			c.touched = append(c.touched, si)
		}
		if at.Time > c.end {
			// Used after the report's creation: the latest access at or
			// before it needs the log.
			c.deferSvc[si] = true
		} else {
			c.cur[si].merge(at)
		}
	}
	if ai, ok := c.trackedIndex(ns, action); ok {
		if m := pa.Management; m.valid() && m.Time >= c.start {
			if !c.deferAct[ai] && !c.actCur[ai].valid() {
				c.touchedAc = append(c.touchedAc, ai)
			}
			if m.Time > c.end {
				c.deferAct[ai] = true
			} else {
				c.actCur[ai].merge(m)
			}
		}
	}
}

// addPrincipal reads the principal's rollup rows (and pending changes) and
// folds its accesses into the report.
func (c *serviceCompute) addPrincipal(pi int, snap Snapshot, pending map[string][]actionAccess) error {
	p := &c.sub.principals[pi]
	for _, arn := range p.arns {
		row, err := snap.RollupRow(rowKindPrincipal, arn)
		if err != nil {
			return err
		}
		if row != nil {
			if err := c.scanRow(row); err != nil {
				return fmt.Errorf("engine: rollup row of %s: %w", arn, err)
			}
		}
		for _, en := range pending[arn] {
			c.entry(en.Namespace, en.Action, en.Access)
		}
	}
	isArn := func(ev *Event) bool {
		for _, a := range p.arns {
			if ev.PrincipalARN == a {
				return true
			}
		}
		return false
	}
	for _, si := range c.touched {
		at := c.cur[si]
		if c.deferSvc[si] {
			ns := c.plan[si].namespace
			ev, ok, err := snap.LatestEvent(p.account, ns, c.end, func(ev *Event) bool {
				return isArn(ev) && c.counts(ev.Namespace, ev.Action)
			})
			if err != nil {
				return err
			}
			at = lastAccess{}
			if ok && ev.Time >= c.start {
				at = lastAccess{Time: ev.Time, Region: ev.Region}
			}
		}
		if at.valid() {
			s := &c.services[si]
			offerAccess(&s.best, &s.entity, at, p.info.Arn)
			s.count++
			s.entities = append(s.entities, entityTime{entity: int32(pi), time: at.Time})
		}
		c.cur[si], c.deferSvc[si] = lastAccess{}, false
	}
	c.touched = c.touched[:0]
	for _, ai := range c.touchedAc {
		at := c.actCur[ai]
		if c.deferAct[ai] {
			ns, name := c.plan[c.actionSvc[ai]].namespace, c.actionName[ai]
			ev, ok, err := snap.LatestEvent(p.account, ns, c.end, func(ev *Event) bool {
				return !ev.DataEvent && isArn(ev) && strings.EqualFold(ev.Action, name)
			})
			if err != nil {
				return err
			}
			at = lastAccess{}
			if ok && ev.Time >= c.start {
				at = lastAccess{Time: ev.Time, Region: ev.Region}
			}
		}
		if at.valid() {
			a := &c.actions[ai]
			offerAccess(&a.best, &a.entity, at, p.info.Arn)
		}
		c.actCur[ai], c.deferAct[ai] = lastAccess{}, false
	}
	c.touchedAc = c.touchedAc[:0]
	return nil
}

// scanRow folds an encoded principal rollup row (encodePrincipalRow) in,
// allocating only for strings not seen before.
func (c *serviceCompute) scanRow(b []byte) error {
	return forEachRowEntry(b, func(ns, action []byte, all, mgmt rawAccess) {
		si, ok := c.nsIndex[string(ns)]
		if !ok {
			return
		}
		pa := principalAccess{All: lastAccess{Time: all.time, Region: c.intern(all.region)}, Management: lastAccess{Time: mgmt.time, Region: c.intern(mgmt.region)}}
		c.entry(c.plan[si].namespace, c.intern(action), pa)
	})
}

// rawAccess is a lastAccess whose region still points into the row.
type rawAccess struct {
	time   int64
	region []byte
}

// forEachRowEntry walks an encoded principal rollup row without copying.
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

// intern returns a shared string for b: regions and action names repeat
// across principals, so a report allocates each once.
func (c *serviceCompute) intern(b []byte) string {
	if s, ok := c.strings[string(b)]; ok {
		return s
	}
	s := string(b)
	c.strings[s] = s
	return s
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
	w := &byteWriter{}
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

// jobEntitiesMeta names the per-entity table of a job in the store.
func jobEntitiesMeta(jobID string) string { return "job-entities/" + jobID }
