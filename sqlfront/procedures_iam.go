package sqlfront

import (
	"strings"

	"github.com/dolthub/go-mysql-server/sql"

	"lastaccess/engine"
)

// IAM entity report procedures (SPEC §4.2, §5.2) and the import of
// authorization details.
const (
	procGenerateServiceReport = "generate_service_last_accessed_details"
	procGetServiceReport      = "get_service_last_accessed_details"
	procGetServiceEntities    = "get_service_last_accessed_details_with_entities"
	procListPoliciesGranting  = "list_policies_granting_service_access"
	procImportAuthDetails     = "import_authorization_details"
)

func iamReportProcedures() []*procedure {
	return []*procedure{
		{
			name:     procGenerateServiceReport,
			params:   []string{"arn", "granularity", "as_of"},
			required: 1,
			admin:    true,
			schema:   resultSchema(procGenerateServiceReport, column("", "JobId", typeJobID, false)),
			run: func(ctx *sql.Context, f *frontend, a args) ([]sql.Row, error) {
				asOf, err := a.optionalTime(2, "asOf")
				if err != nil {
					return nil, err
				}
				id, err := f.eng.GenerateServiceLastAccessedDetails(ctx, engine.GenerateServiceLastAccessedDetailsInput{
					Arn:         a.str(0),
					Granularity: a.opt(1),
					Caller:      caller(ctx),
					AsOf:        asOf,
				})
				if err != nil {
					return nil, err
				}
				return []sql.Row{{id}}, nil
			},
		},
		{
			name:     procGetServiceReport,
			params:   []string{"job_id", "max_items", "marker"},
			required: 1,
			schema: resultSchema(procGetServiceReport,
				column("", "JobStatus", typeID, false),
				column("", "JobType", typeID, true),
				column("", "JobCreationDate", typeTime, false),
				column("", "JobCompletionDate", typeTime, true),
				column("", "ServicesLastAccessed", typeJSON, false),
				column("", "IsTruncated", typeBool, false),
				column("", "Marker", typeText, true),
				column("", "Error", typeJSON, true),
			),
			run: func(ctx *sql.Context, f *frontend, a args) ([]sql.Row, error) {
				maxItems, err := a.optionalInt(1, "maxItems")
				if err != nil {
					return nil, err
				}
				out, err := f.eng.GetServiceLastAccessedDetails(ctx, engine.GetServiceLastAccessedDetailsInput{
					JobID:    a.str(0),
					MaxItems: maxItems,
					Marker:   a.opt(2),
					Caller:   caller(ctx),
				})
				if err != nil {
					return nil, err
				}
				services := out.ServicesLastAccessed
				if services == nil {
					services = []engine.ServiceLastAccessed{}
				}
				return []sql.Row{{
					out.JobStatus,
					optionalString(out.JobType),
					timestampValue(out.JobCreationDate),
					timestampPtrValue(out.JobCompletionDate),
					jsonValue(services),
					out.IsTruncated,
					optionalString(out.Marker),
					errorDetailsValue(out.Error),
				}}, nil
			},
		},
		{
			name:     procGetServiceEntities,
			params:   []string{"job_id", "service_namespace", "max_items", "marker"},
			required: 2,
			schema: resultSchema(procGetServiceEntities,
				column("", "JobStatus", typeID, false),
				column("", "JobCreationDate", typeTime, false),
				column("", "JobCompletionDate", typeTime, true),
				column("", "EntityDetailsList", typeJSON, false),
				column("", "IsTruncated", typeBool, false),
				column("", "Marker", typeText, true),
				column("", "Error", typeJSON, true),
			),
			run: func(ctx *sql.Context, f *frontend, a args) ([]sql.Row, error) {
				maxItems, err := a.optionalInt(2, "maxItems")
				if err != nil {
					return nil, err
				}
				out, err := f.eng.GetServiceLastAccessedDetailsWithEntities(ctx, engine.GetServiceLastAccessedDetailsWithEntitiesInput{
					JobID:            a.str(0),
					ServiceNamespace: a.str(1),
					MaxItems:         maxItems,
					Marker:           a.opt(3),
					Caller:           caller(ctx),
				})
				if err != nil {
					return nil, err
				}
				entities := out.EntityDetailsList
				if entities == nil {
					entities = []engine.EntityDetails{}
				}
				return []sql.Row{{
					out.JobStatus,
					timestampValue(out.JobCreationDate),
					timestampPtrValue(out.JobCompletionDate),
					jsonValue(entities),
					out.IsTruncated,
					optionalString(out.Marker),
					errorDetailsValue(out.Error),
				}}, nil
			},
		},
		{
			name:     procListPoliciesGranting,
			params:   []string{"arn", "service_namespaces_csv", "marker"},
			required: 2,
			schema: resultSchema(procListPoliciesGranting,
				column("", "ServiceNamespace", typeID, false),
				column("", "PolicyName", typeName, true),
				column("", "PolicyType", typeID, true),
				column("", "PolicyArn", typeARN, true),
				column("", "EntityType", typeID, true),
				column("", "EntityName", typeName, true),
				column("", "IsTruncated", typeBool, false),
				column("", "Marker", typeText, true),
			),
			run: listPoliciesGranting,
		},
		{
			name:     procImportAuthDetails,
			params:   []string{"json_text"},
			required: 1,
			admin:    true,
			schema: resultSchema(procImportAuthDetails,
				column("", "Account", typeID, false),
				column("", "Users", typeCount, false),
				column("", "Groups", typeCount, false),
				column("", "Roles", typeCount, false),
				column("", "Policies", typeCount, false),
				column("", "InlinePolicies", typeCount, false),
				column("", "AttachedManagedPolicies", typeCount, false),
				column("", "Warnings", typeJSON, false),
			),
			run: func(ctx *sql.Context, f *frontend, a args) ([]sql.Row, error) {
				if a.str(0) == "" {
					return nil, validationError("null", "jsonText", "Member must not be null")
				}
				res, err := f.eng.ImportAuthorizationDetails([]byte(a.str(0)))
				if err != nil {
					return nil, err
				}
				warnings := res.Warnings
				if warnings == nil {
					warnings = []string{}
				}
				return []sql.Row{{res.Account, int32(res.Users), int32(res.Groups), int32(res.Roles), int32(res.Policies),
					int32(res.InlinePolicies), int32(res.AttachedManaged), jsonValue(warnings)}}, nil
			},
		},
	}
}

