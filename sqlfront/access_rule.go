package sqlfront

import (
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/expression/function"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"
	"github.com/dolthub/vitess/go/mysql"
)

// serverAccessRuleID names the rule in analyzer traces.
const serverAccessRuleID analyzer.RuleId = orderFromKeyRuleID + 1

var (
	// errFileDenied is MySQL's refusal for a user without the FILE
	// privilege, which no lastaccess account holds.
	errFileDenied = mysql.NewSQLError(mysql.ERSpecifiedAccessDenied, stateAccessOrName,
		"%s", "Access denied; you need (at least one of) the FILE privilege(s) for this operation")
	// errGlobalDenied is MySQL's refusal of SET GLOBAL or SET PERSIST to
	// a user without SYSTEM_VARIABLES_ADMIN.
	errGlobalDenied = mysql.NewSQLError(mysql.ERSpecifiedAccessDenied, stateAccessOrName,
		"%s", "Access denied; you need (at least one of) the SUPER or SYSTEM_VARIABLES_ADMIN privilege(s) for this operation")
)

// serverAccess refuses statements that reach past the lastaccess database,
// which go-mysql-server v0.20.0 runs for any user (its privilege checks
// leave them out):
//
//   - the server's files, for every user: LOAD_FILE(), SELECT … INTO
//     OUTFILE or DUMPFILE and LOAD DATA INFILE (not LOCAL) would let even
//     the read-only user read any file the server process can, and write
//     new ones, the data directory included;
//   - for a read-only user, SET GLOBAL and SET PERSIST, which change the
//     server for every client (max_connections = 1 shuts the others out).
func (f *frontend) serverAccess(ctx *sql.Context, _ *analyzer.Analyzer, n sql.Node, _ *plan.Scope, _ analyzer.RuleSelector, _ *sql.QueryFlags) (sql.Node, transform.TreeIdentity, error) {
	readOnly := f.isReadOnly(caller(ctx))
	if err := checkServerAccess(n, readOnly); err != nil {
		return nil, transform.SameTree, err
	}
	return n, transform.SameTree, nil
}

// checkServerAccess walks a plan, its expressions and their subqueries.
func checkServerAccess(n sql.Node, readOnly bool) error {
	var err error
	transform.Inspect(n, func(node sql.Node) bool {
		if err != nil {
			return false
		}
		switch nd := node.(type) {
		case *plan.Into:
			if nd.Outfile != "" || nd.Dumpfile != "" {
				err = errFileDenied
			}
		case *plan.LoadData:
			if !nd.Local {
				err = errFileDenied
			}
		case *plan.Set:
			if readOnly {
				for _, e := range nd.Exprs {
					if sf, ok := e.(*expression.SetField); ok && setsGlobal(sf.LeftChild) {
						err = errGlobalDenied
					}
				}
			}
		}
		if ex, ok := node.(sql.Expressioner); ok && err == nil {
			for _, e := range ex.Expressions() {
				if err = checkExpression(e, readOnly); err != nil {
					break
				}
			}
		}
		return err == nil
	})
	return err
}

func checkExpression(e sql.Expression, readOnly bool) error {
	var err error
	sql.Inspect(e, func(e sql.Expression) bool {
		switch ex := e.(type) {
		case *function.LoadFile:
			err = errFileDenied
		case *plan.Subquery:
			err = checkServerAccess(ex.Query, readOnly)
		}
		return err == nil
	})
	return err
}

// setsGlobal says whether the left side of a SET names a system variable
// beyond the session: GLOBAL, PERSIST, PERSIST_ONLY.
func setsGlobal(e sql.Expression) bool {
	v, ok := e.(*expression.SystemVar)
	if !ok {
		return false
	}
	s, ok := v.Scope.(*sql.MysqlScope)
	return !ok || s.Type != sql.SystemVariableScope_Session
}
