package sqlfront

import (
	"context"
	"slices"

	"github.com/dolthub/go-mysql-server/sql"

	"lastaccess/engine"
)

// The tables of report jobs (organizations_access_reports and _details,
// service_last_accessed_reports and the tables below it) read jobs the
// same two ways, whatever their kind: the jobs a lookup pins JobId to, or
// a scan of every job in JobId order.

// lookupJobs reads the jobs a lookup pins JobId to (col = x, col IN (…)),
// in key order (reversed when the lookup is); jobs the caller may not
// read, or that do not exist, are left out. ok is false when the lookup
// leaves JobId open: the caller scans instead.
func lookupJobs[J any](ctx *sql.Context, kr keyRanges, get func(id, caller string) (J, error)) ([]J, bool, error) {
	ids, ok := kr.points()
	if !ok {
		return nil, false, nil
	}
	slices.Sort(ids)
	if kr.reverse {
		slices.Reverse(ids)
	}
	jobs := make([]J, 0, len(ids))
	for _, id := range ids {
		j, err := get(id, caller(ctx))
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

// scanJobs reads every job in JobId order through scan, keeping those
// within kr (all when kr has no ranges), and has rows emit each job's
// rows in ascending key order; a reversed lookup gets them backwards.
func scanJobs[J any](ctx *sql.Context, kr keyRanges, scan func(context.Context, string, func(J) error) error, jobID func(J) string,
	rows func(j J, forward keyRanges, emit func(sql.Row) error) error) sql.RowIter {
	user := caller(ctx)
	forward := kr
	forward.reverse = false // collectIfReverse reverses all rows
	return collectIfReverse(ctx, kr.reverse, func(sctx context.Context, emit func(sql.Row) error) error {
		return scan(sctx, user, func(j J) error {
			if kr.tests != nil {
				if ok, err := kr.matches(jobID(j)); err != nil || !ok {
					return err
				}
			}
			return rows(j, forward, emit)
		})
	})
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
