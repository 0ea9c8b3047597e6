package sqlfront

import (
	"context"
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
	tableBase
	f  *frontend
	pk *keyIndex
}

var (
	_ sql.IndexAddressableTable = (*orgReportsTable)(nil)
	_ sql.IndexedTable          = (*orgReportsTable)(nil)
)

func newOrgReportsTable(f *frontend) *orgReportsTable {
	jobID := column("", "JobId", typeJobID, false)
	jobID.PrimaryKey = true
	t := &orgReportsTable{f: f, tableBase: newTableBase(tableOrgReports,
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
	)}
	t.pk = newKeyIndex("PRIMARY", tableOrgReports, true, jobID)
	return t
}

func (t *orgReportsTable) GetIndexes(*sql.Context) ([]sql.Index, error) {
	return []sql.Index{t.pk}, nil
}
func (t *orgReportsTable) PreciseMatch() bool { return true }
func (t *orgReportsTable) IndexedAccess(*sql.Context, sql.IndexLookup) sql.IndexedTable {
	return t
}

func (t *orgReportsTable) LookupPartitions(_ *sql.Context, lookup sql.IndexLookup) (sql.PartitionIter, error) {
	return lookupPartitions(lookup), nil
}

func (t *orgReportsTable) PartitionRows(ctx *sql.Context, p sql.Partition) (sql.RowIter, error) {
	part, ok := p.(partition)
	if !ok {
		return nil, errPartition(t.name, p)
	}
	if part.lookup == nil {
		return t.scan(ctx, keyRanges{}), nil
	}
	kr, err := rangesOf(*part.lookup)
	if err != nil {
		return nil, err
	}
	ids, ok := kr.points()
	if !ok {
		return t.scan(ctx, kr), nil
	}
	rows := make([]sql.Row, 0, len(ids))
	for _, id := range ids {
		j, err := t.f.eng.OrganizationsReportJob(id, caller(ctx))
		if engine.ErrorCode(err) == engine.CodeNoSuchEntity {
			continue
		}
		if err != nil {
			return nil, sqlError(err)
		}
		r, err := orgReportRow(j)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	return rowsIter(rows), nil
}

// scan reads every job in JobId order, keeping those within kr (all when
// kr has no ranges).
func (t *orgReportsTable) scan(ctx *sql.Context, kr keyRanges) sql.RowIter {
	user := caller(ctx)
	return collectIfReverse(ctx, kr.reverse, func(sctx context.Context, emit func(sql.Row) error) error {
		return t.f.eng.ScanOrganizationsReportJobs(sctx, user, func(j *engine.OrganizationsReportJob) error {
			if kr.tests != nil {
				if ok, err := kr.matches(j.JobID); err != nil || !ok {
					return err
				}
			}
			r, err := orgReportRow(j)
			if err != nil {
				return err
			}
			return emit(r)
		})
	})
}

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
	tableBase
	f  *frontend
	pk *keyIndex
}

var (
	_ sql.IndexAddressableTable = (*orgDetailsTable)(nil)
	_ sql.IndexedTable          = (*orgDetailsTable)(nil)
)

func newOrgDetailsTable(f *frontend) *orgDetailsTable {
	jobID := column("", "JobId", typeJobID, false)
	namespace := column("", "ServiceNamespace", typeID, false)
	jobID.PrimaryKey, namespace.PrimaryKey = true, true
	t := &orgDetailsTable{f: f, tableBase: newTableBase(tableOrgDetails,
		jobID,
		column("", "ServiceName", typeName, false),
		namespace,
		column("", "Region", typeID, true),
		column("", "EntityPath", typePath, true),
		column("", "LastAuthenticatedTime", typeTime, true),
		column("", "TotalAuthenticatedEntities", typeCount, false),
	)}
	t.pk = newKeyIndex("PRIMARY", tableOrgDetails, true, jobID, namespace)
	return t
}

func (t *orgDetailsTable) GetIndexes(*sql.Context) ([]sql.Index, error) {
	return []sql.Index{t.pk}, nil
}
func (t *orgDetailsTable) PreciseMatch() bool { return true }
func (t *orgDetailsTable) IndexedAccess(*sql.Context, sql.IndexLookup) sql.IndexedTable {
	return t
}

func (t *orgDetailsTable) LookupPartitions(_ *sql.Context, lookup sql.IndexLookup) (sql.PartitionIter, error) {
	return lookupPartitions(lookup), nil
}

func (t *orgDetailsTable) PartitionRows(ctx *sql.Context, p sql.Partition) (sql.RowIter, error) {
	part, ok := p.(partition)
	if !ok {
		return nil, errPartition(t.name, p)
	}
	if part.lookup == nil {
		return t.scan(ctx, keyRanges{}), nil
	}
	kr, err := rangesOf(*part.lookup)
	if err != nil {
		return nil, err
	}
	ids, ok := kr.points()
	if !ok {
		return t.scan(ctx, kr), nil
	}
	it := &detailsIter{kr: kr, checkNamespace: kr.constrains(1)}
	for _, id := range ids {
		j, err := t.f.eng.OrganizationsReportJob(id, caller(ctx))
		if engine.ErrorCode(err) == engine.CodeNoSuchEntity {
			continue
		}
		if err != nil {
			return nil, sqlError(err)
		}
		it.jobs = append(it.jobs, j)
	}
	return it, nil
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

func (t *orgDetailsTable) scan(ctx *sql.Context, kr keyRanges) sql.RowIter {
	user := caller(ctx)
	return collectIfReverse(ctx, kr.reverse, func(sctx context.Context, emit func(sql.Row) error) error {
		return t.f.eng.ScanOrganizationsReportJobs(sctx, user, func(j *engine.OrganizationsReportJob) error {
			if kr.tests != nil {
				if ok, err := kr.matches(j.JobID); err != nil || !ok {
					return err
				}
			}
			forward := kr
			forward.reverse = false // collectIfReverse reverses all rows
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

// collectIfReverse runs a scan that emits rows in ascending key order: as
// a streaming iterator, or, for a reversed lookup, collected and returned
// backwards.
func collectIfReverse(ctx *sql.Context, reverse bool, scan func(context.Context, func(sql.Row) error) error) sql.RowIter {
	if !reverse {
		return newScanIter(ctx, scan)
	}
	var rows []sql.Row
	err := scan(ctx, func(r sql.Row) error { rows = append(rows, r); return nil })
	if err != nil {
		return errIter{sqlError(err)}
	}
	return rowsIter(reverseRows(rows))
}

// errIter is a RowIter that fails at once.
type errIter struct{ err error }

func (e errIter) Next(*sql.Context) (sql.Row, error) { return nil, e.err }
func (e errIter) Close(*sql.Context) error           { return nil }
