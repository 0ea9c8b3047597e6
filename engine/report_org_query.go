package engine

import "context"

// Read APIs for the SQL frontend's organizations_access_reports and
// organizations_access_details tables (SPEC §5.2): a whole job, and a
// scan over jobs.

// OrganizationsReportJob is a whole Organizations report job, as the
// organizations_access_reports and organizations_access_details tables
// show it. AccessDetails are in namespace order.
type OrganizationsReportJob struct {
	JobID                       string
	EntityPath                  string
	OrganizationsPolicyID       string
	JobStatus                   string
	JobCreationDate             Timestamp
	JobCompletionDate           *Timestamp
	NumberOfServicesAccessible  *int
	NumberOfServicesNotAccessed *int
	AccessDetails               []AccessDetail
	ErrorDetails                *ErrorDetails
}

func orgReportJob(j *job, p *orgJob) *OrganizationsReportJob {
	out := &OrganizationsReportJob{
		JobID: j.ID, EntityPath: p.EntityPath, OrganizationsPolicyID: p.PolicyID, JobStatus: j.Status,
		JobCreationDate: j.Created, JobCompletionDate: j.Completed, AccessDetails: p.AccessDetails, ErrorDetails: j.Error,
	}
	if j.Status == JobCompleted {
		out.NumberOfServicesAccessible, out.NumberOfServicesNotAccessed = p.counts()
	}
	return out
}

// OrganizationsReportJob returns one job (NoSuchEntity if there is none
// the caller may read). The AccessDetails slice is shared: do not modify.
func (e *Engine) OrganizationsReportJob(id, caller string) (*OrganizationsReportJob, error) {
	j, p, err := lookupJob[*orgJob](e, id, caller)
	if err != nil {
		return nil, err
	}
	return orgReportJob(j, p), nil
}

// ScanOrganizationsReportJobs calls fn for every Organizations report job
// the caller may read, in JobId order.
func (e *Engine) ScanOrganizationsReportJobs(ctx context.Context, caller string, fn func(*OrganizationsReportJob) error) error {
	return scanJobs(ctx, e, caller, func(j *job, p *orgJob) error { return fn(orgReportJob(j, p)) })
}
