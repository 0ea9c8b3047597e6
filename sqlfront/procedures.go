package sqlfront

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
)

// procedure is one SQL procedure of SPEC §5.2. Its trailing optional
// parameters may be NULL or left out: the procedure is registered once per
// accepted parameter count (go-mysql-server overloads external procedures
// by count).
//
// Every parameter reaches the body as bytes: go-mysql-server hands a SQL
// NULL to a Go procedure as the zero value of its parameter type, and a
// []byte is the one type whose zero value (nil) differs from every value
// a client can send (” arrives as an empty, non-nil slice). So NULL and
// a left-out parameter mean "not given", while ” is a value the engine
// validates like any other (SPEC §4.3), and max_items 0 stays 0; args
// parses numbers itself.
type procedure struct {
	name     string
	params   []string // SQL parameter names, as the API names its members
	required int      // how many leading parameters must be given
	// admin marks a procedure that changes stored data (Generate, ingest,
	// import): the read-only user may not call it.
	admin  bool
	schema sql.Schema
	run    func(ctx *sql.Context, f *frontend, a args) ([]sql.Row, error)
}

// args are a call's parameters, nil where NULL or left out.
type args []*string

// str is a required parameter's value, "" when not given (the engine
// reports an empty required member as null).
func (a args) str(i int) string {
	if p := a.opt(i); p != nil {
		return *p
	}
	return ""
}

// opt is an optional parameter: nil when NULL or left out.
func (a args) opt(i int) *string {
	if i < len(a) {
		return a[i]
	}
	return nil
}

// optionalInt reads an integer parameter; nil when not given. A value
// that is no integer (” included) is a ValidationError naming the API
// member.
func (a args) optionalInt(i int, member string) (*int, error) {
	p := a.opt(i)
	if p == nil {
		return nil, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(*p))
	if err != nil {
		return nil, validationError(*p, member, "Member must be an integer")
	}
	return &n, nil
}

// param converts one procedure argument: nil (NULL) stays nil.
func param(b []byte) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}

// procedureSet holds the registered procedures.
type procedureSet struct {
	byName map[string]*registered
}

type registered struct {
	p         *procedure
	overloads map[int]sql.ExternalStoredProcedureDetails
}

func newProcedureSet(f *frontend, procs ...*procedure) *procedureSet {
	s := &procedureSet{byName: make(map[string]*registered)}
	for _, p := range procs {
		r := &registered{p: p, overloads: make(map[int]sql.ExternalStoredProcedureDetails)}
		for n := p.required; n <= len(p.params); n++ {
			r.overloads[n] = sql.ExternalStoredProcedureDetails{
				Name:      p.name,
				Schema:    p.schema,
				Function:  procedureFunc(n, f.body(p)),
				ReadOnly:  !p.admin,
				AdminOnly: p.admin,
			}
		}
		s.byName[p.name] = r
	}
	return s
}

// lookup finds the overload of name taking n parameters. An unknown name
// or count is the MySQL error for it, which the CALL then returns.
func (s *procedureSet) lookup(name string, n int) (*sql.ExternalStoredProcedureDetails, error) {
	r, ok := s.byName[strings.ToLower(name)]
	if !ok {
		return nil, errUnknownProcedure(name)
	}
	if n < 0 { // "any" (GRANT … ON PROCEDURE)
		n = len(r.p.params)
	}
	d, ok := r.overloads[n]
	if !ok {
		return nil, errWrongArgCount(r.p.name, r.p.required, len(r.p.params), n)
	}
	return &d, nil
}

func (s *procedureSet) all(name string) []sql.ExternalStoredProcedureDetails {
	r, ok := s.byName[strings.ToLower(name)]
	if !ok {
		return nil
	}
	counts := make([]int, 0, len(r.overloads))
	for n := range r.overloads {
		counts = append(counts, n)
	}
	sort.Ints(counts)
	out := make([]sql.ExternalStoredProcedureDetails, len(counts))
	for i, n := range counts {
		out[i] = r.overloads[n]
	}
	return out
}

// names lists the procedures, sorted.
func (s *procedureSet) names() []string {
	out := make([]string, 0, len(s.byName))
	for n := range s.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// body wraps a procedure's run function: the read-only check (the grants
// already refuse the call; this keeps the rule where the data changes),
// and the mapping of its errors.
func (f *frontend) body(p *procedure) func(*sql.Context, args) (sql.RowIter, error) {
	return func(ctx *sql.Context, a args) (sql.RowIter, error) {
		if p.admin && f.isReadOnly(caller(ctx)) {
			return nil, errProcedureDenied(caller(ctx), p.name)
		}
		rows, err := p.run(ctx, f, a)
		if err != nil {
			return nil, sqlError(err)
		}
		return rowsIter(rows), nil
	}
}

// procedureFunc is the Go function go-mysql-server calls for an overload
// with n parameters.
func procedureFunc(n int, body func(*sql.Context, args) (sql.RowIter, error)) any {
	switch n {
	case 0:
		return func(ctx *sql.Context) (sql.RowIter, error) { return body(ctx, nil) }
	case 1:
		return func(ctx *sql.Context, a0 []byte) (sql.RowIter, error) { return body(ctx, args{param(a0)}) }
	case 2:
		return func(ctx *sql.Context, a0, a1 []byte) (sql.RowIter, error) {
			return body(ctx, args{param(a0), param(a1)})
		}
	case 3:
		return func(ctx *sql.Context, a0, a1, a2 []byte) (sql.RowIter, error) {
			return body(ctx, args{param(a0), param(a1), param(a2)})
		}
	case 4:
		return func(ctx *sql.Context, a0, a1, a2, a3 []byte) (sql.RowIter, error) {
			return body(ctx, args{param(a0), param(a1), param(a2), param(a3)})
		}
	case 5:
		return func(ctx *sql.Context, a0, a1, a2, a3, a4 []byte) (sql.RowIter, error) {
			return body(ctx, args{param(a0), param(a1), param(a2), param(a3), param(a4)})
		}
	}
	panic(fmt.Sprintf("sqlfront: procedures take at most 5 parameters, not %d", n))
}

// resultSchema declares a procedure's result columns.
func resultSchema(proc string, columns ...*sql.Column) sql.Schema {
	for _, c := range columns {
		c.Source = proc
	}
	return sql.Schema(columns)
}
