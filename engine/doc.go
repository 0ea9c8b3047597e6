// Package engine owns the domain of lastaccess: the organization and its
// entity paths, SCP scopes, the service catalog, the IAM entity graph
// (iam_*.go: users, groups, roles and managed policies imported from
// authorization details), the rollups that answer reports in milliseconds,
// the reports (report_org.go; report_service*.go for the IAM entity
// reports), report jobs, markers and AWS-coded errors.
//
// It declares the storage it needs (EventLog and friends in store.go);
// package storage implements those interfaces over Badger. The engine never
// imports storage, ingest, sqlfront or cmd: data flows ingest → engine →
// storage on writes and sqlfront/cmd → engine → storage on reads.
package engine
