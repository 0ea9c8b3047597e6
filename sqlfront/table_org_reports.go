package sqlfront

import (
	"io"

	"github.com/dolthub/go-mysql-server/sql"

	"lastaccess/engine"
)

// Table names of SPEC §5.2.
const (
	tableOrgReports = "organizations_access_reports"
	tableOrgDetails = "organizations_access_details"
)

// orgReportsTable is organizations_access_reports: one row per
// Organizations report job the caller may read, keyed by JobId.
type orgReportsTable struct {
	keyedTable
	f *frontend
}

var (
	_ sql.IndexAddressableTable = (*orgReportsTable)(nil)
	_ sql.IndexedTable          = (*orgReportsTable)(nil)
)

func newOrgReportsTable(f *frontend) *orgReportsTable {
	jobID := column("", "JobId", typeJobID, false)
	jobID.PrimaryKey = true
	t := &orgReportsTable{f: f}
	t.keyedTable = newKeyedTable(t, tableOrgReports,
		jobID,
		column("", "EntityPath", typePath, false),
		column("", "OrganizationsPolicyId", typeID, true),
		column("", "JobStatus", typeID, false),
		column("", "JobCreationDate", typeTime, false),
		column("", "JobCompletionDate", typeTime, true),
		column("", "NumberOfServicesAccessible", typeCount, true),
		column("", "NumberOfServicesNotAccessed", typeCount, true),
		column("", "NotAccessedShare", typeShare, true),
		column("", "AccessDetails", typeJSON, true),
		column("", "ErrorDetails", typeJSON, true),
	)
	return t
}

