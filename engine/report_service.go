package engine

import (
	"context"
	"time"

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
// Granularity nil means SERVICE_LEVEL.
type GenerateServiceLastAccessedDetailsInput struct {
	Arn         string
	Granularity *string
	Caller      string // who generates it (for --report-owner-only)
}

// GetServiceLastAccessedDetailsInput is the Get request. MaxItems nil
// means the default (100), Marker nil the first page.
type GetServiceLastAccessedDetailsInput struct {
	JobID    string
	MaxItems *int
	Marker   *string
	Caller   string
}

// jobKindServiceLastAccessed names service last accessed jobs in their
// records.
const jobKindServiceLastAccessed = "service-last-accessed"

func init() { registerJobKind(func() jobPayload { return new(serviceJob) }) }

// serviceJob is a service last accessed job's payload: the request and,
// once completed, its services. The per-entity table of a completed job
// is stored beside it (Store.PutJobTable).
type serviceJob struct {
	ARN                  string                `json:"Arn,omitempty"`
	JobType              string                `json:"JobType,omitempty"`
	ServicesLastAccessed []ServiceLastAccessed `json:"ServicesLastAccessed,omitempty"` // by namespace, ascending
}

func (*serviceJob) kind() string { return jobKindServiceLastAccessed }

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
	validateParams(&v, param{arnShape, requiredString(in.Arn)}, param{granularityShape, optionalString(in.Granularity)})
	if err := v.err(); err != nil {
		return "", err
	}
	granularity := deref(in.Granularity)
	if granularity == "" {
		granularity = GranularityServiceLevel
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
	// Every worker reads its own snapshot. Opened under stateMu with the
	// pending copy, they agree: a fold between two openings writes rows
	// that already merge the pending changes, and merging is idempotent.
	snaps := make([]Snapshot, computeWorkers(len(sub.principals)))
	for i := range snaps {
		snaps[i] = e.store.Snapshot()
	}
	pending, gen := e.pendingEntries(sub.principals), e.pending
	e.stateMu.RUnlock()

	request := &serviceJob{ARN: in.Arn, JobType: granularity}
	j := newJob(request, in.Caller, created)
	run := &serviceReportRun{
		e: e, sub: sub, cat: cat, granularity: granularity, snaps: snaps, pending: pending, gen: gen,
		start: created.Add(-TrackingPeriod).UnixNano(), end: created.UnixNano(),
	}
	compute := func() (jobPayload, error) {
		details, err := run.compute(j.ID)
		if err != nil {
			return nil, err
		}
		return &serviceJob{ARN: request.ARN, JobType: request.JobType, ServicesLastAccessed: details}, nil
	}
	closeSnaps := func() {
		for _, s := range snaps {
			s.Close()
		}
	}
	if err := e.startJob(j, 0, compute, closeSnaps); err != nil {
		return "", err
	}
	return j.ID, nil
}

// serviceReportRun is one report job's computation.
type serviceReportRun struct {
	e           *Engine
	sub         *reportSubject
	cat         *catalog.Catalog
	granularity string
	snaps       []Snapshot // one per worker, all opened under stateMu with pending
	pending     map[string][]actionAccess
	gen         *rollupDelta // the pending delta current at Generate (principalRowCache)
	start, end  int64        // tracking period, inclusive Unix nanoseconds
}

// compute works out the report's services and stores its per-entity
// table under the job's id.
func (r *serviceReportRun) compute(jobID string) ([]ServiceLastAccessed, error) {
	plan := planServices(r.cat, r.sub, r.granularity)
	c := newServiceCompute(plan, r.sub, r.start, r.end)
	if err := c.run(r.snaps, r.pending, &r.e.rowCache, r.gen); err != nil {
		return nil, err
	}
	details, table := c.results()
	if err := r.e.store.PutJobTable(jobID, table); err != nil {
		return nil, err
	}
	return details, nil
}

// GetServiceLastAccessedDetails returns a job's status and one page of its
// services, by namespace.
func (e *Engine) GetServiceLastAccessedDetails(ctx context.Context, in GetServiceLastAccessedDetailsInput) (*ServiceLastAccessedDetails, error) {
	var v validation
	validateParams(&v, param{jobIDShape, requiredString(in.JobID)}, param{maxItemsShape, optionalInt(in.MaxItems)},
		param{markerShape, optionalString(in.Marker)})
	if err := v.err(); err != nil {
		return nil, err
	}
	maxItems, marker := pageSize(in.MaxItems), deref(in.Marker)
	j, p, err := lookupJob[*serviceJob](e, in.JobID, in.Caller)
	if err != nil {
		return nil, err
	}
	out := &ServiceLastAccessedDetails{JobStatus: j.Status, JobType: p.JobType, JobCreationDate: j.Created,
		JobCompletionDate: j.Completed, Error: j.Error, ServicesLastAccessed: []ServiceLastAccessed{}}
	if j.Status != JobCompleted {
		if marker != "" {
			return nil, errorf(CodeInvalidInput, "The marker %q was not issued for this report.", truncateForMessage(marker))
		}
		return out, nil
	}
	n := len(p.ServicesLastAccessed)
	start := 0
	if marker != "" {
		if start, err = e.parseMarker(marker, markerScopeServices, j.ID, "", n); err != nil {
			return nil, err
		}
	}
	end := min(start+maxItems, n)
	out.ServicesLastAccessed = p.ServicesLastAccessed[start:end:end]
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
