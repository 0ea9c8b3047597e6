package sqlfront

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression"

	"lastaccess/engine"
)

const tableEvents = "access_events"

// eventsTable is access_events, the stored event log. Its filters reach
// the engine as an engine.EventFilter: the table builds its own index
// lookups from the WHERE clause (sql.IndexSearchable), because an
// EntityPath prefix (LIKE 'o-…/ou-…/%') is no MySQL range. Rows come in
// storage key order (account, namespace, time), which the table does not
// promise: ORDER BY sorts.
type eventsTable struct {
	tableBase
	f     *frontend
	index *filterIndex
}

var (
	_ sql.IndexSearchableTable = (*eventsTable)(nil)
	_ sql.IndexedTable         = (*eventsTable)(nil)
)

// Column ordinals of access_events.
const (
	evEventID = iota
	evEventTime
	evEventSource
	evEventName
	evServiceNamespace
	evAwsRegion
	evAccountID
	evEntityPath
	evPrincipalArn
	evPrincipalType
	evErrorCode
)

func newEventsTable(f *frontend) *eventsTable {
	t := &eventsTable{f: f, tableBase: newTableBase(tableEvents,
		column("", "EventId", typeID, false),
		column("", "EventTime", typeTime, false),
		column("", "EventSource", typeName, false),
		column("", "EventName", typeName, false),
		column("", "ServiceNamespace", typeID, false),
		column("", "AwsRegion", typeID, false),
		column("", "AccountId", typeID, false),
		column("", "EntityPath", typePath, true),
		column("", "PrincipalArn", typeARN, false),
		column("", "PrincipalType", typeID, false),
		column("", "ErrorCode", typeName, true),
	)}
	s := t.schema
	t.index = &filterIndex{keyIndex: newKeyIndex("filter", tableEvents, false,
		s[evAccountID], s[evServiceNamespace], s[evEventTime], s[evEntityPath])}
	return t
}

// filterIndex is the index access_events offers: AccountId,
// ServiceNamespace, EventTime and EntityPath prefixes, all mapped onto
// one engine.EventFilter. It promises no row order.
type filterIndex struct{ *keyIndex }

func (i *filterIndex) Order() sql.IndexOrder { return sql.IndexOrderNone }
func (i *filterIndex) Reversible() bool      { return false }

func (t *eventsTable) GetIndexes(*sql.Context) ([]sql.Index, error) {
	return []sql.Index{t.index}, nil
}

// PreciseMatch is false: the WHERE clause is evaluated again on the rows
// the filter reads (an EntityPath LIKE can hold more than a prefix, and
// times are compared at the column's microsecond precision).
func (t *eventsTable) PreciseMatch() bool { return false }

func (t *eventsTable) IndexedAccess(*sql.Context, sql.IndexLookup) sql.IndexedTable { return t }

// SkipIndexCosting: only LookupForExpressions decides how access_events
// is filtered.
func (t *eventsTable) SkipIndexCosting() bool { return true }

// LookupForExpressions turns the conjuncts of a WHERE clause into an
// event filter. Conjuncts it cannot use are ignored (the filter above
// the table checks every conjunct anyway).
func (t *eventsTable) LookupForExpressions(ctx *sql.Context, exprs ...sql.Expression) (sql.IndexLookup, *sql.FuncDepSet, sql.Expression, bool, error) {
	var fb filterBuilder
	for _, e := range exprs {
		fb.add(ctx, e)
	}
	if !fb.used {
		return sql.IndexLookup{}, nil, nil, false, nil
	}
	lookup := sql.IndexLookup{Index: t.index, Ranges: eventRanges{fb.filter(t.f.eng.Organization())}}
	return lookup, nil, expression.JoinAnd(exprs...), true, nil
}

func (t *eventsTable) LookupPartitions(_ *sql.Context, lookup sql.IndexLookup) (sql.PartitionIter, error) {
	return lookupPartitions(lookup), nil
}

func (t *eventsTable) PartitionRows(ctx *sql.Context, p sql.Partition) (sql.RowIter, error) {
	part, ok := p.(partition)
	if !ok {
		return nil, errPartition(t.name, p)
	}
	if part.lookup == nil {
		return t.scan(ctx, []engine.EventFilter{{}}, keyRanges{}), nil
	}
	switch r := part.lookup.Ranges.(type) {
	case eventRanges:
		return t.scan(ctx, []engine.EventFilter{r.f}, keyRanges{}), nil
	case sql.MySQLRangeCollection:
		// A lookup join probing by AccountId (and namespace, time).
		return t.scan(ctx, filtersFromRanges(r), compileRanges(r, false)), nil
	}
	return nil, fmt.Errorf("sqlfront: %s: unsupported lookup %T", t.name, part.lookup.Ranges)
}

