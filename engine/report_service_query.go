package engine

import "context"

// Read APIs for the SQL frontend's service_last_accessed_reports,
// services_last_accessed and tracked_actions_last_accessed tables (SPEC
// §5.2): a whole job, and a scan over jobs.

// ServiceLastAccessedJob is a whole service last accessed job.
// ServicesLastAccessed (by namespace) carries TrackedActionsLastAccessed
// for ACTION_LEVEL jobs; it is empty until the job completes.
type ServiceLastAccessedJob struct {
	JobID                string
	Arn                  string
	JobType              string
	JobStatus            string
	JobCreationDate      Timestamp
	JobCompletionDate    *Timestamp
	ServicesLastAccessed []ServiceLastAccessed
	ErrorDetails         *ErrorDetails
}

func serviceReportJob(j *job, p *serviceJob) *ServiceLastAccessedJob {
	return &ServiceLastAccessedJob{JobID: j.ID, Arn: p.ARN, JobType: p.JobType, JobStatus: j.Status,
		JobCreationDate: j.Created, JobCompletionDate: j.Completed, ServicesLastAccessed: p.ServicesLastAccessed, ErrorDetails: j.Error}
}

// ServiceLastAccessedJob returns one job (NoSuchEntity if there is none
// the caller may read). The slices are shared: do not modify.
func (e *Engine) ServiceLastAccessedJob(id, caller string) (*ServiceLastAccessedJob, error) {
	j, p, err := lookupJob[*serviceJob](e, id, caller)
	if err != nil {
		return nil, err
	}
	return serviceReportJob(j, p), nil
}

// ScanServiceLastAccessedJobs calls fn for every service last accessed job
// the caller may read, in JobId order.
func (e *Engine) ScanServiceLastAccessedJobs(ctx context.Context, caller string, fn func(*ServiceLastAccessedJob) error) error {
	return scanJobs(ctx, e, caller, func(j *job, p *serviceJob) error { return fn(serviceReportJob(j, p)) })
}

// ServiceLastAccessedEntities returns, for a completed job, the whole
// EntityDetailsList of one service (the order of
// GetServiceLastAccessedDetailsWithEntities, without paging).
func (e *Engine) ServiceLastAccessedEntities(id, namespace, caller string) ([]EntityDetails, error) {
	j, p, err := lookupJob[*serviceJob](e, id, caller)
	if err != nil {
		return nil, err
	}
	if j.Status != JobCompleted {
		return []EntityDetails{}, nil
	}
	return e.serviceEntities(j.ID, p, namespace)
}
