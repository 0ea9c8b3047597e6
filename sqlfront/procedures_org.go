package sqlfront

import (
	"github.com/dolthub/go-mysql-server/sql"

	"lastaccess/engine"
)

// Organizations access report procedures (SPEC §4.1, §5.2).
const (
	procGenerateOrgReport = "generate_organizations_access_report"
	procGetOrgReport      = "get_organizations_access_report"
)

func orgReportProcedures() []*procedure {
	return []*procedure{
		{
			name:     procGenerateOrgReport,
			params:   []string{"entity_path", "organizations_policy_id", "as_of"},
			required: 1,
			admin:    true,
			schema:   resultSchema(procGenerateOrgReport, column("", "JobId", typeJobID, false)),
			run: func(ctx *sql.Context, f *frontend, a args) ([]sql.Row, error) {
				asOf, err := a.optionalTime(2, "asOf")
				if err != nil {
					return nil, err
				}
				id, err := f.eng.GenerateOrganizationsAccessReport(ctx, engine.GenerateOrganizationsAccessReportInput{
					EntityPath:            a.str(0),
					OrganizationsPolicyID: a.opt(1),
					Caller:                caller(ctx),
					AsOf:                  asOf,
				})
				if err != nil {
					return nil, err
				}
				return []sql.Row{{id}}, nil
			},
		},
		{
			name:     procGetOrgReport,
			params:   []string{"job_id", "max_items", "marker", "sort_key"},
			required: 1,
			schema: resultSchema(procGetOrgReport,
				column("", "JobStatus", typeID, false),
				column("", "JobCreationDate", typeTime, false),
				column("", "JobCompletionDate", typeTime, true),
				column("", "NumberOfServicesAccessible", typeCount, true),
				column("", "NumberOfServicesNotAccessed", typeCount, true),
				column("", "AccessDetails", typeJSON, true),
				column("", "IsTruncated", typeBool, false),
				column("", "Marker", typeText, true),
				column("", "ErrorDetails", typeJSON, true),
			),
			run: func(ctx *sql.Context, f *frontend, a args) ([]sql.Row, error) {
				maxItems, err := a.optionalInt(1, "maxItems")
				if err != nil {
					return nil, err
				}
				out, err := f.eng.GetOrganizationsAccessReport(ctx, engine.GetOrganizationsAccessReportInput{
					JobID:    a.str(0),
					MaxItems: maxItems,
					Marker:   a.opt(2),
					SortKey:  a.opt(3),
					Caller:   caller(ctx),
				})
				if err != nil {
					return nil, err
				}
				return []sql.Row{orgReportPageRow(out)}, nil
			},
		},
	}
}

// orgReportPageRow is the one row of get_organizations_access_report.
func orgReportPageRow(r *engine.OrganizationsAccessReport) sql.Row {
	var details, failure any
	if r.JobStatus == engine.JobCompleted {
		list := r.AccessDetails
		if list == nil {
			list = []engine.AccessDetail{}
		}
		details = accessDetailsJSON(list)
	}
	if r.ErrorDetails != nil {
		failure = jsonValue(r.ErrorDetails)
	}
	return sql.Row{
		r.JobStatus,
		timestampValue(r.JobCreationDate),
		timestampPtrValue(r.JobCompletionDate),
		intPtrValue(r.NumberOfServicesAccessible),
		intPtrValue(r.NumberOfServicesNotAccessed),
		details,
		r.IsTruncated,
		optionalString(r.Marker),
		failure,
	}
}
