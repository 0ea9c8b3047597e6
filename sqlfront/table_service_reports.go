package sqlfront

import (
	"context"
	"io"
	"slices"

	"github.com/dolthub/go-mysql-server/sql"

	"lastaccess/engine"
)

// Table names of SPEC §5.2 for the IAM entity reports (§4.2).
const (
	tableServiceReports = "service_last_accessed_reports"
	tableServices       = "services_last_accessed"
	tableTrackedActions = "tracked_actions_last_accessed"
)

func newServiceReportTables(f *frontend) []sql.Table {
	return []sql.Table{newServiceReportsTable(f), newServicesTable(f), newTrackedActionsTable(f)}
}

// serviceReportsTable is service_last_accessed_reports: one row per
// service last accessed job the caller may read, keyed by JobId.
type serviceReportsTable struct {
	tableBase
	f  *frontend
	pk *keyIndex
}

var (
	_ sql.IndexAddressableTable = (*serviceReportsTable)(nil)
	_ sql.IndexedTable          = (*serviceReportsTable)(nil)
)

func newServiceReportsTable(f *frontend) *serviceReportsTable {
	jobID := column("", "JobId", typeJobID, false)
	jobID.PrimaryKey = true
	t := &serviceReportsTable{f: f, tableBase: newTableBase(tableServiceReports,
		jobID,
		column("", "Arn", typeARN, false),
		column("", "JobType", typeID, true),
		column("", "JobStatus", typeID, false),
		column("", "JobCreationDate", typeTime, false),
		column("", "JobCompletionDate", typeTime, true),
		column("", "ServicesLastAccessed", typeJSON, true),
		column("", "ErrorDetails", typeJSON, true),
	)}
	t.pk = newKeyIndex("PRIMARY", tableServiceReports, true, jobID)
	return t
}

func (t *serviceReportsTable) GetIndexes(*sql.Context) ([]sql.Index, error) {
	return []sql.Index{t.pk}, nil
}
func (t *serviceReportsTable) PreciseMatch() bool { return true }
func (t *serviceReportsTable) IndexedAccess(*sql.Context, sql.IndexLookup) sql.IndexedTable {
	return t
}

func (t *serviceReportsTable) LookupPartitions(_ *sql.Context, lookup sql.IndexLookup) (sql.PartitionIter, error) {
	return lookupPartitions(lookup), nil
}

func (t *serviceReportsTable) PartitionRows(ctx *sql.Context, p sql.Partition) (sql.RowIter, error) {
	part, ok := p.(partition)
	if !ok {
		return nil, errPartition(t.name, p)
	}
	if part.lookup == nil {
		return scanServiceJobs(ctx, t.f, keyRanges{}, func(j *engine.ServiceLastAccessedJob, _ keyRanges, emit func(sql.Row) error) error {
			return emit(serviceReportRow(j))
		}), nil
	}
	kr, err := rangesOf(*part.lookup)
	if err != nil {
		return nil, err
	}
	jobs, ok, err := lookupServiceJobs(ctx, t.f, kr)
	if err != nil {
		return nil, err
	}
	if !ok {
		return scanServiceJobs(ctx, t.f, kr, func(j *engine.ServiceLastAccessedJob, _ keyRanges, emit func(sql.Row) error) error {
			return emit(serviceReportRow(j))
		}), nil
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

// lookupServiceJobs reads the jobs a lookup pins JobId to (col = x, col IN
// (…)), in key order (reversed when the lookup is); jobs the caller may
// not read, or that do not exist, are left out. ok is false when the
// lookup leaves JobId open: the caller scans instead.
func lookupServiceJobs(ctx *sql.Context, f *frontend, kr keyRanges) ([]*engine.ServiceLastAccessedJob, bool, error) {
	ids, ok := kr.points()
	if !ok {
		return nil, false, nil
	}
	slices.Sort(ids)
	if kr.reverse {
		slices.Reverse(ids)
	}
	jobs := make([]*engine.ServiceLastAccessedJob, 0, len(ids))
	for _, id := range ids {
		j, err := f.eng.ServiceLastAccessedJob(id, caller(ctx))
		if engine.ErrorCode(err) == engine.CodeNoSuchEntity {
			continue
		}
		if err != nil {
			return nil, true, sqlError(err)
		}
		jobs = append(jobs, j)
	}
	return jobs, true, nil
}

// scanServiceJobs reads every service last accessed job in JobId order,
// keeping those within kr (all when kr has no ranges), and has each emit
// its rows in ascending key order; a reversed lookup gets them backwards.
func scanServiceJobs(ctx *sql.Context, f *frontend, kr keyRanges,
	rows func(j *engine.ServiceLastAccessedJob, forward keyRanges, emit func(sql.Row) error) error) sql.RowIter {
	user := caller(ctx)
	forward := kr
	forward.reverse = false // collectIfReverse reverses all rows
	return collectIfReverse(ctx, kr.reverse, func(sctx context.Context, emit func(sql.Row) error) error {
		return f.eng.ScanServiceLastAccessedJobs(sctx, user, func(j *engine.ServiceLastAccessedJob) error {
			if kr.tests != nil {
				if ok, err := kr.matches(j.JobID); err != nil || !ok {
					return err
				}
			}
			return rows(j, forward, emit)
		})
	})
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
	tableBase
	f      *frontend
	pk     *keyIndex
	expand func(j *engine.ServiceLastAccessedJob) jobRows
}

var (
	_ sql.IndexAddressableTable = (*jobRowsTable)(nil)
	_ sql.IndexedTable          = (*jobRowsTable)(nil)
)

func (t *jobRowsTable) GetIndexes(*sql.Context) ([]sql.Index, error) {
	return []sql.Index{t.pk}, nil
}
func (t *jobRowsTable) PreciseMatch() bool { return true }
func (t *jobRowsTable) IndexedAccess(*sql.Context, sql.IndexLookup) sql.IndexedTable {
	return t
}

func (t *jobRowsTable) LookupPartitions(_ *sql.Context, lookup sql.IndexLookup) (sql.PartitionIter, error) {
	return lookupPartitions(lookup), nil
}

func (t *jobRowsTable) PartitionRows(ctx *sql.Context, p sql.Partition) (sql.RowIter, error) {
	part, ok := p.(partition)
	if !ok {
		return nil, errPartition(t.name, p)
	}
	if part.lookup == nil {
		return scanServiceJobs(ctx, t.f, keyRanges{}, t.emitRows), nil
	}
	kr, err := rangesOf(*part.lookup)
	if err != nil {
		return nil, err
	}
	jobs, ok, err := lookupServiceJobs(ctx, t.f, kr)
	if err != nil {
		return nil, err
	}
	if !ok {
		return scanServiceJobs(ctx, t.f, kr, t.emitRows), nil
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
