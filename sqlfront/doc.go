// Package sqlfront serves the engine over the MySQL wire protocol
// (SPEC §5.2) through go-mysql-server: database lastaccess, the report,
// event, organization and catalog tables, and the report procedures.
//
// Data flow, one file per aspect:
//
//	server.go            Options, Server: listener, users, graceful shutdown
//	limits.go            Limits: MySQL's limits as system variables
//	conn_guard.go        the listener and connection under vitess:
//	                     max_connections, connect_timeout, wait_timeout,
//	                     max_allowed_packet, clients that go away
//	handler.go           the mysql.Handler wrapper: in-flight statements,
//	                     connection tracking, error mapping
//	statement.go         one statement under its limits: max_execution_time,
//	                     cancellation, UTF-8
//	statement_memory.go  the statements' memory budget (rows kept by sorts,
//	                     groups, joins, subqueries) and interruptible scans
//	handler_call.go      the OK packet that ends a CALL's results
//	prepared_count.go    max_prepared_stmt_count, long data
//	functions_bounded.go string functions bounded by max_allowed_packet
//	function_insert.go   INSERT(str, pos, len, newstr)
//	auth.go              users and their privileges (admin, read-only),
//	                     the login (failed logins logged, 1040)
//	provider.go          DatabaseProvider and the lastaccess Database
//	procedures.go        the procedure registry and its overloads
//	procedures_org.go    generate/get_organizations_access_report
//	procedures_iam.go    generate/get_service_last_accessed_details,
//	                     …_with_entities, list_policies_granting_service_access,
//	                     import_authorization_details
//	procedures_ingest.go ingest_events, import_organization
//	procedures_routines.go the procedures as information_schema.ROUTINES
//	                     and PARAMETERS see them
//	table.go             shared table plumbing: partitions, scan iterators
//	table_org_reports.go organizations_access_reports and _details
//	table_service_reports.go service_last_accessed_reports, and the tables
//	                     of rows below a service job (key lookup, key order)
//	table_service_details.go services_last_accessed,
//	                     tracked_actions_last_accessed
//	table_events.go      access_events and its filter pushdown
//	table_org.go         accounts, organizational_units, roots, policies,
//	                     policy_targets; services
//	index.go             ordered indexes and MySQL range evaluation
//	sort_rule.go         the analyzer rule that reads rows in index order
//	                     after an equality prefix (drops the Sort)
//	access_rule.go       the analyzer rule and authorization that refuse the
//	                     server's files (LOAD_FILE, INTO OUTFILE, LOAD DATA)
//	                     to all, SET GLOBAL to all but the admin, KILL and
//	                     SHOW GRANTS of another user's
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
// and a run function over the engine. Each file of procedures returns its
// []*procedure, appended in newFrontend; each table file's constructors
// are registered in newDatabase.
//
// list_policies_granting_service_access flattens the API's nested answer
// into one row per namespace and policy (a namespace no policy grants is
// one row with NULL policy columns) and repeats the page's IsTruncated
// and Marker on every row.
//
// Tables are views over the engine: nothing is copied into memory tables.
// A lookup by JobId reads one job; a filter on access_events becomes an
// engine.EventFilter that reads only matching keys.
//
// Imports: engine, engine/catalog, ingest and go-mysql-server; never
// storage or cmd.
package sqlfront
