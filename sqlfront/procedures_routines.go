package sqlfront

import (
	"fmt"
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
)

// The procedures are Go functions (external stored procedures), which
// go-mysql-server leaves out of information_schema.ROUTINES and
// PARAMETERS, and so out of SHOW PROCEDURE STATUS: the database describes
// each one as a stored procedure instead, by the CREATE PROCEDURE that
// declares its parameters. CALL never reaches these descriptions: an
// external procedure of the name is found first (provider.go).

// paramTypes are the SQL types the procedures' parameters are declared
// with, by name; any other is TEXT. Every parameter arrives as text
// (procedure.go): the types say what a caller should pass.
var paramTypes = map[string]string{
	"max_items":               "INT",
	"job_id":                  "VARCHAR(36)",
	"entity_path":             "VARCHAR(427)",
	"organizations_policy_id": "VARCHAR(128)",
	"arn":                     "VARCHAR(2048)",
	"granularity":             "VARCHAR(16)",
	"service_namespace":       "VARCHAR(64)",
	"sort_key":                "VARCHAR(64)",
	"json_text":               "LONGTEXT",
}

// routineDefinition is a procedure as a stored procedure's CREATE
// statement: its parameters, whether it reads or changes data, and a
// comment naming its result columns and optional parameters. Its definer
// is the admin.
func routineDefinition(p *procedure, definer string) string {
	params := make([]string, len(p.params))
	for i, name := range p.params {
		typ, ok := paramTypes[name]
		if !ok {
			typ = "TEXT"
		}
		params[i] = fmt.Sprintf("IN %s %s", name, typ)
	}
	columns := make([]string, len(p.schema))
	for i, c := range p.schema {
		columns[i] = c.Name
	}
	access := "READS SQL DATA"
	if p.admin {
		access = "MODIFIES SQL DATA"
	}
	comment := "Returns " + strings.Join(columns, ", ") + "."
	if p.required < len(p.params) {
		comment += " Optional (NULL or left out): " + strings.Join(p.params[p.required:], ", ") + "."
	}
	return fmt.Sprintf("CREATE DEFINER = `%s`@`%%` PROCEDURE `%s`(%s) %s COMMENT '%s' BEGIN END",
		definer, p.name, strings.Join(params, ", "), access, strings.ReplaceAll(comment, "'", "''"))
}

// storedProcedures describes every procedure, created by definer when
// the server started.
func (s *procedureSet) storedProcedures(definer string, started time.Time) []sql.StoredProcedureDetails {
	names := s.names()
	out := make([]sql.StoredProcedureDetails, len(names))
	for i, name := range names {
		out[i] = sql.StoredProcedureDetails{
			Name:            name,
			CreateStatement: routineDefinition(s.byName[name].p, definer),
			CreatedAt:       started,
			ModifiedAt:      started,
			SqlMode:         "STRICT_TRANS_TABLES,ONLY_FULL_GROUP_BY,NO_ENGINE_SUBSTITUTION",
		}
	}
	return out
}
