// Package awsfront serves the engine over AWS's IAM Query API (SPEC §7),
// so that the AWS CLI, boto3 and the AWS SDKs work against lastaccess
// with only an endpoint URL: form parameters in, XML out, AWS Signature
// Version 4 checked on every request.
//
// One file per aspect, in the order a request meets them:
//
//	server.go       Options, Server: net/http with timeouts and limits,
//	                graceful shutdown
//	handler.go      one request: body limit, signature, form, Action and
//	                Version, the operation, the response
//	credentials.go  access keys: the shared-credentials file format with
//	                lastaccess's account_id and read_only
//	sigv4.go        the Signature Version 4 verifier
//	request.go      the form parser: parameters, integers, booleans and
//	                Name.member.N lists
//	ops.go          the operations by Action
//	ops_reports.go  the six report operations of SPEC §4
//	ops_entities.go ListUsers, ListGroups, ListRoles, ListPolicies,
//	                GetAccountAuthorizationDetails
//	xml.go          the XML writer (encoding/xml's escaping), the result
//	                and error envelopes
//	errors.go       the one mapping of errors to codes and HTTP statuses
//
// Each operation's members are written in the order and with the names of
// botocore's model of IAM (botocore/data/iam/2010-05-08/service-2.json);
// parameters are validated by the engine, as for every other frontend.
//
// Imports: engine only; never storage, sqlfront or cmd.
package awsfront
