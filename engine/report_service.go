package engine

import (
	"context"
	"time"

	"lastaccess/engine/catalog"
)

// Service last accessed details (SPEC §4.2): GenerateServiceLastAccessedDetails
// and GetServiceLastAccessedDetails. Generate resolves the entity, opens
// views of its principals' rollup rows as of this moment (rollup_principal.go)
// and returns the JobId; a background job reads one principal rollup row
// per user and role (a key lookup each, never a scan), computes the
// figures (report_service_compute.go) and persists them.

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
	// AsOf, when given, is the report's creation time instead of now
	// (report_as_of.go).
	AsOf *time.Time
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
	created, err := e.reportCreation(in.AsOf)
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
	// Every worker reads its own view of the rows, all of this moment.
	views := e.openPrincipalRows(sub.principals, computeWorkers(len(sub.principals)))
	e.stateMu.RUnlock()

	request := &serviceJob{ARN: in.Arn, JobType: granularity}
	j := newJob(request, in.Caller, created)
	run := &serviceReportRun{
		e: e, sub: sub, cat: cat, granularity: granularity, views: views,
		start: created.Add(-TrackingPeriod).UnixNano(), end: created.UnixNano(),
	}
	compute := func() (jobPayload, error) {
		details, err := run.compute(j.ID)
		if err != nil {
			return nil, err
		}
		return &serviceJob{ARN: request.ARN, JobType: request.JobType, ServicesLastAccessed: details}, nil
	}
	closeViews := func() {
		for _, v := range views {
			v.close()
		}
	}
	if err := e.startJob(j, 0, compute, closeViews); err != nil {
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
	views       []*principalRows // one per worker, of the moment of Generate
	start, end  int64            // tracking period, inclusive Unix nanoseconds
}

// compute works out the report's services and stores its per-entity
// table under the job's id.
func (r *serviceReportRun) compute(jobID string) ([]ServiceLastAccessed, error) {
	plan := planServices(r.cat, r.sub, r.granularity)
	c := newServiceCompute(plan, r.sub, r.start, r.end)
	if err := c.run(r.views); err != nil {
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
