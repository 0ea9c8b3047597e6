package engine

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/cockroachdb/apd/v3"

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
	// AsOf, when given, is the report's creation time instead of now: the
	// report as it would have been generated then (SPEC §8 "As of").
	AsOf *time.Time
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

// jobKindOrganizations names Organizations report jobs in their records.
const jobKindOrganizations = "organizations"

func init() { registerJobKind(func() jobPayload { return new(orgJob) }) }

// orgJob is an Organizations report job's payload: the request and, once
// completed, one detail per listed service. The details are immutable
// once settled; the permutations of each sort key are computed once.
type orgJob struct {
	EntityPath    string         `json:"EntityPath,omitempty"`
	PolicyID      string         `json:"OrganizationsPolicyId,omitempty"`
	AccessDetails []AccessDetail `json:"AccessDetails,omitempty"` // by namespace, ascending
	// WhatIf is set on the report of a what-if: the change set and the
	// impact list (report_whatif.go); Gets serve the report as any other.
	WhatIf *whatIfRecord `json:"WhatIf,omitempty"`

	ordersMu sync.Mutex
	orders   map[string][]int32
}

func (*orgJob) kind() string { return jobKindOrganizations }

// counts are NumberOfServicesAccessible and NumberOfServicesNotAccessed of
// a completed job.
func (p *orgJob) counts() (accessible, notAccessed *int) {
	n, none := len(p.AccessDetails), 0
	for i := range p.AccessDetails {
		if p.AccessDetails[i].LastAuthenticatedTime == nil {
			none++
		}
	}
	return &n, &none
}

// order returns the permutation of AccessDetails for a sort key.
func (p *orgJob) order(sortKey string) []int32 {
	p.ordersMu.Lock()
	defer p.ordersMu.Unlock()
	if o, ok := p.orders[sortKey]; ok {
		return o
	}
	n := len(p.AccessDetails)
	o := make([]int32, n)
	for i := range o {
		o[i] = int32(i)
	}
	d := p.AccessDetails
	switch sortKey {
	case SortNamespaceDescending:
		for i := range o {
			o[i] = int32(n - 1 - i)
		}
	case SortTimeAscending, SortTimeDescending:
		desc := sortKey == SortTimeDescending
		// Stable over the namespace order, so ties stay by namespace
		// ascending. A service never accessed sorts as MySQL sorts NULL:
		// first ascending, last descending.
		sort.SliceStable(o, func(a, b int) bool {
			ta, tb := d[o[a]].LastAuthenticatedTime, d[o[b]].LastAuthenticatedTime
			switch {
			case ta == nil && tb == nil:
				return false
			case ta == nil:
				return !desc
			case tb == nil:
				return desc
			case desc:
				return ta.After(tb.Time)
			default:
				return ta.Before(tb.Time)
			}
		})
	}
	if p.orders == nil {
		p.orders = make(map[string][]int32)
	}
	p.orders[sortKey] = o
	return o
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
	return e.generateOrgReport(in, nil)
}

