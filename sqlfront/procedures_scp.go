package sqlfront

import (
	"github.com/dolthub/go-mysql-server/sql"

	"lastaccess/engine"
)

// Deciding on SCPs (SPEC §8): what-if reports and SCP recommendations.
const (
	procSCPWhatIf = "scp_what_if"
)

func scpProcedures() []*procedure {
	return []*procedure{
		{
			name:     procSCPWhatIf,
			params:   []string{"entity_path", "changes_json", "days", "organizations_policy_id", "as_of"},
			required: 2,
			admin:    true,
			schema: resultSchema(procSCPWhatIf,
				column("", "JobId", typeJobID, false),
				column("", "Impact", typeJSON, false),
			),
			run: func(ctx *sql.Context, f *frontend, a args) ([]sql.Row, error) {
				days, err := a.optionalInt(2, "days")
				if err != nil {
					return nil, err
				}
				asOf, err := a.optionalTime(4, "asOf")
				if err != nil {
					return nil, err
				}
				id, err := f.eng.GenerateSCPWhatIf(ctx, engine.SCPWhatIfInput{
					EntityPath: a.str(0), Changes: a.str(1), Days: days, OrganizationsPolicyID: a.opt(3), AsOf: asOf, Caller: caller(ctx),
				})
				if err != nil {
					return nil, err
				}
				impact, err := f.whatIfImpact(ctx, id)
				if err != nil {
					return nil, err
				}
				return []sql.Row{{id, jsonValue(impact)}}, nil
			},
		},
	}
}

// whatIfImpact waits for a what-if's job and reads its impact list.
func (f *frontend) whatIfImpact(ctx *sql.Context, id string) ([]engine.Impact, error) {
	if err := f.eng.WaitJob(ctx, id); err != nil {
		return nil, err
	}
	return f.eng.WhatIfImpact(ctx, id, caller(ctx))
}
