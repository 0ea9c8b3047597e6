package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	gojson "github.com/goccy/go-json"

	"lastaccess/internal/jsonpos"
)

// record is the part of a CloudTrail record that ingest reads. Everything
// else (requestParameters, responseElements, …) is skipped by the decoder.
//
// The same type is filled by the fast decoder (goccy/go-json) and, when that
// one reports any error, by encoding/json, which then names the problem. Both
// follow encoding/json's v1 rules (keys matched case-insensitively, the last
// of duplicate keys wins, null leaves a field empty, invalid UTF-8 becomes
// U+FFFD), so a record decodes to the same value on either path; the fuzz
// targets check it. An empty string is treated as absent.
type record struct {
	EventID       string `json:"eventID"`
	EventTime     string `json:"eventTime"`
	EventSource   string `json:"eventSource"`
	EventName     string `json:"eventName"`
	AwsRegion     string `json:"awsRegion"`
	ErrorCode     string `json:"errorCode"`
	EventType     string `json:"eventType"`
	EventCategory string `json:"eventCategory"`
	// ManagementEvent tells data events apart in records older than
	// eventCategory (eventVersion < 1.08).
	ManagementEvent *bool     `json:"managementEvent"`
	UserIdentity    *identity `json:"userIdentity"`
}

type identity struct {
	Type           string          `json:"type"`
	ARN            string          `json:"arn"`
	AccountID      string          `json:"accountId"`
	SessionContext *sessionContext `json:"sessionContext"`
}

type sessionContext struct {
	SessionIssuer *sessionIssuer `json:"sessionIssuer"`
}

type sessionIssuer struct {
	ARN string `json:"arn"`
}

// recordsFile is a CloudTrail log file, {"Records":[…]}, for the fast path.
// A nil pointer anywhere (Records missing or null, a null record) sends the
// file to the slow path, which reports it.
type recordsFile struct {
	Records *[]*record `json:"Records"`
}

// Sentinels for errors.Is: every *RecordError is ErrMalformedRecord, and a
// *FileError whose file is not valid JSON, gzip or a {"Records":[…]} object
// is ErrMalformedFile.
var (
	ErrMalformedRecord = errors.New("ingest: malformed record")
	ErrMalformedFile   = errors.New("ingest: malformed file")
)

// RecordError is a malformed record: the file it is in, where in the file,
// and the field at fault. The file's other records are kept.
type RecordError struct {
	File  string
	Index int    // 0-based position in the file's Records array; -1 for NDJSON
	Line  int    // 1-based line of an NDJSON file or stream; 0 for a Records file
	Field string // JSON path of the field, e.g. "userIdentity.arn"; "" for the record as a whole
	Msg   string // what is wrong with it
}

func (e *RecordError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ": line %d: ", e.Line)
	} else {
		fmt.Fprintf(&b, ": record %d: ", e.Index)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Is makes every RecordError match ErrMalformedRecord.
func (e *RecordError) Is(target error) bool { return target == ErrMalformedRecord }

// FileError is a file that could not be read or decoded as a whole, or
// whose events could not be stored.
type FileError struct {
	File string
	Err  error
}

func (e *FileError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// malformed is the cause of a FileError for bad content (not I/O).
type malformed struct{ msg string }

func (e *malformed) Error() string        { return e.msg }
func (e *malformed) Is(target error) bool { return target == ErrMalformedFile }

func malformedf(format string, args ...any) error {
	return &malformed{msg: fmt.Sprintf(format, args...)}
}

// fieldProblem is a record-level problem before it is placed in a file.
type fieldProblem struct {
	field string
	msg   string
}

func problemf(field, format string, args ...any) *fieldProblem {
	return &fieldProblem{field: field, msg: fmt.Sprintf(format, args...)}
}

// decodeRecord decodes one record object (an NDJSON line or an element of a
// Records array). A problem names the field at fault.
func decodeRecord(data []byte, slowOnly bool) (*record, *fieldProblem) {
	r := new(record)
	// Only an object goes to the fast path: null, which decodes into a
	// struct without error, is not a record.
	data = trimJSONSpace(data)
	if !slowOnly && len(data) > 0 && data[0] == '{' && fastUnmarshal(data, r) {
		return r, nil
	}
	*r = record{}
	return r, slowUnmarshal(data, r)
}

// fastUnmarshal decodes with goccy/go-json and reports success. Any error,
// or a panic inside the decoder, sends the caller to the slow path.
func fastUnmarshal(data []byte, v any) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return gojson.Unmarshal(data, v) == nil
}

// slowUnmarshal decodes one record with encoding/json and turns its errors
// into a problem naming the field.
func slowUnmarshal(data []byte, r *record) *fieldProblem {
	data = trimJSONSpace(data)
	if len(data) == 0 {
		return problemf("", "empty record")
	}
	if data[0] != '{' {
		if !json.Valid(data) {
			return syntaxProblem(data)
		}
		return problemf("", "want a JSON object, got %s", jsonpos.Kind(data))
	}
	err := json.Unmarshal(data, r)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		got, _, _ := strings.Cut(te.Value, " ")
		if got == "bool" {
			got = "boolean" // as jsonpos.Kind names it
		}
		field := te.Field
		want := "string"
		switch field {
		case "managementEvent":
			want = "boolean"
		case "eventTime":
			want = "RFC 3339 string"
		case "userIdentity", "userIdentity.sessionContext", "userIdentity.sessionContext.sessionIssuer":
			want = "object"
		case "":
			want = "object"
		}
		return problemf(field, "want %s, got %s", want, got)
	}
	return syntaxProblem(data)
}

func syntaxProblem(data []byte) *fieldProblem {
	err := json.Unmarshal(data, new(any))
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return problemf("", "invalid JSON at byte %d: %s", se.Offset, se.Error())
	}
	if err != nil {
		return problemf("", "invalid JSON: %s", err.Error())
	}
	return problemf("", "invalid JSON")
}

// trimJSONSpace trims the whitespace JSON allows around a value (space,
// tab, CR, LF), and no other: bytes.TrimSpace would accept \v or U+00A0.
func trimJSONSpace(b []byte) []byte {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