// generateOrgReport starts an Organizations report job: on the imported
// organization, or for a what-if (whatIf not nil) on the organization as
// the change set would make it, with the impact list computed beside the
// report.
func (e *Engine) generateOrgReport(in GenerateOrganizationsAccessReportInput, whatIf *whatIfRequest) (string, error) {
	var v validation
	validateParams(&v, param{entityPathShape, requiredString(in.EntityPath)}, param{policyIDShape, optionalString(in.OrganizationsPolicyID)})
	if err := v.err(); err != nil {
		return "", err
	}
	created, err := e.reportCreation(in.AsOf)
	if err != nil {
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
	reportOrg := org
	if whatIf != nil {
		if reportOrg, err = applySCPChanges(org, whatIf.changes); err != nil {
			e.stateMu.RUnlock()
			return "", err
		}
	}
	node, err := reportOrg.ResolvePath(in.EntityPath)
	if err != nil {
		e.stateMu.RUnlock()
		return "", err
	}
	plan, err := planOrgReport(reportOrg, cat, node, deref(in.OrganizationsPolicyID))
	if err != nil {
		e.stateMu.RUnlock()
		return "", err
	}
	scan := e.orgScanFor(plan.accounts, created)
	results := make([]serviceResult, len(plan.services))
	var deferred []deferredPair
	for i, s := range plan.services {
		results[i], deferred = e.orgRollup.scanService(s.Namespace, &scan, deferred)
	}
	var impact *impactPlan
	if whatIf != nil {
		impact = e.planImpact(org, reportOrg, cat, plan.accounts, created, whatIf.days)
	}
	var snap Snapshot
	if len(deferred) > 0 || impact != nil {
		snap = e.store.Snapshot()
	}
	e.stateMu.RUnlock()

	request := &orgJob{EntityPath: in.EntityPath, PolicyID: deref(in.OrganizationsPolicyID)}
	if node.Kind == KindAccount && node.ID == org.ManagementAccountID {
		request.PolicyID = "" // SCPs do not apply: the report ignores it
	}
	if whatIf != nil {
		request.WhatIf = &whatIfRecord{Changes: whatIf.text, Days: whatIf.days}
	}
	j := newJob(request, in.Caller, created)
	run := func() (jobPayload, error) {
		details, err := finishOrgReport(plan.services, results, deferred, snap, scan)
		if err != nil {
			return nil, err
		}
		result := &orgJob{EntityPath: request.EntityPath, PolicyID: request.PolicyID, AccessDetails: details}
		if impact != nil {
			list, err := impact.run(snap)
			if err != nil {
				return nil, err
			}
			result.WhatIf = &whatIfRecord{Changes: whatIf.text, Days: whatIf.days, Impact: list}
		}
		return result, nil
	}
	closeSnap := func() {
		if snap != nil {
			snap.Close()
		}
	}
	if err := e.startJob(j, e.opts.MaxOrgJobsInProgress, run, closeSnap); err != nil {
		if errors.Is(err, errJobLimit) {
			return "", errorf(CodeReportGenerationLimitExceeded, "Cannot generate the report: %d Organizations access report jobs are already in progress.", e.opts.MaxOrgJobsInProgress)
		}
		return "", err
	}
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

// finishOrgReport completes a report's figures: exact lookups in snap for
// the accounts whose latest access is after the report's creation, then
// the details.
func finishOrgReport(services []catalog.Service, results []serviceResult, deferred []deferredPair, snap Snapshot, scan orgScan) ([]AccessDetail, error) {
	if len(deferred) > 0 {
		index := make(map[string]int, len(services))
		for i, s := range services {
			index[s.Namespace] = i
		}
		notServiceLinked := func(ev *Event) bool { return !ev.ServiceLinked }
		for _, d := range deferred {
			ev, ok, err := snap.LatestEvent(d.account, d.namespace, scan.end, notServiceLinked)
			if err != nil {
				return nil, err
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
	return details, nil
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
	j, p, err := lookupJob[*orgJob](e, in.JobID, in.Caller)
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
	out.NumberOfServicesAccessible, out.NumberOfServicesNotAccessed = p.counts()
	n := len(p.AccessDetails)
	start := 0
	if marker != "" {
		if start, err = e.parseMarker(marker, "org", j.ID, sortKey, n); err != nil {
			return nil, err
		}
	}
	order := p.order(sortKey)
	end := min(start+maxItems, n)
	out.AccessDetails = make([]AccessDetail, 0, end-start)
	for _, i := range order[start:end] {
		out.AccessDetails = append(out.AccessDetails, p.AccessDetails[i])
	}
	if end < n {
		out.IsTruncated = true
		out.Marker = e.issueMarker("org", j.ID, sortKey, end)
	}
	return out, nil
}
