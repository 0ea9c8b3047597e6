package main

import (
	"context"

	"lastaccess/engine"
)

// apiCommands are the `lastaccess iam` operations, in the order help
// lists them. A new operation is an entry here and its input members in
// engine.InputShapes: its flags, help, completion and client-side checks
// follow from them.
func apiCommands() []apiCommand {
	return []apiCommand{
		{name: "generate-organizations-access-report", op: engine.OpGenerateOrganizationsAccessReport,
			summary: "generate an Organizations access report for a root, OU or account; waits for the job",
			example: "lastaccess iam generate-organizations-access-report --entity-path o-a1b2c3d4e5/r-f6g7h8i9j0example",
			call: func(ctx context.Context, env *env, eng *engine.Engine, p params) (any, error) {
				id, err := eng.GenerateOrganizationsAccessReport(ctx, engine.GenerateOrganizationsAccessReportInput{
					EntityPath: p.str("EntityPath"), OrganizationsPolicyID: p.optStr("OrganizationsPolicyId")})
				return awaitJob(ctx, env, eng, id, err)
			}},
		{name: "get-organizations-access-report", op: engine.OpGetOrganizationsAccessReport,
			summary: "read a page of an Organizations access report",
			example: "lastaccess iam get-organizations-access-report --job-id JOB_ID --max-items 10 --sort-key LAST_AUTHENTICATED_TIME_DESCENDING",
			call: func(ctx context.Context, env *env, eng *engine.Engine, p params) (any, error) {
				return eng.GetOrganizationsAccessReport(ctx, engine.GetOrganizationsAccessReportInput{
					JobID: p.str("JobId"), MaxItems: p.optInt("MaxItems"), Marker: p.optStr("Marker"), SortKey: p.optStr("SortKey")})
			}},
		{name: "generate-service-last-accessed-details", op: engine.OpGenerateServiceLastAccessedDetails,
			summary: "generate a service last accessed report for an IAM user, group, role or policy; waits for the job",
			example: "lastaccess iam generate-service-last-accessed-details --arn arn:aws:iam::aws:policy/ReadOnlyAccess --granularity ACTION_LEVEL",
			call: func(ctx context.Context, env *env, eng *engine.Engine, p params) (any, error) {
				id, err := eng.GenerateServiceLastAccessedDetails(ctx, engine.GenerateServiceLastAccessedDetailsInput{
					Arn: p.str("Arn"), Granularity: p.optStr("Granularity")})
				return awaitJob(ctx, env, eng, id, err)
			}},
		{name: "get-service-last-accessed-details", op: engine.OpGetServiceLastAccessedDetails,
			summary: "read a page of a service last accessed report",
			example: "lastaccess iam get-service-last-accessed-details --job-id JOB_ID",
			call: func(ctx context.Context, env *env, eng *engine.Engine, p params) (any, error) {
				return eng.GetServiceLastAccessedDetails(ctx, engine.GetServiceLastAccessedDetailsInput{
					JobID: p.str("JobId"), MaxItems: p.optInt("MaxItems"), Marker: p.optStr("Marker")})
			}},
		{name: "get-service-last-accessed-details-with-entities", op: engine.OpGetServiceLastAccessedDetailsWithEntities,
			summary: "read the users and roles behind one service of a service last accessed report",
			example: "lastaccess iam get-service-last-accessed-details-with-entities --job-id JOB_ID --service-namespace s3",
			call: func(ctx context.Context, env *env, eng *engine.Engine, p params) (any, error) {
				return eng.GetServiceLastAccessedDetailsWithEntities(ctx, engine.GetServiceLastAccessedDetailsWithEntitiesInput{
					JobID: p.str("JobId"), ServiceNamespace: p.str("ServiceNamespace"), MaxItems: p.optInt("MaxItems"), Marker: p.optStr("Marker")})
			}},
		{name: "list-policies-granting-service-access", op: engine.OpListPoliciesGrantingServiceAccess,
			summary: "list the policies through which a user, group or role may use services",
			example: "lastaccess iam list-policies-granting-service-access --arn arn:aws:iam::111122223333:user/alice --service-namespaces s3 iam",
			call: func(ctx context.Context, env *env, eng *engine.Engine, p params) (any, error) {
				return eng.ListPoliciesGrantingServiceAccess(ctx, engine.ListPoliciesGrantingServiceAccessInput{
					Arn: p.str("Arn"), ServiceNamespaces: p.list("ServiceNamespaces"), Marker: p.optStr("Marker")})
			}},
	}
}
