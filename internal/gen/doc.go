// Package gen generates synthetic AWS organizations and CloudTrail exports
// for tests, the bundled sample, crash tests and benchmarks.
//
// Everything is a pure function of a Config and the service catalog it
// reads: the same Config (and Seed) gives byte-identical output, whatever
// the number of workers; a catalog with other services or tracked actions
// changes the records and SCP documents (not the organization's shape).
// Three products share one plan:
//
//   - Organization: the organization snapshot of SPEC §3 (roots, OUs,
//     accounts and service control policies of every kind SPEC §2 names);
//   - Records: the CloudTrail records, in export order, each tagged with the
//     Kind that says whether (and why not) it counts as an access;
//   - WriteExport: the records as an S3 CloudTrail export (AWSLogs/...
//     gzipped {"Records":[...]} files, digest files, optionally the
//     organization-trail layout or NDJSON), and a Manifest of what it wrote;
//     WriteNDJSON streams the same records to one writer.
//
// Presets: Sample (the bundled sample for make run), Bench1M and Org10k.
//
// The package reads the service catalog (engine/catalog) through its API
// only. It imports nothing else from lastaccess and nothing outside the
// standard library except klauspost/compress for fast gzip.
package gen