// scan reads the events of each filter; kr, when set, keeps rows within
// its ranges of (AccountId, ServiceNamespace, EventTime, EntityPath).
func (t *eventsTable) scan(ctx *sql.Context, filters []engine.EventFilter, kr keyRanges) sql.RowIter {
	return newScanIter(ctx, func(sctx context.Context, emit func(sql.Row) error) error {
		for _, f := range filters {
			var keys int64
			f.KeysRead = &keys
			err := t.f.eng.ScanEvents(sctx, f, func(ev *engine.Event, path string) error {
				r := eventRow(ev, path)
				if kr.tests != nil {
					ok, err := kr.matches(r[evAccountID], r[evServiceNamespace], r[evEventTime], r[evEntityPath])
					if err != nil || !ok {
						return err
					}
				}
				return emit(r)
			})
			t.f.eventKeysRead.Add(keys)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func eventRow(ev *engine.Event, path string) sql.Row {
	return sql.Row{
		ev.ID,
		nanosValue(ev.Time),
		ev.EventSource,
		ev.EventName,
		ev.Namespace,
		ev.Region,
		ev.AccountID,
		optionalString(path),
		ev.PrincipalARN,
		ev.PrincipalType.String(),
		optionalString(ev.ErrorCode),
	}
}

// eventRanges is the lookup access_events builds: one engine filter. It
// is a sql.RangeCollection so that plans (EXPLAIN PLAN) show it.
type eventRanges struct{ f engine.EventFilter }

var _ sql.RangeCollection = eventRanges{}

func (r eventRanges) Len() int              { return 1 }
func (r eventRanges) ToRanges() []sql.Range { return []sql.Range{eventRange(r)} }
func (r eventRanges) DebugString() string   { return r.String() }
func (r eventRanges) String() string        { return eventRange(r).String() }

func (r eventRanges) Equals(other sql.RangeCollection) (bool, error) {
	o, ok := other.(eventRanges)
	return ok && o.String() == r.String(), nil
}

// maxShownAccounts bounds the accounts a plan prints.
const maxShownAccounts = 8

// eventRange is the single range of eventRanges.
type eventRange struct{ f engine.EventFilter }

var _ sql.Range = eventRange{}

func (r eventRange) DebugString() string { return r.String() }

func (r eventRange) Equals(other sql.Range) (bool, error) {
	o, ok := other.(eventRange)
	return ok && o.String() == r.String(), nil
}

func (r eventRange) String() string {
	var parts []string
	f := r.f
	if f.HasPathPrefix {
		parts = append(parts, fmt.Sprintf("EntityPath LIKE %q", f.EntityPathPrefix+"%"))
	}
	if f.AccountIDs != nil {
		ids := f.AccountIDs
		more := ""
		if len(ids) > maxShownAccounts {
			ids, more = ids[:maxShownAccounts], fmt.Sprintf(", … %d more", len(f.AccountIDs)-maxShownAccounts)
		}
		parts = append(parts, fmt.Sprintf("AccountId IN (%s%s)", strings.Join(ids, ", "), more))
	}
	if f.Namespace != "" {
		parts = append(parts, fmt.Sprintf("ServiceNamespace = %q", f.Namespace))
	}
	if f.From != nil {
		parts = append(parts, "EventTime >= "+f.From.Format(time.RFC3339Nano))
	}
	if f.To != nil {
		parts = append(parts, "EventTime <= "+f.To.Format(time.RFC3339Nano))
	}
	return "[" + strings.Join(parts, " AND ") + "]"
}

// filterBuilder collects what the conjuncts of a WHERE clause say about
// the event filter's fields. Conflicting conjuncts (two namespaces) leave
// a filter that matches nothing.
type filterBuilder struct {
	used bool

	hasPrefix bool
	prefix    string

	hasAccounts bool
	accounts    map[string]bool

	hasNamespace bool
	namespace    string
	none         bool // contradictory conjuncts

	from, to *time.Time

	pathLo, pathHi *string // an EntityPath range, inclusive
}

// timeSlack widens time bounds by the column's rounding to microseconds,
// so the filter reads a superset of the rows the comparison keeps.
const timeSlack = time.Microsecond

func (b *filterBuilder) add(ctx *sql.Context, e sql.Expression) {
	switch e := e.(type) {
	case *expression.Like:
		col, ok := columnName(e.LeftChild)
		if !ok || !strings.EqualFold(col, "EntityPath") || e.Escape != nil && !isDefaultEscape(ctx, e.Escape) {
			return
		}
		pattern, ok := constString(ctx, e.RightChild)
		if !ok {
			return
		}
		if prefix := likePrefix(pattern); prefix != "" {
			b.addPrefix(prefix)
		}
	case *expression.Equals:
		col, v, ok := columnAndConst(ctx, e.Left(), e.Right())
		if !ok {
			return
		}
		b.addEquals(col, v)
	case *expression.InTuple:
		col, ok := columnName(e.Left())
		if !ok || !strings.EqualFold(col, "AccountId") {
			return
		}
		tuple, ok := e.Right().(expression.Tuple)
		if !ok {
			return
		}
		set := map[string]bool{}
		for _, item := range tuple {
			s, ok := constString(ctx, item)
			if !ok {
				return
			}
			set[s] = true
		}
		b.addAccounts(set)
	case *expression.GreaterThan:
		b.addBound(ctx, e.Left(), e.Right(), true)
	case *expression.GreaterThanOrEqual:
		b.addBound(ctx, e.Left(), e.Right(), true)
	case *expression.LessThan:
		b.addBound(ctx, e.Left(), e.Right(), false)
	case *expression.LessThanOrEqual:
		b.addBound(ctx, e.Left(), e.Right(), false)
	case *expression.Between:
		b.addBound(ctx, e.Val, e.Lower, true)
		b.addBound(ctx, e.Val, e.Upper, false)
	}
}

func (b *filterBuilder) addEquals(col string, v any) {
	switch {
	case strings.EqualFold(col, "AccountId"):
		if s, ok := v.(string); ok {
			b.addAccounts(map[string]bool{s: true})
		}
	case strings.EqualFold(col, "ServiceNamespace"):
		s, ok := v.(string)
		if !ok {
			return
		}
		if b.hasNamespace && b.namespace != s {
			b.none = true
		}
		b.hasNamespace, b.namespace, b.used = true, s, true
	case strings.EqualFold(col, "EntityPath"):
		if s, ok := v.(string); ok {
			b.addPrefix(s) // the filter above keeps the exact path
		}
	case strings.EqualFold(col, "EventTime"):
		if t, ok := v.(time.Time); ok {
			b.addFrom(t)
			b.addTo(t)
		}
	}
}

func (b *filterBuilder) addPrefix(p string) {
	switch {
	case !b.hasPrefix || strings.HasPrefix(p, b.prefix):
		b.prefix = p
	case strings.HasPrefix(b.prefix, p):
		// the longer prefix already there is the tighter one
	default:
		b.none = true
	}
	b.hasPrefix, b.used = true, true
}

func (b *filterBuilder) addAccounts(set map[string]bool) {
	if b.hasAccounts {
		for a := range b.accounts {
			if !set[a] {
				delete(b.accounts, a)
			}
		}
	} else {
		b.accounts = set
	}
	b.hasAccounts, b.used = true, true
}

// addBound handles col > v, col >= v, v < col, … on EventTime and
// EntityPath (go-mysql-server rewrites EntityPath LIKE 'p%' into such a
// range); lower is true when the left side is on the greater side. Bounds
// are taken as inclusive: the filter reads a superset.
func (b *filterBuilder) addBound(ctx *sql.Context, left, right sql.Expression, lower bool) {
	col, ok := columnName(left)
	value := right
	if !ok {
		if col, ok = columnName(right); !ok {
			return
		}
		value, lower = left, !lower
	}
	switch {
	case strings.EqualFold(col, "EventTime"):
		if t, ok := constTime(ctx, value); ok {
			if lower {
				b.addFrom(t)
			} else {
				b.addTo(t)
			}
		}
	case strings.EqualFold(col, "EntityPath"):
		s, ok := constString(ctx, value)
		if !ok {
			return
		}
		if lower {
			if b.pathLo == nil || s > *b.pathLo {
				b.pathLo = &s
			}
		} else if b.pathHi == nil || s < *b.pathHi {
			b.pathHi = &s
		}
		b.used = true
	}
}

func (b *filterBuilder) addFrom(t time.Time) {
	t = t.Add(-timeSlack)
	if b.from == nil || t.After(*b.from) {
		b.from = &t
	}
	b.used = true
}

func (b *filterBuilder) addTo(t time.Time) {
	t = t.Add(timeSlack)
	if b.to == nil || t.Before(*b.to) {
		b.to = &t
	}
	b.used = true
}

// filter is the engine filter the conjuncts describe. An EntityPath
// range becomes the accounts of org whose paths lie in it.
func (b *filterBuilder) filter(org *engine.Organization) engine.EventFilter {
	if b.pathLo != nil || b.pathHi != nil {
		in := map[string]bool{}
		if org != nil {
			for _, a := range org.Accounts() {
				if (b.pathLo == nil || a.Path >= *b.pathLo) && (b.pathHi == nil || a.Path <= *b.pathHi) {
					in[a.ID] = true
				}
			}
		}
		b.addAccounts(in)
	}
	var f engine.EventFilter
	if b.none {
		// Nothing can match: an empty account list reads no key.
		f.AccountIDs = []string{}
		return f
	}
	f.EntityPathPrefix, f.HasPathPrefix = b.prefix, b.hasPrefix
	if b.hasAccounts {
		f.AccountIDs = make([]string, 0, len(b.accounts))
		for a := range b.accounts {
			f.AccountIDs = append(f.AccountIDs, a)
		}
		sort.Strings(f.AccountIDs)
	}
	f.Namespace = b.namespace
	f.From, f.To = b.from, b.to
	return f
}

// filtersFromRanges maps MySQL ranges over (AccountId, ServiceNamespace,
// EventTime, EntityPath) to one engine filter per range, using the
// columns pinned to one value; the ranges themselves then check rows.
func filtersFromRanges(rc sql.MySQLRangeCollection) []engine.EventFilter {
	out := make([]engine.EventFilter, 0, len(rc))
	for _, r := range rc {
		var f engine.EventFilter
		if len(r) > 0 {
			if a, ok := pointOf(r[0]); ok {
				f.AccountIDs = []string{a}
			}
		}
		if len(r) > 1 {
			if ns, ok := pointOf(r[1]); ok {
				f.Namespace = ns
			}
		}
		out = append(out, f)
	}
	return out
}

// likePrefix returns the literal text a LIKE pattern starts with, up to
// its first wildcard, with escapes (\) resolved.
func likePrefix(pattern string) string {
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '%', '_':
			return b.String()
		case '\\':
			if i+1 < len(pattern) {
				i++
				b.WriteByte(pattern[i])
				continue
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isDefaultEscape(ctx *sql.Context, e sql.Expression) bool {
	s, ok := constString(ctx, e)
	return ok && s == `\`
}

// columnName returns the column a GetField reads.
func columnName(e sql.Expression) (string, bool) {
	gf, ok := e.(*expression.GetField)
	if !ok {
		return "", false
	}
	return gf.Name(), true
}

// columnAndConst matches "column = constant" either way round.
func columnAndConst(ctx *sql.Context, l, r sql.Expression) (string, any, bool) {
	if col, ok := columnName(l); ok {
		if v, ok := constValue(ctx, r); ok {
			return col, normalizeConst(ctx, col, v), true
		}
	}
	if col, ok := columnName(r); ok {
		if v, ok := constValue(ctx, l); ok {
			return col, normalizeConst(ctx, col, v), true
		}
	}
	return "", nil, false
}

func normalizeConst(ctx *sql.Context, col string, v any) any {
	if strings.EqualFold(col, "EventTime") {
		if t, ok := toTime(ctx, v); ok {
			return t
		}
		return nil
	}
	if s, ok := keyString(v); ok {
		return s
	}
	return nil
}

// constValue evaluates an expression that does not depend on the row:
// a literal or a user variable (possibly converted).
func constValue(ctx *sql.Context, e sql.Expression) (any, bool) {
	switch e := e.(type) {
	case *expression.Literal, *expression.UserVar:
		v, err := e.Eval(ctx, nil)
		return v, err == nil && v != nil
	case *expression.Convert:
		if _, ok := constValue(ctx, e.Child); !ok {
			return nil, false
		}
		v, err := e.Eval(ctx, nil)
		return v, err == nil && v != nil
	}
	return nil, false
}

func constString(ctx *sql.Context, e sql.Expression) (string, bool) {
	v, ok := constValue(ctx, e)
	if !ok {
		return "", false
	}
	return keyString(v)
}

func constTime(ctx *sql.Context, e sql.Expression) (time.Time, bool) {
	v, ok := constValue(ctx, e)
	if !ok {
		return time.Time{}, false
	}
	return toTime(ctx, v)
}

// toTime reads a constant as the DATETIME the column compares it as.
func toTime(ctx *sql.Context, v any) (time.Time, bool) {
	c, _, err := typeTime.Convert(ctx, v)
	if err != nil {
		return time.Time{}, false
	}
	t, ok := c.(time.Time)
	return t.UTC(), ok
}
