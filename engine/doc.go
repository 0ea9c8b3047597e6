// Package engine owns the domain of lastaccess: the organization and its
// entity paths, SCP scopes, the service catalog, the IAM entity graph, the
// rollups that answer reports in milliseconds, the reports, report jobs,
// markers and AWS-coded errors.
//
// A record's way through the package, one file per stage:
//
//	append.go              Append: dedupe and store events, one commit per
//	                       batch; each batch's rollup changes join the
//	                       pending ones (rollup_access.go: the aggregates)
//	rollup_fold.go         pending changes folded into persisted rollup rows
//	rollup_codec.go        the rows' encoding
//	rollup_org.go          the Organizations rollup in memory: account rows
//	                       plus pending changes, by service in columns
//	rollup_principal.go    principal rows plus pending changes, read
//	                       through one accessor (principalRows)
//	report_org.go          Generate/Get an Organizations access report
//	report_service*.go     the IAM entity reports: plan (what a subject's
//	                       documents list), compute, entities, policies
//	report_*_query.go      whole jobs and job scans for the SQL tables
//	jobs.go                the job lifecycle every report kind shares
//	report_as_of.go        a report's creation time: now, or a past as-of
//	report_whatif.go       what-if SCP reports: an Organizations job on the
//	                       organization a change set (scp_changes.go) makes,
//	                       with its impact list read from the window's events
//	scp_recommend.go       deny-list SCP recommendations, checked by what-if
//	report_diff.go         two completed jobs of one kind and scope compared
//	event_scan.go          filtered scans of the event log (access_events)
//	rebuild.go, check.go   rollups recomputed from the log, and verified
//
// The inputs around them: org*.go (snapshot, paths, SCP scopes),
// iam_*.go (authorization details, the entity graph, ARNs, listings),
// catalog_*.go (catalog import and unknown event sources), params.go
// (every parameter's constraints, from botocore's model).
//
// It declares the storage it needs (Store, AppendBatch, Snapshot in
// store.go); package storage implements them over Badger. The engine never
// imports storage, ingest, sqlfront, awsfront or cmd: data flows ingest →
// engine → storage on writes and the frontends → engine → storage on
// reads.
package engine
