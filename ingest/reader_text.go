package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"

	"lastaccess/engine"
	"lastaccess/engine/catalog"
)

// ParseRecords decodes records that arrive as text rather than files, as
// `CALL ingest_events(json_text)` receives them: a {"Records":[…]}
// document, a bare JSON array of records, a single record object, or NDJSON
// (one record per line); gzip-compressed text is gunzipped. name stands for
// the file in errors and in the summary (e.g. "ingest_events").
//
// It returns the access events to append, a summary (with one file, read or
// failed; Ingested and Duplicates are for the caller to add with
// AddAppendResult) and the errors: *FileError when the text as a whole is
// malformed (then no events), else a *RecordError for each of the first
// MaxErrorMessages malformed records (the summary's Malformed counts them
// all; the other records are kept). A nil cat means catalog.Default().
func ParseRecords(name string, data []byte, cat *catalog.Catalog) ([]engine.Event, Summary, []error) {
	return parseRecords(name, data, cat, false)
}

func parseRecords(name string, data []byte, cat *catalog.Catalog, slowOnly bool) ([]engine.Event, Summary, []error) {
	if cat == nil {
		cat = catalog.Default()
	}
	acc := &accumulator{file: name, n: newNormalizer(cat), keep: true}
	var sum Summary
	sum.BytesRead = int64(len(data))
	fail := func(err error) ([]engine.Event, Summary, []error) {
		sum.FilesFailed = 1
		sum.addError(name, err.Error())
		return nil, sum, []error{&FileError{File: name, Err: err}}
	}
	if bytes.HasPrefix(data, gzipMagic) {
		fr := fileReader{maxSize: DefaultMaxFileSize}
		plain, err := fr.gunzip(data)
		if err != nil {
			return fail(err)
		}
		data = plain
	}
	sum.BytesDecoded = int64(len(data))
	trimmed := trimJSONSpace(data)

	switch {
	case len(trimmed) == 0:
		// No records.
	case trimmed[0] == '[' || trimmed[0] == '{' && isRecordsDocument(trimmed):
		if err := decodeRecordsText(acc, trimmed, slowOnly); err != nil {
			return fail(err)
		}
	case trimmed[0] == '{' && json.Valid(trimmed):
		// One record, possibly spread over several lines.
		r, p := decodeRecord(trimmed, slowOnly)
		acc.add(r, p, 0, 0, trimmed)
	default:
		d := &ndjsonDecoder{acc: acc, batch: int(^uint(0) >> 1), slowOnly: slowOnly}
		lr := &lineReader{br: bufio.NewReader(bytes.NewReader(data))}
		for {
			line, tooLong, err := lr.next()
			if err != nil {
				break // io.EOF: a bytes.Reader has no other error
			}
			d.decodeLine(line, tooLong, lr.line)
		}
		acc.sum.BytesDecoded = 0 // counted above
	}
	sum.Merge(acc.sum)
	sum.FilesRead = 1
	return acc.events, sum, acc.errs
}

// isRecordsDocument reports whether data, which starts with '{', is meant
// as a {"Records":[…]} document: its first key is "Records" (then a broken
// document is a file error, not a bad line), or it is one valid JSON object
// with a Records member.
func isRecordsDocument(data []byte) bool {
	if bytes.HasPrefix(bytes.TrimLeft(data[1:], " \t\r\n"), []byte(`"Records"`)) {
		return true
	}
	var top struct {
		Records json.RawMessage `json:"Records"`
	}
	return json.Unmarshal(data, &top) == nil && len(top.Records) > 0
}

// AddAppendResult counts what a sink stored of the events.
func (s *Summary) AddAppendResult(r engine.AppendResult) {
	s.Ingested += int64(r.Ingested)
	s.Duplicates += int64(r.Duplicates)
}

// IngestRecords parses text as ParseRecords does and appends its events
// to sink in one call: the whole text is stored or, on a sink error,
// nothing of it (the error is returned with the summary so far).
func IngestRecords(ctx context.Context, name string, data []byte, sink Sink, cat *catalog.Catalog) (Summary, []error, error) {
	events, sum, errs := ParseRecords(name, data, cat)
	if len(events) == 0 {
		return sum, errs, nil
	}
	res, err := safeAppend(ctx, sink, events)
	if err != nil {
		return sum, errs, err
	}
	sum.AddAppendResult(res)
	return sum, errs, nil
}