// lookupRows reads the jobs a lookup pins JobId to, else scans.
func (t *orgReportsTable) lookupRows(ctx *sql.Context, kr keyRanges) (sql.RowIter, error) {
	jobs, ok, err := lookupJobs(ctx, kr, t.f.eng.OrganizationsReportJob)
	if err != nil {
		return nil, err
	}
	if !ok {
		return t.scanRows(ctx, kr), nil
	}
	rows := make([]sql.Row, 0, len(jobs))
	for _, j := range jobs {
		r, err := orgReportRow(j)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	return rowsIter(rows), nil
}

func (t *orgReportsTable) scanRows(ctx *sql.Context, kr keyRanges) sql.RowIter {
	return scanJobs(ctx, kr, t.f.eng.ScanOrganizationsReportJobs, orgJobID, func(j *engine.OrganizationsReportJob, _ keyRanges, emit func(sql.Row) error) error {
		r, err := orgReportRow(j)
		if err != nil {
			return err
		}
		return emit(r)
	})
}

func orgJobID(j *engine.OrganizationsReportJob) string { return j.JobID }

// orgReportRow is one row of organizations_access_reports.
func orgReportRow(j *engine.OrganizationsReportJob) (sql.Row, error) {
	counts := engine.OrganizationsAccessReport{
		NumberOfServicesAccessible:  j.NumberOfServicesAccessible,
		NumberOfServicesNotAccessed: j.NumberOfServicesNotAccessed,
	}
	share, err := decimalValue(counts.NotAccessedShare())
	if err != nil {
		return nil, err
	}
	var details, failure any
	if j.JobStatus == engine.JobCompleted {
		list := j.AccessDetails
		if list == nil {
			list = []engine.AccessDetail{}
		}
		details = accessDetailsJSON(list)
	}
	if j.ErrorDetails != nil {
		failure = jsonValue(j.ErrorDetails)
	}
	return sql.Row{
		j.JobID,
		j.EntityPath,
		optionalString(j.OrganizationsPolicyID),
		j.JobStatus,
		timestampValue(j.JobCreationDate),
		timestampPtrValue(j.JobCompletionDate),
		intPtrValue(j.NumberOfServicesAccessible),
		intPtrValue(j.NumberOfServicesNotAccessed),
		share,
		details,
		failure,
	}, nil
}

// orgDetailsTable is organizations_access_details: one row per job and
// service, keyed by (JobId, ServiceNamespace). A job's details are stored
// in namespace order, so rows come out in key order without sorting.
type orgDetailsTable struct {
	keyedTable
	f *frontend
}

var (
	_ sql.IndexAddressableTable = (*orgDetailsTable)(nil)
	_ sql.IndexedTable          = (*orgDetailsTable)(nil)
)

func newOrgDetailsTable(f *frontend) *orgDetailsTable {
	jobID := column("", "JobId", typeJobID, false)
	namespace := column("", "ServiceNamespace", typeID, false)
	jobID.PrimaryKey, namespace.PrimaryKey = true, true
	t := &orgDetailsTable{f: f}
	t.keyedTable = newKeyedTable(t, tableOrgDetails,
		jobID,
		column("", "ServiceName", typeName, false),
		namespace,
		column("", "Region", typeID, true),
		column("", "EntityPath", typePath, true),
		column("", "LastAuthenticatedTime", typeTime, true),
		column("", "TotalAuthenticatedEntities", typeCount, false),
	)
	return t
}

// lookupRows reads the jobs a lookup pins JobId to, else scans.
func (t *orgDetailsTable) lookupRows(ctx *sql.Context, kr keyRanges) (sql.RowIter, error) {
	jobs, ok, err := lookupJobs(ctx, kr, t.f.eng.OrganizationsReportJob)
	if err != nil {
		return nil, err
	}
	if !ok {
		return t.scanRows(ctx, kr), nil
	}
	return &detailsIter{jobs: jobs, kr: kr, checkNamespace: kr.constrains(1)}, nil
}

// detailsIter yields the detail rows of jobs in key order (reversed when
// the lookup is), building each row only when it is read: a LIMIT stops
// it early.
type detailsIter struct {
	jobs           []*engine.OrganizationsReportJob
	kr             keyRanges
	checkNamespace bool // some range constrains ServiceNamespace
	j, k           int  // next job, next detail of it
}

func (it *detailsIter) Next(*sql.Context) (sql.Row, error) {
	for it.j < len(it.jobs) {
		job := it.jobs[it.j]
		d := job.AccessDetails
		for it.k < len(d) {
			i := it.k
			if it.kr.reverse {
				i = len(d) - 1 - it.k
			}
			it.k++
			if it.checkNamespace {
				ok, err := it.kr.matches(job.JobID, d[i].ServiceNamespace)
				if err != nil {
					return nil, err
				}
				if !ok {
					continue
				}
			}
			return detailRow(job.JobID, &d[i]), nil
		}
		it.j, it.k = it.j+1, 0
	}
	return nil, io.EOF
}

func (it *detailsIter) Close(*sql.Context) error { return nil }

func (t *orgDetailsTable) scanRows(ctx *sql.Context, kr keyRanges) sql.RowIter {
	return scanJobs(ctx, kr, t.f.eng.ScanOrganizationsReportJobs, orgJobID, func(j *engine.OrganizationsReportJob, forward keyRanges, emit func(sql.Row) error) error {
		rows, err := appendDetailRows(nil, j, forward)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := emit(r); err != nil {
				return err
			}
		}
		return nil
	})
}

// appendDetailRows adds the job's rows within kr, in namespace order
// (reversed when kr is).
func appendDetailRows(rows []sql.Row, j *engine.OrganizationsReportJob, kr keyRanges) ([]sql.Row, error) {
	d := j.AccessDetails
	for k := range d {
		i := k
		if kr.reverse {
			i = len(d) - 1 - k
		}
		if kr.tests != nil {
			ok, err := kr.matches(j.JobID, d[i].ServiceNamespace)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		rows = append(rows, detailRow(j.JobID, &d[i]))
	}
	return rows, nil
}

func detailRow(jobID string, d *engine.AccessDetail) sql.Row {
	return sql.Row{
		jobID,
		d.ServiceName,
		d.ServiceNamespace,
		stringPtrValue(d.Region),
		stringPtrValue(d.EntityPath),
		timestampPtrValue(d.LastAuthenticatedTime),
		int32(d.TotalAuthenticatedEntities),
	}
}
