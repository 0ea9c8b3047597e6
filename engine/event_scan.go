package engine

import (
	"context"
	"strings"
	"time"
)

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
