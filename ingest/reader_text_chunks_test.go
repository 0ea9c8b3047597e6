package ingest

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// chunked runs f with texts decoded a few records at a time.
func chunked(t testing.TB, direct, chunk int, f func()) {
	oldDirect, oldChunk := recordsTextDirect, recordsChunk
	recordsTextDirect, recordsChunk = direct, chunk
	defer func() { recordsTextDirect, recordsChunk = oldDirect, oldChunk }()
	f()
}

// sameParse checks that decoding a chunk at a time changes nothing but
// the wording of a structural error.
func sameParse(t testing.TB, text []byte) {
	t.Helper()
	cat := testCatalog(t)
	e1, s1, err1 := ParseRecords("sql", text, cat)
	var e2 = e1[:0:0]
	var s2 Summary
	var err2 []error
	chunked(t, 0, 3, func() { e2, s2, err2 = ParseRecords("sql", text, cat) })
	var fe1, fe2 *FileError
	failed1 := len(err1) == 1 && errors.As(err1[0], &fe1)
	failed2 := len(err2) == 1 && errors.As(err2[0], &fe2)
	if failed1 != failed2 {
		t.Fatalf("one pass: %v; in chunks: %v", err1, err2)
	}
	if failed1 {
		return
	}
	if (len(e1) > 0 || len(e2) > 0) && !reflect.DeepEqual(e1, e2) {
		t.Fatalf("events differ:\none pass %v\nin chunks %v", e1, e2)
	}
	if s1.Records != s2.Records || s1.Events != s2.Events || s1.Malformed != s2.Malformed ||
		!reflect.DeepEqual(s1.Skipped, s2.Skipped) || !reflect.DeepEqual(s1.Errors, s2.Errors) {
		t.Fatalf("summaries differ:\none pass %+v\nin chunks %+v", s1, s2)
	}
	if len(err1) != len(err2) {
		t.Fatalf("errors differ:\none pass %v\nin chunks %v", err1, err2)
	}
	for i := range err1 {
		if err1[i].Error() != err2[i].Error() {
			t.Fatalf("error %d: one pass %q, in chunks %q", i, err1[i], err2[i])
		}
	}
}

// TestParseRecordsInChunks: a text decoded a few records at a time gives
// the events, counts and errors (numbered from the start of the text) of
// a text decoded at once.
func TestParseRecordsInChunks(t *testing.T) {
	a, b, c := recN(t, "a"), rec(t, "eventID", "b", "userIdentity.type", "AWSService"), recN(t, "c")
	bad := rec(t, "eventID", "d", "eventTime", 5)
	docs := []string{
		recordsDoc(a, b, c, bad, a, "{}", c, bad),
		"[" + strings.Join([]string{a, bad, b, c, "{}", "{}", "{}", a}, ",\n ") + "]",
		`{"Other": {"x": [1, "]"]}, "records": [` + a + `], "Records": [` + c + `,` + bad + `], "z": null}`,
		`{"Records":[]}`, `[]`, ` [ ] `,
		`{"Records":[` + a + `,` + b + `]`,                 // truncated
		`{"Records":[` + a + `] , "x": [1,}`,               // broken sibling
		`{"Records":[` + a + `,]}`,                         // trailing comma
		`{"Records":[` + a + `,` + c + `]} x`,              // trailing text
		`{"Records":[null, ` + a + `, 5, "s", [1]]}`,       // not objects
		`{"Records": null}`, `{"Records": {}}`, `{"x": 1}`, // no array
	}
	for i, d := range docs {
		sameParse(t, []byte(d))
		if t.Failed() {
			t.Fatalf("document %d: %s", i, d)
		}
	}
	// Errors name records by their place in the whole text.
	var texts []string
	for range 10 {
		texts = append(texts, a, "{}")
	}
	chunked(t, 0, 3, func() {
		_, sum, errs := ParseRecords("sql", []byte(recordsDoc(texts...)), testCatalog(t))
		var re *RecordError
		if sum.Malformed != 10 || len(errs) != 10 || !errors.As(errs[9], &re) || re.Index != 19 {
			t.Fatalf("malformed %d, errors %v", sum.Malformed, errs)
		}
	})
}

// TestParseRecordsKeepsFirstErrors: a text of many malformed records
// keeps MaxErrorMessages errors and counts them all.
func TestParseRecordsKeepsFirstErrors(t *testing.T) {
	doc := `{"Records":[` + strings.Repeat(`{},`, 99999) + `{}]}`
	events, sum, errs := ParseRecords("sql", []byte(doc), testCatalog(t))
	if len(events) != 0 || sum.Malformed != 100000 || len(errs) != MaxErrorMessages {
		t.Fatalf("events %d, malformed %d, errors kept %d", len(events), sum.Malformed, len(errs))
	}
}

// FuzzParseRecordsInChunks: decoding a text a few records at a time
// agrees with decoding it at once.
func FuzzParseRecordsInChunks(f *testing.F) {
	g := newFixtureGen(5)
	f.Add(g.recordsFile(4))
	f.Add([]byte(`[{"eventID":"a"}, {}, null, 5, {"x":"]}\""}]`))
	f.Add([]byte(`{"a":[1,{"b":"}"}],"Records":[{},{},{}],"records":[{}]}`))
	f.Add([]byte(`{"Records":[{},{},`))
	f.Add([]byte(`{"Records" : [ {} , {} ] } `))
	for _, s := range fuzzSeedRecords {
		f.Add([]byte(`{"Records":[` + s + `,` + s + `,{}]}`))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameParse(t, data)
	})
}
