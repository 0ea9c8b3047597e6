package sqlfront

import (
	"sort"

	"github.com/dolthub/go-mysql-server/sql"

	"lastaccess/engine"
)

// newServicesTable is services_last_accessed: one row per job and listed
// service, keyed by (JobId, ServiceNamespace). A job holds its services
// in namespace order (byte-wise, as the key column's binary collation
// compares), so its rows need no sorting.
func newServicesTable(f *frontend) *jobRowsTable {
	jobID := column("", "JobId", typeJobID, false)
	namespace := column("", "ServiceNamespace", typeID, false)
	jobID.PrimaryKey, namespace.PrimaryKey = true, true
	t := &jobRowsTable{f: f}
	t.keyedTable = newKeyedTable(t, tableServices,
		jobID,
		column("", "ServiceName", typeName, false),
		namespace,
		column("", "LastAuthenticated", typeTime, true),
		column("", "LastAuthenticatedEntity", typeARN, true),
		column("", "LastAuthenticatedRegion", typeID, true),
		column("", "TotalAuthenticatedEntities", typeCount, false),
	)
	t.expand = func(j *engine.ServiceLastAccessedJob) jobRows { return serviceRows{j} }
	return t
}

// serviceRows are a job's rows of services_last_accessed.
type serviceRows struct {
	j *engine.ServiceLastAccessedJob
}

func (r serviceRows) len() int { return len(r.j.ServicesLastAccessed) }
func (r serviceRows) key(i int) []any {
	return []any{r.j.JobID, r.j.ServicesLastAccessed[i].ServiceNamespace}
}
func (r serviceRows) row(i int) sql.Row {
	s := &r.j.ServicesLastAccessed[i]
	return sql.Row{
		r.j.JobID,
		s.ServiceName,
		s.ServiceNamespace,
		timestampPtrValue(s.LastAuthenticated),
		stringPtrValue(s.LastAuthenticatedEntity),
		stringPtrValue(s.LastAuthenticatedRegion),
		int32(s.TotalAuthenticatedEntities),
	}
}

// newTrackedActionsTable is tracked_actions_last_accessed: one row per
// job, listed service and tracked action of an ACTION_LEVEL job, keyed by
// (JobId, ServiceNamespace, ActionName).
func newTrackedActionsTable(f *frontend) *jobRowsTable {
	jobID := column("", "JobId", typeJobID, false)
	namespace := column("", "ServiceNamespace", typeID, false)
	action := column("", "ActionName", typeName, false)
	jobID.PrimaryKey, namespace.PrimaryKey, action.PrimaryKey = true, true, true
	t := &jobRowsTable{f: f}
	t.keyedTable = newKeyedTable(t, tableTrackedActions,
		jobID,
		namespace,
		action,
		column("", "LastAccessedTime", typeTime, true),
		column("", "LastAccessedEntity", typeARN, true),
		column("", "LastAccessedRegion", typeID, true),
	)
	t.expand = newTrackedRows
	return t
}

// trackedRows are a job's rows of tracked_actions_last_accessed: at lists
// (service, action) positions in key order. Services are in namespace
// order already; a service's actions come in the catalog's order, so they
// are put in ActionName order here (an index per action, the job itself
// is not copied).
type trackedRows struct {
	j  *engine.ServiceLastAccessedJob
	at [][2]int32
}

func newTrackedRows(j *engine.ServiceLastAccessedJob) jobRows {
	r := &trackedRows{j: j}
	for si := range j.ServicesLastAccessed {
		actions := j.ServicesLastAccessed[si].TrackedActionsLastAccessed
		start := len(r.at)
		for ai := range actions {
			r.at = append(r.at, [2]int32{int32(si), int32(ai)})
		}
		part := r.at[start:]
		if !sort.SliceIsSorted(part, func(a, b int) bool {
			return actions[part[a][1]].ActionName < actions[part[b][1]].ActionName
		}) {
			sort.SliceStable(part, func(a, b int) bool {
				return actions[part[a][1]].ActionName < actions[part[b][1]].ActionName
			})
		}
	}
	return r
}

func (r *trackedRows) action(i int) (*engine.ServiceLastAccessed, *engine.TrackedActionLastAccessed) {
	s := &r.j.ServicesLastAccessed[r.at[i][0]]
	return s, &s.TrackedActionsLastAccessed[r.at[i][1]]
}

func (r *trackedRows) len() int { return len(r.at) }
func (r *trackedRows) key(i int) []any {
	s, a := r.action(i)
	return []any{r.j.JobID, s.ServiceNamespace, a.ActionName}
}
func (r *trackedRows) row(i int) sql.Row {
	s, a := r.action(i)
	return sql.Row{
		r.j.JobID,
		s.ServiceNamespace,
		a.ActionName,
		timestampPtrValue(a.LastAccessedTime),
		stringPtrValue(a.LastAccessedEntity),
		stringPtrValue(a.LastAccessedRegion),
	}
}
