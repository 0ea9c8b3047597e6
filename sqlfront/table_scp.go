package sqlfront

import (
	"context"

	"github.com/dolthub/go-mysql-server/sql"

	"lastaccess/engine"
)

// scanTable is a table read by one engine scan per query.
type scanTable struct {
	tableBase
	f    *frontend
	scan func(ctx context.Context, f *frontend, caller string, emit func(sql.Row) error) error
}

var _ sql.Table = (*scanTable)(nil)

func (t *scanTable) PartitionRows(ctx *sql.Context, p sql.Partition) (sql.RowIter, error) {
	if _, ok := p.(partition); !ok {
		return nil, errPartition(t.name, p)
	}
	who := caller(ctx)
	return newScanIter(ctx, func(sctx context.Context, emit func(sql.Row) error) error {
		return t.scan(sctx, t.f, who, emit)
	}), nil
}

// newSCPTables are the tables of SPEC §8's SCP decisions.
func newSCPTables(f *frontend) []sql.Table {
	return []sql.Table{
		// scp_what_if_impacts: one row per completed what-if job, denied
		// service or action, and principal that used it in the window.
		&scanTable{f: f, tableBase: newTableBase("scp_what_if_impacts",
			column("", "JobId", typeJobID, false),
			column("", "ServiceNamespace", typeID, false),
			column("", "Action", typeName, true),
			column("", "AccountId", typeID, false),
			column("", "EntityPath", typePath, false),
			column("", "PrincipalArn", typeARN, false),
			column("", "LastAccessedTime", typeTime, false),
			column("", "Region", typeID, false),
		), scan: func(ctx context.Context, f *frontend, who string, emit func(sql.Row) error) error {
			return f.eng.ScanWhatIfImpacts(ctx, who, nil, func(r engine.WhatIfImpactRow) error {
				return emit(sql.Row{r.JobID, r.ServiceNamespace, optionalString(r.Action), r.AccountID, r.EntityPath, r.PrincipalArn, timestampValue(r.LastAccessedTime), r.Region})
			})
		}},
	}
}
