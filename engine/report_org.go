package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/google/uuid"

	"lastaccess/engine/catalog"
)

// AccessDetail is one service of an Organizations access report, with the
// API's field names and order.
type AccessDetail struct {
	ServiceName                string     `json:"ServiceName"`
	ServiceNamespace           string     `json:"ServiceNamespace"`
	Region                     *string    `json:"Region,omitempty"`
	EntityPath                 *string    `json:"EntityPath,omitempty"`
	LastAuthenticatedTime      *Timestamp `json:"LastAuthenticatedTime,omitempty"`
	TotalAuthenticatedEntities int        `json:"TotalAuthenticatedEntities"`
}

// OrganizationsAccessReport is the GetOrganizationsAccessReport response.
type OrganizationsAccessReport struct {
	JobStatus                   string         `json:"JobStatus"`
	JobCreationDate             Timestamp      `json:"JobCreationDate"`
	JobCompletionDate           *Timestamp     `json:"JobCompletionDate,omitempty"`
	NumberOfServicesAccessible  *int           `json:"NumberOfServicesAccessible,omitempty"`
	NumberOfServicesNotAccessed *int           `json:"NumberOfServicesNotAccessed,omitempty"`
	AccessDetails               []AccessDetail `json:"AccessDetails,omitzero"` // [] when a completed report lists no service
	IsTruncated                 bool           `json:"IsTruncated"`
	Marker                      string         `json:"Marker,omitempty"`
	ErrorDetails                *ErrorDetails  `json:"ErrorDetails,omitempty"`
}

// NotAccessedShare is NumberOfServicesNotAccessed / NumberOfServicesAccessible
// as an exact decimal rounded half-even to 4 places (0.4000 for 6 of 15),
// or nil when the report has no counts or lists no service.
func (r *OrganizationsAccessReport) NotAccessedShare() *apd.Decimal {
	if r.NumberOfServicesAccessible == nil || r.NumberOfServicesNotAccessed == nil || *r.NumberOfServicesAccessible == 0 {
		return nil
	}
	return exactShare(int64(*r.NumberOfServicesNotAccessed), int64(*r.NumberOfServicesAccessible))
}

// exactShare divides with apd so the figure is exact to its 4 places,
// never a binary float.
func exactShare(num, den int64) *apd.Decimal {
	ctx := apd.BaseContext.WithPrecision(34)
	ctx.Rounding = apd.RoundHalfEven
	var q apd.Decimal
	_, _ = ctx.Quo(&q, apd.New(num, 0), apd.New(den, 0))
	var out apd.Decimal
	_, _ = ctx.Quantize(&out, &q, -4)
	return &out
}

// GenerateOrganizationsAccessReportInput is the Generate request.
type GenerateOrganizationsAccessReportInput struct {
	EntityPath            string
	OrganizationsPolicyID *string // nil: not given
	Caller                string  // who generates it (for --report-owner-only)
}

// GetOrganizationsAccessReportInput is the Get request. A nil MaxItems,
// Marker or SortKey is not given: the default page (100) from the start,
// by namespace.
type GetOrganizationsAccessReportInput struct {
	JobID    string
	MaxItems *int
	Marker   *string
	SortKey  *string
	Caller   string
}

// orgPlan is what one Organizations report covers.
type orgPlan struct {
	services []catalog.Service
	accounts []*Node
}

// planOrgReport decides the listed services and the data accounts for an
// entity and optional SCP (SPEC §4.1 scopes).
func planOrgReport(org *Organization, cat *catalog.Catalog, node *Node, policyID string) (orgPlan, error) {
	var plan orgPlan
	all := cat.Services()
	if node.Kind == KindAccount && node.ID == org.ManagementAccountID {
		// SCPs do not limit the management account: every service, its
		// own data, and a policy id is ignored.
		plan.services = all
		plan.accounts = []*Node{node}
		return plan, nil
	}
	var allowed []bool
	var accounts []*Node
	under := accountsUnder(node, nil)
	if policyID != "" {
		scp, ok := org.Policy(policyID)
		if !ok {
			return plan, errorf(CodeNoSuchEntity, "The policy %s does not exist in organization %s.", policyID, org.ID)
		}
		allowed = policyAllows(scp, cat)
		for _, a := range under {
			if a.ID != org.ManagementAccountID && scp.appliesTo(a) {
				accounts = append(accounts, a)
			}
		}
	} else {
		allowed = org.allowedServices(node, cat)
		for _, a := range under {
			if a.ID != org.ManagementAccountID {
				accounts = append(accounts, a)
			}
		}
	}
	for i, ok := range allowed {
		if ok {
			plan.services = append(plan.services, all[i])
		}
	}
	plan.accounts = accounts
	return plan, nil
}