// listPoliciesGranting is list_policies_granting_service_access: one row
// per namespace of the page and policy granting it, in the API's order
// (namespaces as asked, then the policies of each). A namespace that no
// policy grants still has a row, its policy columns NULL, so every asked
// namespace shows. The page's IsTruncated and Marker are repeated on every
// row: a page always has a row, since it holds at least one namespace.
func listPoliciesGranting(ctx *sql.Context, f *frontend, a args) ([]sql.Row, error) {
	out, err := f.eng.ListPoliciesGrantingServiceAccess(ctx, engine.ListPoliciesGrantingServiceAccessInput{
		Arn:               a.str(0),
		ServiceNamespaces: splitNamespaces(a.str(1)),
		Marker:            a.opt(2),
	})
	if err != nil {
		return nil, err
	}
	marker := optionalString(out.Marker)
	var rows []sql.Row
	for _, entry := range out.PoliciesGrantingServiceAccess {
		if len(entry.Policies) == 0 {
			rows = append(rows, sql.Row{entry.ServiceNamespace, nil, nil, nil, nil, nil, out.IsTruncated, marker})
			continue
		}
		for _, p := range entry.Policies {
			rows = append(rows, sql.Row{entry.ServiceNamespace, p.PolicyName, p.PolicyType,
				optionalString(p.PolicyArn), optionalString(p.EntityType), optionalString(p.EntityName),
				out.IsTruncated, marker})
		}
	}
	return rows, nil
}

// splitNamespaces reads service_namespaces_csv: namespaces separated by
// commas, blanks around each ignored. NULL, the empty string or only blanks is the empty
// list (a ValidationError, as the API has it); an empty entry between
// commas stays, for the engine to name it.
func splitNamespaces(csv string) []string {
	if strings.TrimSpace(csv) == "" {
		return nil
	}
	parts := strings.Split(csv, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}

// errorDetailsValue is a job's failure as a JSON column ({"Message",
// "Code"}); NULL when the job did not fail.
func errorDetailsValue(e *engine.ErrorDetails) any {
	if e == nil {
		return nil
	}
	return jsonValue(e)
}
