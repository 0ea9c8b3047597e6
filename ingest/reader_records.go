package ingest

import (
	"encoding/json"
	"errors"
	"slices"

	"lastaccess/engine"
	"lastaccess/internal/jsonpos"
)

// chunk is what decoding hands on for one file: all of a Records file, or a
// part of an NDJSON file or stream. Its summary counts records, skips,
// malformed records, unknown sources and bytes; the committer counts files.
type chunk struct {
	events []engine.Event
	sum    Summary
	// err is a file error: for a Records file, nothing of the file is
	// stored; for NDJSON, the chunks before it may be.
	err  error
	last bool // the file's final chunk
	// now asks the committer to append at once rather than fill a batch:
	// the chunk comes from a live stream.
	now bool
}

// accumulator collects the outcomes of a file's records.
type accumulator struct {
	file   string
	n      *normalizer
	events []engine.Event
	sum    Summary
	errs   []error // the first MaxErrorMessages record errors, when keep
	keep   bool
	base   int // the index of the first record of a chunk (reader_text_chunks.go)
}

// add normalizes one decoded record (or takes its decoding problem) and
// counts it. index is its position in a Records array, line its line in an
// NDJSON input (0 for a Records array); raw is the record's JSON, needed
// only when the record has no eventID (nil otherwise is fine).
func (a *accumulator) add(r *record, p *fieldProblem, index, line int, raw []byte) {
	a.sum.Records++
	var out outcome
	if p == nil {
		out = a.n.normalize(r)
		p = out.problem
	}
	if out.ok && out.contentID {
		id, err := ContentEventID(raw)
		if err != nil {
			out.ok, p = false, problemf("eventID", "missing, and the record's content cannot identify it: %v", err)
		}
		out.event.ID = id
	}
	switch {
	case p != nil:
		a.sum.Malformed++
		if line > 0 {
			index = -1
		} else {
			index += a.base
		}
		e := &RecordError{File: a.file, Index: index, Line: line, Field: p.field, Msg: p.msg}
		a.sum.addError(a.file, messageWithoutFile(e))
		if a.keep && len(a.errs) < MaxErrorMessages {
			a.errs = append(a.errs, e)
		}
	case out.ok:
		a.sum.Events++
		a.events = append(a.events, out.event)
		if out.unknownSource != "" {
			a.sum.addUnknownSource(out.unknownSource, 1)
		}
	default:
		a.sum.addSkip(out.skip, 1)
	}
}

// messageWithoutFile is the error as the summary stores it, under its file.
func messageWithoutFile(e *RecordError) string {
	c := *e
	c.File = ""
	s := c.Error()
	return s[2:] // drop ": "
}

// decodeRecordsFile decodes a whole {"Records":[…]} document (or a bare
// array of records) and normalizes its records. A structural problem
// (invalid JSON anywhere, Records not an array) is a file error and the
// file gives no events; a malformed record is counted and reported, and the
// other records are kept.
//
// The whole document is decoded at once by the fast decoder (by
// encoding/json when slowOnly); on any error it is decoded again with
// encoding/json record by record, which decides and names the problem.
func decodeRecordsFile(a *accumulator, data []byte, slowOnly bool) error {
	trimmed := trimJSONSpace(data)
	if len(trimmed) == 0 {
		return malformedf(`empty file: want {"Records":[…]}`)
	}
	if recs, ok := wholeRecords(trimmed, slowOnly); ok {
		// Records without an eventID are identified by their raw content,
		// which the whole-document decode does not keep: only then are the
		// raw records split out too.
		var raws []json.RawMessage
		if slices.ContainsFunc(recs, func(r *record) bool { return r.EventID == "" }) {
			raws, _ = splitRecords(trimmed)
		}
		if raws == nil || len(raws) == len(recs) {
			a.events = slices.Grow(a.events, len(recs))
			for i, r := range recs {
				var raw []byte
				if raws != nil {
					raw = raws[i]
				}
				a.add(r, nil, i, 0, raw)
			}
			return nil
		}
	}
	elems, err := splitRecords(trimmed)
	if err != nil {
		return err
	}
	for i, elem := range elems {
		r, p := decodeRecord(elem, true)
		a.add(r, p, i, 0, elem)
	}
	return nil
}

// wholeRecords decodes the whole document into records, with the fast
// decoder or, when slowOnly, with encoding/json (both with the same v1
// rules, down to duplicate keys); ok is false on any error or anomaly (a
// missing or null Records, a null record).
func wholeRecords(data []byte, slowOnly bool) ([]*record, bool) {
	unmarshal := fastUnmarshal
	if slowOnly {
		unmarshal = func(data []byte, v any) bool { return json.Unmarshal(data, v) == nil }
	}
	var recs []*record
	switch data[0] {
	case '[':
		if !unmarshal(data, &recs) {
			return nil, false
		}
	case '{':
		var f recordsFile
		if !unmarshal(data, &f) || f.Records == nil {
			return nil, false
		}
		recs = *f.Records
	default:
		return nil, false
	}
	for _, r := range recs {
		if r == nil {
			return nil, false
		}
	}
	return recs, true
}

// splitRecords validates the document with encoding/json and returns the
// raw records.
func splitRecords(data []byte) ([]json.RawMessage, error) {
	var elems []json.RawMessage
	switch data[0] {
	case '[':
		if err := json.Unmarshal(data, &elems); err != nil {
			return nil, invalidJSON(err)
		}
		return elems, nil
	case '{':
	default:
		if err := json.Unmarshal(data, new(json.RawMessage)); err != nil {
			return nil, invalidJSON(err)
		}
		return nil, malformedf(`want {"Records":[…]}, got %s`, jsonpos.Kind(data))
	}
	var top struct {
		Records json.RawMessage `json:"Records"`
	}
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, invalidJSON(err)
	}
	if len(top.Records) == 0 {
		return nil, malformedf(`Records: missing (want {"Records":[…]})`)
	}
	if top.Records[0] != '[' {
		return nil, malformedf("Records: want array, got %s", jsonpos.Kind(top.Records))
	}
	if err := json.Unmarshal(top.Records, &elems); err != nil {
		return nil, invalidJSON(err)
	}
	return elems, nil
}

func invalidJSON(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return malformedf("invalid JSON at byte %d: %s", se.Offset, se.Error())
	}
	return malformedf("invalid JSON: %v", err)
}