// GenerateOrganizationsAccessReport validates the request, fixes the
// report's data at this moment and starts the job; it returns the JobId
// at once.
func (e *Engine) GenerateOrganizationsAccessReport(ctx context.Context, in GenerateOrganizationsAccessReportInput) (string, error) {
	var v validation
	validateParams(&v, param{entityPathShape, requiredString(in.EntityPath)}, param{policyIDShape, optionalString(in.OrganizationsPolicyID)})
	if err := v.err(); err != nil {
		return "", err
	}
	if err := e.ensureOrgRollup(); err != nil {
		return "", err
	}
	e.stateMu.RLock()
	org, cat := e.org, e.cat
	if org == nil {
		e.stateMu.RUnlock()
		if _, err := ParseEntityPath(in.EntityPath); err != nil {
			return "", err
		}
		return "", errorf(CodeNoSuchEntity, "No organization has been imported, so the entity path %s does not exist. Import one with `lastaccess org import FILE`.", in.EntityPath)
	}
	node, err := org.ResolvePath(in.EntityPath)
	if err != nil {
		e.stateMu.RUnlock()
		return "", err
	}
	plan, err := planOrgReport(org, cat, node, deref(in.OrganizationsPolicyID))
	if err != nil {
		e.stateMu.RUnlock()
		return "", err
	}
	created := e.clock.Now().UTC().Truncate(time.Millisecond)
	scan := e.orgScanFor(plan.accounts, created)
	results := make([]serviceResult, len(plan.services))
	var deferred []deferredPair
	for i, s := range plan.services {
		results[i], deferred = e.orgRollup.scanService(s.Namespace, &scan, deferred)
	}
	var snap Snapshot
	if len(deferred) > 0 {
		snap = e.store.Snapshot()
	}
	e.stateMu.RUnlock()

	if !e.jobs.begin(JobKindOrganizations, e.opts.MaxOrgJobsInProgress) {
		if snap != nil {
			snap.Close()
		}
		return "", errorf(CodeReportGenerationLimitExceeded, "Cannot generate the report: %d Organizations access report jobs are already in progress.", e.opts.MaxOrgJobsInProgress)
	}
	j := &job{
		ID:         uuid.NewString(),
		Kind:       JobKindOrganizations,
		Owner:      in.Caller,
		Status:     JobInProgress,
		Created:    NewTimestamp(created),
		EntityPath: in.EntityPath,
		PolicyID:   deref(in.OrganizationsPolicyID),
	}
	if node.Kind == KindAccount && node.ID == org.ManagementAccountID {
		j.PolicyID = ""
	}
	if err := e.jobs.put(j); err != nil {
		e.jobs.end(JobKindOrganizations)
		if snap != nil {
			snap.Close()
		}
		return "", err
	}
	e.bg.Add(1)
	go func() {
		defer e.bg.Done()
		defer e.jobs.end(JobKindOrganizations)
		e.finishOrgJob(j, plan.services, results, deferred, snap, scan)
	}()
	return j.ID, nil
}

// orgScanFor builds the rollup question for a set of data accounts.
func (e *Engine) orgScanFor(accounts []*Node, created time.Time) orgScan {
	r := e.orgRollup
	q := orgScan{
		inScope: make([]bool, len(r.accounts)),
		paths:   make([]string, len(r.accounts)),
		start:   created.Add(-TrackingPeriod).UnixNano(),
		end:     created.UnixNano(),
	}
	for _, a := range accounts {
		if ai, ok := r.accountIx[a.ID]; ok {
			q.inScope[ai] = true
			q.paths[ai] = a.Path
		}
	}
	return q
}

// finishOrgJob completes a job: exact lookups for accounts whose latest
// access is after the report's creation, then the details, persisted.
func (e *Engine) finishOrgJob(j *job, services []catalog.Service, results []serviceResult, deferred []deferredPair, snap Snapshot, scan orgScan) {
	defer func() {
		if r := recover(); r != nil {
			e.failJob(j, fmt.Errorf("internal error: %v", r))
		}
	}()
	if e.beforeFinish != nil {
		e.beforeFinish(j.ID)
	}
	if snap != nil {
		defer snap.Close()
		index := make(map[string]int, len(services))
		for i, s := range services {
			index[s.Namespace] = i
		}
		notServiceLinked := func(ev *Event) bool { return !ev.ServiceLinked }
		for _, d := range deferred {
			ev, ok, err := snap.LatestEvent(d.account, d.namespace, scan.end, notServiceLinked)
			if err != nil {
				e.failJob(j, err)
				return
			}
			if ok && ev.Time >= scan.start {
				results[index[d.namespace]].offer(lastAccess{Time: ev.Time, Region: ev.Region}, d.path)
			}
		}
	}
	details := make([]AccessDetail, len(services))
	for i, s := range services {
		r := results[i]
		d := AccessDetail{ServiceName: s.Name, ServiceNamespace: s.Namespace, TotalAuthenticatedEntities: r.accounts}
		if r.latest.valid() {
			region, path := r.latest.Region, r.path
			d.Region, d.EntityPath = &region, &path
			d.LastAuthenticatedTime = timestampPtr(r.latest.Time)
		}
		details[i] = d
	}
	e.completeJob(j, func(done *job) { done.AccessDetails = details })
}

