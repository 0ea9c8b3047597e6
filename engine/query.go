package engine

import (
	"context"
	"sort"
	"strings"
	"time"
)

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

func orgReportJob(j *job) *OrganizationsReportJob {
	out := &OrganizationsReportJob{
		JobID: j.ID, EntityPath: j.EntityPath, OrganizationsPolicyID: j.PolicyID, JobStatus: j.Status,
		JobCreationDate: j.Created, JobCompletionDate: j.Completed, AccessDetails: j.AccessDetails, ErrorDetails: j.Error,
	}
	if j.Status == JobCompleted {
		n, notAccessed := len(j.AccessDetails), 0
		for i := range j.AccessDetails {
			if j.AccessDetails[i].LastAuthenticatedTime == nil {
				notAccessed++
			}
		}
		out.NumberOfServicesAccessible, out.NumberOfServicesNotAccessed = &n, &notAccessed
	}
	return out
}

// OrganizationsReportJob returns one job (NoSuchEntity if there is none
// the caller may read). The AccessDetails slice is shared: do not modify.
func (e *Engine) OrganizationsReportJob(id, caller string) (*OrganizationsReportJob, error) {
	j, err := e.lookupJob(id, JobKindOrganizations, caller)
	if err != nil {
		return nil, err
	}
	return orgReportJob(j), nil
}

// ScanOrganizationsReportJobs calls fn for every Organizations report job
// the caller may read, in JobId order.
func (e *Engine) ScanOrganizationsReportJobs(ctx context.Context, caller string, fn func(*OrganizationsReportJob) error) error {
	return e.store.ScanJobs(func(id string, record []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		j, ok := e.jobs.peek(id) // the cached, decoded record when there is one
		if !ok {
			var err error
			if j, err = decodeJob(record); err != nil {
				return err
			}
		}
		if j.Kind != JobKindOrganizations || (e.opts.ReportOwnerOnly && j.Owner != caller) {
			return nil
		}
		return fn(orgReportJob(j))
	}, false)
}

// EventFilter selects access events. Zero fields do not filter.
type EventFilter struct {
	// EntityPathPrefix keeps accounts whose entity path starts with it
	// (SQL: EntityPath LIKE 'prefix%'); accounts outside the organization
	// have no path and never match.
	EntityPathPrefix string
	HasPathPrefix    bool
	// AccountIDs keeps these accounts (intersected with the path prefix).
	AccountIDs []string
	Namespace  string
	From, To   *time.Time // inclusive
	// KeysRead, when set, counts the keys the scan reads.
	KeysRead *int64
}

// ScanEvents calls fn for each stored event matching f, with the entity
// path of its account in the current organization ("" when the account is
// not in it). Only keys that can match are read.
func (e *Engine) ScanEvents(ctx context.Context, f EventFilter, fn func(ev *Event, entityPath string) error) error {
	org := e.Organization()
	q := EventQuery{Namespace: f.Namespace, KeysRead: f.KeysRead}
	if f.From != nil {
		q.From, q.HasFrom = f.From.UnixNano(), true
	}
	if f.To != nil {
		q.To, q.HasTo = f.To.UnixNano(), true
	}
	if f.HasPathPrefix {
		q.Accounts = []string{}
		if org != nil {
			for _, a := range org.accounts {
				if strings.HasPrefix(a.Path, f.EntityPathPrefix) {
					q.Accounts = append(q.Accounts, a.ID)
				}
			}
		}
	}
	if f.AccountIDs != nil {
		if q.Accounts == nil {
			q.Accounts = f.AccountIDs
		} else {
			keep := map[string]bool{}
			for _, a := range f.AccountIDs {
				keep[a] = true
			}
			var both []string
			for _, a := range q.Accounts {
				if keep[a] {
					both = append(both, a)
				}
			}
			q.Accounts = both
		}
		if q.Accounts == nil {
			q.Accounts = []string{}
		}
	}
	snap := e.store.Snapshot()
	defer snap.Close()
	n := 0
	return snap.ScanEvents(q, func(ev *Event) error {
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		path := ""
		if org != nil {
			path, _ = org.AccountPath(ev.AccountID)
		}
		return fn(ev, path)
	})
}

// AccountServiceAccess is one row of the Organizations rollup: an
// account's latest access to a service (service-linked roles excluded).
type AccountServiceAccess struct {
	AccountID, ServiceNamespace, Region string
	LastAuthenticatedTime               time.Time
}

// ScanAccountServiceAccess calls fn for every (account, service) pair
// with an access, sorted by account then namespace: the rollup that
// Organizations reports are computed from.
func (e *Engine) ScanAccountServiceAccess(ctx context.Context, fn func(AccountServiceAccess) error) error {
	if err := e.ensureOrgRollup(); err != nil {
		return err
	}
	e.stateMu.RLock()
	r := e.orgRollup
	var rows []AccountServiceAccess
	for ns, col := range r.services {
		for i, ai := range col.account {
			rows = append(rows, AccountServiceAccess{
				AccountID: r.accounts[ai], ServiceNamespace: ns, Region: r.regions[col.region[i]],
				LastAuthenticatedTime: time.Unix(0, col.time[i]).UTC(),
			})
		}
	}
	e.stateMu.RUnlock()
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].AccountID != rows[j].AccountID {
			return rows[i].AccountID < rows[j].AccountID
		}
		return rows[i].ServiceNamespace < rows[j].ServiceNamespace
	})
	for _, row := range rows {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return nil
}
