package sqlfront

import (
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/expression/function"
	"github.com/dolthub/go-mysql-server/sql/mysql_db"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"
	"github.com/dolthub/vitess/go/mysql"
	ast "github.com/dolthub/vitess/go/vt/sqlparser"
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

// sessionReadOnly are the variables a session may not set for itself:
// MySQL's session max_allowed_packet is read-only (it would lift the
// bound on string functions).
var sessionReadOnly = map[string]bool{varMaxAllowedPacket: true}

// serverAccess refuses statements that reach past the lastaccess database
// or past the caller's privileges, which go-mysql-server v0.20.0 lets
// through (its privilege checks leave them out):
//
//   - the server's files, for every user: LOAD_FILE(), SELECT … INTO
//     OUTFILE or DUMPFILE (LOAD DATA is refused by authorization, below)
//     would let even the read-only user read any file the server process
//     can, and write new ones, the data directory included;
//   - SET GLOBAL and SET PERSIST for a user without SUPER or
//     SYSTEM_VARIABLES_ADMIN (the read-only user, and any user the admin
//     created), which change the server for every client
//     (max_connections = 1 shuts the others out); SET SESSION of a
//     variable MySQL keeps read-only in a session;
//   - KILL of another user's connection (go-mysql-server lets only SUPER
//     kill, MySQL lets every user kill its own), and SHOW GRANTS FOR
//     another user without SELECT on mysql (go-mysql-server asks it even
//     of a user asking about itself).
func (f *frontend) serverAccess(ctx *sql.Context, _ *analyzer.Analyzer, n sql.Node, _ *plan.Scope, _ analyzer.RuleSelector, _ *sql.QueryFlags) (sql.Node, transform.TreeIdentity, error) {
	if err := f.checkServerAccess(ctx, n); err != nil {
		return nil, transform.SameTree, err
	}
	return n, transform.SameTree, nil
}

// checkServerAccess walks a plan, its expressions and their subqueries.
func (f *frontend) checkServerAccess(ctx *sql.Context, n sql.Node) error {
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
			err = errFileDenied
		case *plan.Set:
			err = f.checkSet(ctx, nd)
		case *plan.Kill:
			err = f.checkKill(ctx, nd)
		case *plan.ShowGrants:
			err = f.checkShowGrants(ctx, nd)
		}
		if ex, ok := node.(sql.Expressioner); ok && err == nil {
			for _, e := range ex.Expressions() {
				if err = f.checkExpression(ctx, e); err != nil {
					break
				}
			}
		}
		return err == nil
	})
	return err
}

func (f *frontend) checkExpression(ctx *sql.Context, e sql.Expression) error {
	var err error
	sql.Inspect(e, func(e sql.Expression) bool {
		switch ex := e.(type) {
		case *function.LoadFile:
			err = errFileDenied
		case *plan.Subquery:
			err = f.checkServerAccess(ctx, ex.Query)
		}
		return err == nil
	})
	return err
}

func (f *frontend) checkSet(ctx *sql.Context, n *plan.Set) error {
	for _, e := range n.Exprs {
		sf, ok := e.(*expression.SetField)
		if !ok {
			continue
		}
		v, ok := sf.LeftChild.(*expression.SystemVar)
		if !ok {
			continue
		}
		switch s, ok := v.Scope.(*sql.MysqlScope); {
		case !ok || s.Type != sql.SystemVariableScope_Session:
			if !f.mayAdminister(ctx) {
				return errGlobalDenied
			}
		case sessionReadOnly[strings.ToLower(v.Name)]:
			return mysql.NewSQLError(erVariableIsReadonly, mysql.SSUnknownSQLState,
				"SESSION variable '%s' is read-only. Use SET GLOBAL to assign the value", strings.ToLower(v.Name))
		}
	}
	return nil
}

func (f *frontend) checkKill(ctx *sql.Context, n *plan.Kill) error {
	for _, p := range ctx.ProcessList.Processes() {
		if p.Connection != n.ConnID {
			continue
		}
		if p.User != caller(ctx) && !f.mayAdminister(ctx) {
			return mysql.NewSQLError(mysql.ERKillDenied, mysql.SSUnknownSQLState, "You are not owner of thread %d", n.ConnID)
		}
		return nil
	}
	return mysql.NewSQLError(mysql.ERNoSuchThread, mysql.SSUnknownSQLState, "Unknown thread id: %d", n.ConnID)
}

func (f *frontend) checkShowGrants(ctx *sql.Context, n *plan.ShowGrants) error {
	if n.For == nil || n.CurrentUser || n.For.Name == caller(ctx) {
		return nil
	}
	if f.db().UserHasPrivileges(ctx, sql.NewPrivilegedOperation(sql.PrivilegeCheckSubject{Database: "mysql"}, sql.PrivilegeType_Select)) {
		return nil
	}
	return mysql.NewSQLError(mysql.ERDBAccessDenied, stateAccessOrName, "Access denied for user '%s'@'%%' to database 'mysql'", caller(ctx))
}

// mayAdminister says whether the caller holds SUPER or
// SYSTEM_VARIABLES_ADMIN: the admin, not the read-only user nor a user
// the admin created without them.
func (f *frontend) mayAdminister(ctx *sql.Context) bool {
	db := f.db()
	return db.UserHasPrivileges(ctx, sql.NewPrivilegedOperation(sql.PrivilegeCheckSubject{}, sql.PrivilegeType_Super)) ||
		db.UserHasPrivileges(ctx, sql.NewDynamicPrivilegedOperation("system_variables_admin"))
}

// authorization is go-mysql-server's authorization of statements (by the
// privileges each needs, before the plan is built), with these changes:
// LOAD DATA is refused to every user with the FILE error (go-mysql-server
// lets a super user through to fail on our read-only tables with 1105);
// KILL and SHOW GRANTS are let through to serverAccess, which checks
// whose connection or grants they name; and reading
// information_schema.ROUTINES (or SHOW PROCEDURE STATUS), which parses
// each procedure's CREATE PROCEDURE under the reader's privileges and
// silently leaves out those it may not create, no longer asks for
// CREATE ROUTINE (a CREATE PROCEDURE statement still does).
type authorization struct {
	sql.AuthorizationHandler
}

func (a authorization) HandleAuth(ctx *sql.Context, state sql.AuthorizationQueryState, auth ast.AuthInformation) error {
	switch {
	case auth.AuthType == ast.AuthType_FILE:
		return errFileDenied
	case auth.AuthType == ast.AuthType_SUPER: // KILL
		return nil
	case auth.AuthType == ast.AuthType_SELECT && auth.TargetType == ast.AuthTargetType_DatabaseIdentifiers &&
		len(auth.TargetNames) == 1 && auth.TargetNames[0] == "mysql": // SHOW GRANTS
		return nil
	case auth.AuthType == ast.AuthType_CREATE_ROUTINE && firstKeyword(ctx.Query()) != "create":
		return nil
	}
	return a.AuthorizationHandler.HandleAuth(ctx, state, auth)
}

// db is the server's grant tables.
func (f *frontend) db() *mysql_db.MySQLDb { return f.mysqlDB }