// settleJob stores a job's final state: its request, the status, the
// completion time and what fill adds (the result or the failure).
func (e *Engine) settleJob(j *job, status string, fill func(*job)) error {
	done := NewTimestamp(e.clock.Now().Truncate(time.Millisecond))
	final := &job{ID: j.ID, Kind: j.Kind, Owner: j.Owner, Status: status, Created: j.Created, Completed: &done,
		EntityPath: j.EntityPath, PolicyID: j.PolicyID, ARN: j.ARN, JobType: j.JobType}
	fill(final)
	return e.jobs.put(final)
}

// completeJob stores a job's result, or marks it FAILED if that fails.
func (e *Engine) completeJob(j *job, fill func(*job)) {
	if err := e.settleJob(j, JobCompleted, fill); err != nil {
		e.opts.Logger.Error("report job could not be stored", "job", j.ID, "err", err)
		e.failJob(j, err)
	}
}

// failJob marks a job FAILED with the reason; best effort.
func (e *Engine) failJob(j *job, cause error) {
	err := e.settleJob(j, JobFailed, func(f *job) {
		f.Error = &ErrorDetails{Code: internalFailureCode, Message: "The report job failed: " + cause.Error()}
	})
	if err != nil {
		e.opts.Logger.Error("report job failure could not be stored", "job", j.ID, "err", err)
	}
}

// lookupJob finds a job of a kind that the caller may read.
func (e *Engine) lookupJob(id, kind, caller string) (*job, error) {
	j, err := e.jobs.get(id)
	if err == ErrNotFound || (err == nil && (j.Kind != kind || (e.opts.ReportOwnerOnly && j.Owner != caller))) {
		return nil, errorf(CodeNoSuchEntity, "The report job %s does not exist.", id)
	}
	return j, err
}

// GetOrganizationsAccessReport returns a job's status and one page of its
// services in the requested order.
func (e *Engine) GetOrganizationsAccessReport(ctx context.Context, in GetOrganizationsAccessReportInput) (*OrganizationsAccessReport, error) {
	var v validation
	validateParams(&v, param{jobIDShape, requiredString(in.JobID)}, param{maxItemsShape, optionalInt(in.MaxItems)},
		param{markerShape, optionalString(in.Marker)}, param{sortKeyShape, optionalString(in.SortKey)})
	if err := v.err(); err != nil {
		return nil, err
	}
	maxItems, marker, sortKey := pageSize(in.MaxItems), deref(in.Marker), deref(in.SortKey)
	if sortKey == "" {
		sortKey = SortNamespaceAscending
	}
	j, err := e.lookupJob(in.JobID, JobKindOrganizations, in.Caller)
	if err != nil {
		return nil, err
	}
	out := &OrganizationsAccessReport{JobStatus: j.Status, JobCreationDate: j.Created, JobCompletionDate: j.Completed, ErrorDetails: j.Error}
	if j.Status != JobCompleted {
		if marker != "" {
			return nil, errorf(CodeInvalidInput, "The marker %q was not issued for this report and sort order.", truncateForMessage(marker))
		}
		return out, nil
	}
	n := len(j.AccessDetails)
	notAccessed := 0
	for i := range j.AccessDetails {
		if j.AccessDetails[i].LastAuthenticatedTime == nil {
			notAccessed++
		}
	}
	out.NumberOfServicesAccessible, out.NumberOfServicesNotAccessed = &n, &notAccessed
	start := 0
	if marker != "" {
		if start, err = e.parseMarker(marker, "org", j.ID, sortKey, n); err != nil {
			return nil, err
		}
	}
	order := j.order(sortKey)
	end := min(start+maxItems, n)
	out.AccessDetails = make([]AccessDetail, 0, end-start)
	for _, i := range order[start:end] {
		out.AccessDetails = append(out.AccessDetails, j.AccessDetails[i])
	}
	if end < n {
		out.IsTruncated = true
		out.Marker = e.issueMarker("org", j.ID, sortKey, end)
	}
	return out, nil
}

// WaitJob blocks until the job is no longer in progress or ctx ends.
func (e *Engine) WaitJob(ctx context.Context, id string) error {
	done, err := e.jobs.finished(id)
	if err != nil {
		return err
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
