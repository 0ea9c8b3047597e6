package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/google/uuid"
)

// CloudTrail records of eventVersion 1.0 (before 2014) have no eventID.
// Such a record is identified by its content instead: its ID is a
// name-based (version 5) UUID of the record's canonical form, so every
// delivered copy of it gets the same ID however it is formatted, and it
// is stored once. A version-5 UUID never equals CloudTrail's random
// (version 4) eventIDs.
//
// The canonical form is the record decoded as JSON and encoded again by
// encoding/json: object members sorted by key (byte-wise), no
// whitespace, strings with standard escapes (so "\u0041" and "A" are the
// same), numbers exactly as written (1.0 and 1 differ), duplicate keys
// resolved as everywhere in ingest (the last wins), invalid UTF-8 as
// U+FFFD.
var contentIDNamespace = uuid.MustParse("7c8e283d-c643-4a7b-af60-d4e92cc201e3")

// ContentEventID returns the ID of a record without an eventID, from its
// raw JSON (an object).
func ContentEventID(raw []byte) (string, error) {
	canonical, err := canonicalRecord(raw)
	if err != nil {
		return "", err
	}
	return uuid.NewSHA1(contentIDNamespace, canonical).String(), nil
}

func canonicalRecord(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the record")
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}
