package sqlfront

import (
	"io"

	"github.com/dolthub/go-mysql-server/sql"

	"lastaccess/engine"
)

// Table names of SPEC §5.2 for the IAM entity reports (§4.2).
const (
	tableServiceReports = "service_last_accessed_reports"
	tableServices       = "services_last_accessed"
	tableTrackedActions = "tracked_actions_last_accessed"
)

func serviceJobID(j *engine.ServiceLastAccessedJob) string { return j.JobID }

func newServiceReportTables(f *frontend) []sql.Table {
	return []sql.Table{newServiceReportsTable(f), newServicesTable(f), newTrackedActionsTable(f)}
}

// serviceReportsTable is service_last_accessed_reports: one row per
// service last accessed job the caller may read, keyed by JobId.
type serviceReportsTable struct {
	keyedTable
	f *frontend
}

var (
	_ sql.IndexAddressableTable = (*serviceReportsTable)(nil)
	_ sql.IndexedTable          = (*serviceReportsTable)(nil)
)

func newServiceReportsTable(f *frontend) *serviceReportsTable {
	jobID := column("", "JobId", typeJobID, false)
	jobID.PrimaryKey = true
	t := &serviceReportsTable{f: f}
	t.keyedTable = newKeyedTable(t, tableServiceReports,
		jobID,
		column("", "Arn", typeARN, false),
		column("", "JobType", typeID, true),
		column("", "JobStatus", typeID, false),
		column("", "JobCreationDate", typeTime, false),
		column("", "JobCompletionDate", typeTime, true),
		column("", "ServicesLastAccessed", typeJSON, true),
		column("", "ErrorDetails", typeJSON, true),
	)
	return t
}

func (t *serviceReportsTable) scanRows(ctx *sql.Context, kr keyRanges) sql.RowIter {
	return scanJobs(ctx, kr, t.f.eng.ScanServiceLastAccessedJobs, serviceJobID, func(j *engine.ServiceLastAccessedJob, _ keyRanges, emit func(sql.Row) error) error {
		return emit(serviceReportRow(j))
	})
}

// lookupRows reads the jobs a lookup pins JobId to, else scans.
func (t *serviceReportsTable) lookupRows(ctx *sql.Context, kr keyRanges) (sql.RowIter, error) {
	jobs, ok, err := lookupJobs(ctx, kr, t.f.eng.ServiceLastAccessedJob)
	if err != nil {
		return nil, err
	}
	if !ok {
		return t.scanRows(ctx, kr), nil
	}
	rows := make([]sql.Row, len(jobs))
	for i, j := range jobs {
		rows[i] = serviceReportRow(j)
	}
	return rowsIter(rows), nil
}

// serviceReportRow is one row of service_last_accessed_reports. The whole
// ServicesLastAccessed list (with TrackedActionsLastAccessed for
// ACTION_LEVEL) is NULL until the job completes, as AccessDetails is in
// organizations_access_reports.
func serviceReportRow(j *engine.ServiceLastAccessedJob) sql.Row {
	var services any
	if j.JobStatus == engine.JobCompleted {
		list := j.ServicesLastAccessed
		if list == nil {
			list = []engine.ServiceLastAccessed{}
		}
		services = jsonValue(list)
	}
	return sql.Row{
		j.JobID,
		j.Arn,
		optionalString(j.JobType),
		j.JobStatus,
		timestampValue(j.JobCreationDate),
		timestampPtrValue(j.JobCompletionDate),
		services,
		errorDetailsValue(j.ErrorDetails),
	}
}

// jobRows are the rows one job contributes to a table below it, in key
// order, each built only when it is read.
type jobRows interface {
	len() int
	// key returns the i-th row's key: JobId, then the columns after it.
	key(i int) []any
	row(i int) sql.Row
}

// jobRowsTable is a table of rows below service last accessed jobs
// (services_last_accessed, tracked_actions_last_accessed), keyed by JobId
// and the columns that order a job's rows. Rows come from the job as the
// engine holds it, in key order, so that a lookup by JobId reads one job
// and an ORDER BY on the rest of the key needs no Sort (sort_rule.go).
type jobRowsTable struct {
	keyedTable
	f      *frontend
	expand func(j *engine.ServiceLastAccessedJob) jobRows
}

var (
	_ sql.IndexAddressableTable = (*jobRowsTable)(nil)
	_ sql.IndexedTable          = (*jobRowsTable)(nil)
)

func (t *jobRowsTable) scanRows(ctx *sql.Context, kr keyRanges) sql.RowIter {
	return scanJobs(ctx, kr, t.f.eng.ScanServiceLastAccessedJobs, serviceJobID, t.emitRows)
}

// lookupRows reads the jobs a lookup pins JobId to, else scans.
func (t *jobRowsTable) lookupRows(ctx *sql.Context, kr keyRanges) (sql.RowIter, error) {
	jobs, ok, err := lookupJobs(ctx, kr, t.f.eng.ServiceLastAccessedJob)
	if err != nil {
		return nil, err
	}
	if !ok {
		return t.scanRows(ctx, kr), nil
	}
	return &jobRowsIter{t: t, jobs: jobs, kr: kr, checkKey: t.constrainsBeyondJob(kr)}, nil
}

// constrainsBeyondJob reports whether kr restricts a key column after
// JobId (then each row's key is tested).
func (t *jobRowsTable) constrainsBeyondJob(kr keyRanges) bool {
	for c := 1; c < len(t.pk.columns); c++ {
		if kr.constrains(c) {
			return true
		}
	}
	return false
}

// emitRows emits a job's rows within kr in ascending key order.
func (t *jobRowsTable) emitRows(j *engine.ServiceLastAccessedJob, kr keyRanges, emit func(sql.Row) error) error {
	rows := t.expand(j)
	check := t.constrainsBeyondJob(kr)
	for i := 0; i < rows.len(); i++ {
		if check {
			ok, err := kr.matches(rows.key(i)...)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
		}
		if err := emit(rows.row(i)); err != nil {
			return err
		}
	}
	return nil
}

// jobRowsIter yields the rows of looked-up jobs in key order (reversed
// when the lookup is), building each row only when it is read: a LIMIT
// stops it early.
type jobRowsIter struct {
	t        *jobRowsTable
	jobs     []*engine.ServiceLastAccessedJob
	kr       keyRanges
	checkKey bool
	j, k     int     // next job, next row of it
	cur      jobRows // the rows of jobs[j], once expanded
}

func (it *jobRowsIter) Next(*sql.Context) (sql.Row, error) {
	for it.j < len(it.jobs) {
		if it.cur == nil {
			it.cur = it.t.expand(it.jobs[it.j])
		}
		n := it.cur.len()
		for it.k < n {
			i := it.k
			if it.kr.reverse {
				i = n - 1 - it.k
			}
			it.k++
			if it.checkKey {
				ok, err := it.kr.matches(it.cur.key(i)...)
				if err != nil {
					return nil, err
				}
				if !ok {
					continue
				}
			}
			return it.cur.row(i), nil
		}
		it.j, it.k, it.cur = it.j+1, 0, nil
	}
	return nil, io.EOF
}

func (it *jobRowsIter) Close(*sql.Context) error { return nil }
