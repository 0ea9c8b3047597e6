package sqlfront

import (
	"github.com/dolthub/go-mysql-server/sql"

	"lastaccess/engine"
)

// listTable is a small table computed from the engine's in-memory state
// (the organization, the catalog) at each read.
type listTable struct {
	tableBase
	rows func(*engine.Engine) []sql.Row
	f    *frontend
}

var _ sql.Table = (*listTable)(nil)

func (t *listTable) PartitionRows(ctx *sql.Context, p sql.Partition) (sql.RowIter, error) {
	if _, ok := p.(partition); !ok {
		return nil, errPartition(t.name, p)
	}
	return rowsIter(t.rows(t.f.eng)), nil
}

// Organization tables: AWS Organizations field names, plus ParentId and
// EntityPath.
func newOrgTables(f *frontend) []*listTable {
	orgRows := func(fn func(org *engine.Organization) []sql.Row) func(*engine.Engine) []sql.Row {
		return func(e *engine.Engine) []sql.Row {
			org := e.Organization()
			if org == nil {
				return nil
			}
			return fn(org)
		}
	}
	return []*listTable{
		{f: f, tableBase: newTableBase("roots",
			column("", "Id", typeID, false),
			column("", "Name", typeName, false),
			column("", "EntityPath", typePath, false),
		), rows: orgRows(func(org *engine.Organization) []sql.Row {
			return []sql.Row{{org.Root.ID, org.Root.Name, org.Root.Path}}
		})},
		{f: f, tableBase: newTableBase("organizational_units",
			column("", "Id", typeID, false),
			column("", "Name", typeName, false),
			column("", "ParentId", typeID, false),
			column("", "EntityPath", typePath, false),
		), rows: orgRows(func(org *engine.Organization) []sql.Row {
			var rows []sql.Row
			for _, n := range org.OrganizationalUnits() {
				rows = append(rows, sql.Row{n.ID, n.Name, parentID(n), n.Path})
			}
			return rows
		})},
		{f: f, tableBase: newTableBase("accounts",
			column("", "Id", typeID, false),
			column("", "Name", typeName, false),
			column("", "ParentId", typeID, false),
			column("", "EntityPath", typePath, false),
			column("", "IsManagementAccount", typeBool, false),
		), rows: orgRows(func(org *engine.Organization) []sql.Row {
			var rows []sql.Row
			for _, n := range org.Accounts() {
				rows = append(rows, sql.Row{n.ID, n.Name, parentID(n), n.Path, n.ID == org.ManagementAccountID})
			}
			return rows
		})},
		{f: f, tableBase: newTableBase("policies",
			column("", "Id", typeID, false),
			column("", "Name", typeName, false),
			column("", "Type", typeID, false),
			column("", "Content", typeText, false),
		), rows: orgRows(func(org *engine.Organization) []sql.Row {
			var rows []sql.Row
			for _, p := range org.Policies() {
				rows = append(rows, sql.Row{p.ID, p.Name, "SERVICE_CONTROL_POLICY", p.Content})
			}
			return rows
		})},
		{f: f, tableBase: newTableBase("policy_targets",
			column("", "PolicyId", typeID, false),
			column("", "TargetId", typeID, false),
			column("", "Name", typeName, false),
			column("", "Type", typeID, false),
			column("", "EntityPath", typePath, false),
		), rows: orgRows(func(org *engine.Organization) []sql.Row {
			var rows []sql.Row
			for _, p := range org.Policies() {
				for _, n := range p.Targets {
					rows = append(rows, sql.Row{p.ID, n.ID, n.Name, targetType(n.Kind), n.Path})
				}
			}
			return rows
		})},
		{f: f, tableBase: newTableBase("services",
			column("", "ServiceNamespace", typeID, false),
			column("", "ServiceName", typeName, false),
		), rows: func(e *engine.Engine) []sql.Row {
			services := e.Catalog().Services()
			rows := make([]sql.Row, len(services))
			for i, s := range services {
				rows[i] = sql.Row{s.Namespace, s.Name}
			}
			return rows
		}},
	}
}

func parentID(n *engine.Node) string {
	if n.Parent == nil {
		return ""
	}
	return n.Parent.ID
}

// targetType is the Type of a policy target as ListTargetsForPolicy
// names it.
func targetType(k engine.NodeKind) string {
	switch k {
	case engine.KindRoot:
		return "ROOT"
	case engine.KindOU:
		return "ORGANIZATIONAL_UNIT"
	}
	return "ACCOUNT"
}
