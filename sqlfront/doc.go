// Package sqlfront serves the engine over the MySQL wire protocol
// (SPEC §5.2) through go-mysql-server: database lastaccess, the report,
// event, organization and catalog tables, and the report procedures.
//
// Data flow, one file per aspect:
//
//	server.go            Options, Server: listener, users, graceful shutdown
//	handler.go           the mysql.Handler wrapper: in-flight statements,
//	                     connection tracking, error mapping
//	auth.go              users and their privileges (admin, read-only)
//	provider.go          DatabaseProvider and the lastaccess Database
//	procedures.go        the procedure registry and its overloads
//	procedures_org.go    generate/get_organizations_access_report
//	procedures_ingest.go ingest_events, import_organization
//	table.go             shared table plumbing: partitions, scan iterators
//	table_org_reports.go organizations_access_reports and _details
//	table_events.go      access_events and its filter pushdown
//	table_org.go         accounts, organizational_units, roots, policies,
//	                     policy_targets; services
//	index.go             ordered indexes and MySQL range evaluation
//	sort_rule.go         the analyzer rule that reads rows in index order
//	                     after an equality prefix (drops the Sort)
//	values.go            DATETIME(6), JSON and DECIMAL values
//	values_json.go       the AccessDetails encoder (a Get page's hot spot)
//	errors.go            the one mapping of errors to MySQL errors
//	log.go               vitess and logrus logging routed to slog
//	sqlsink/             the client side: an ingest.Sink over CALL
//	                     ingest_events, for `lastaccess ingest --server`
//
// A procedure is a *procedure (procedures.go): its parameter names, how
// many are required (the rest make the short overloads), whether it
// changes data (admin: refused to the read-only user), its result schema
// and a run function over the engine. The IAM entity reports of SPEC
// §4.2 are added as one more file (procedures_iam.go returning their
// []*procedure, appended in newFrontend) and, for their tables, one more
// table file registered in newDatabase.
//
// Tables are views over the engine: nothing is copied into memory tables.
// A lookup by JobId reads one job; a filter on access_events becomes an
// engine.EventFilter that reads only matching keys.
//
// Imports: engine, engine/catalog, ingest and go-mysql-server; never
// storage or cmd.
package sqlfront
