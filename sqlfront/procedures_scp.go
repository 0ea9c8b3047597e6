package sqlfront

import (
	"github.com/dolthub/go-mysql-server/sql"

	"lastaccess/engine"
)

// Deciding on SCPs (SPEC §8): what-if reports and SCP recommendations.
const (
	procSCPWhatIf    = "scp_what_if"
	procRecommendSCP = "recommend_scp"
	procDiffReports  = "diff_reports"
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
		{
			name:     procRecommendSCP,
			params:   []string{"entity_path", "days", "keep_csv", "as_of"},
			required: 1,
			admin:    true, // its what-if is a report job
			schema: resultSchema(procRecommendSCP,
				column("", "Policy", typeJSON, true),
				column("", "DeniedServices", typeJSON, false),
				column("", "LeftOut", typeJSON, false),
				column("", "WhatIfJobId", typeJobID, true),
				column("", "Impact", typeJSON, false),
			),
			run: func(ctx *sql.Context, f *frontend, a args) ([]sql.Row, error) {
				days, err := a.optionalInt(1, "days")
				if err != nil {
					return nil, err
				}
				asOf, err := a.optionalTime(3, "asOf")
				if err != nil {
					return nil, err
				}
				var keep []string
				if p := a.opt(2); p != nil {
					keep = splitNamespaces(*p)
				}
				rec, err := f.eng.RecommendSCP(ctx, engine.RecommendSCPInput{EntityPath: a.str(0), Days: days, Keep: keep, AsOf: asOf, Caller: caller(ctx)})
				if err != nil {
					return nil, err
				}
				var policy, jobID any
				if rec.Policy != nil {
					policy = jsonValue(rec.Policy)
				}
				if rec.WhatIfJobID != nil {
					jobID = *rec.WhatIfJobID
				}
				return []sql.Row{{policy, jsonValue(rec.DeniedServices), jsonValue(rec.LeftOut), jobID, jsonValue(rec.Impact)}}, nil
			},
		},
		{
			name:     procDiffReports,
			params:   []string{"job_id_a", "job_id_b"},
			required: 2,
			schema: resultSchema(procDiffReports,
				column("", "ServiceNamespace", typeID, false),
				column("", "ServiceName", typeName, false),
				column("", "ActionName", typeName, true),
				column("", "Change", typeID, false),
				column("", "LastAccessedTimeA", typeTime, true),
				column("", "LastAccessedTimeB", typeTime, true),
				column("", "EntityA", typeARN, true),
				column("", "EntityB", typeARN, true),
				column("", "RegionA", typeID, true),
				column("", "RegionB", typeID, true),
			),
			run: func(ctx *sql.Context, f *frontend, a args) ([]sql.Row, error) {
				diff, err := f.eng.DiffReports(ctx, a.str(0), a.str(1), caller(ctx))
				if err != nil {
					return nil, err
				}
				rows := make([]sql.Row, 0, len(diff.Differences))
				for _, d := range diff.Differences {
					rows = append(rows, sql.Row{d.ServiceNamespace, d.ServiceName, optionalString(d.ActionName), d.Change,
						timestampPtrValue(d.LastAccessedTimeA), timestampPtrValue(d.LastAccessedTimeB),
						stringPtrValue(d.EntityA), stringPtrValue(d.EntityB), stringPtrValue(d.RegionA), stringPtrValue(d.RegionB)})
				}
				return rows, nil
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
