// Package ingest reads CloudTrail exports (SPEC §3) and turns each record
// into an engine.Event (SPEC §2 "Access event").
//
// Data flow, one file per stage:
//
//	files.go           paths → tasks: directory walk (any S3 export layout),
//	                   digest/Insights/other files skipped, gzip by magic bytes
//	reader_records.go  {"Records":[…]} (or a bare array): decoded whole
//	reader_ndjson.go   NDJSON files and the live stream "-": line by line
//	reader_text.go     text that arrives over SQL (ParseRecords)
//	record.go          one record: goccy/go-json, encoding/json on any error
//	classify.go        SPEC §2: counted or skipped (SkipReason), principal,
//	                   namespace and action through the catalog
//	pipeline.go        Run: parallel decoding, one goroutine appending to the Sink
//	summary.go         Summary: counts, skip reasons, errors by file
//	progress.go        the one-line progress display
//
// Errors: a malformed record is a *RecordError (ErrMalformedRecord) naming
// the file, the record's index (0-based, in the Records array) or line
// (1-based, NDJSON) and the field; the file's other records are kept. A file
// that cannot be read or decoded as a whole is a *FileError (ErrMalformedFile
// for bad content) and gives no events. Run reports both in its Summary and
// goes on.
//
// Imports: engine, engine/catalog and internal/jsonpos only, never
// storage, sqlfront or cmd (import_test.go checks it). The Sink interface
// is declared here, by its consumer; *engine.Engine implements it (Append).
package ingest
