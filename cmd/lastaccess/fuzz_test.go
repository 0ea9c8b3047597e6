package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lastaccess/engine"
)

// FuzzCLIInputJSON: any --cli-input-json text is either refused with the
// AWS CLI's parse error or gives parameters that the client-side checks
// either pass or describe; never a panic.
func FuzzCLIInputJSON(f *testing.F) {
	for _, s := range []string{`{"JobId":"00000000-0000-4000-8000-000000000000","MaxItems":5}`, `{"MaxItems":"5","Foo":[1,{"a":null}]}`,
		`[1]`, `{bad`, `{"ServiceNamespaces":["s3",""],"Arn":7}`, `{"MaxItems":1e400}`, `{"JobId":"x"} {}`, `null`, `{"MaxItems":true}`} {
		f.Add(s)
	}
	shapes := engine.InputShapes(engine.OpListPoliciesGrantingServiceAccess)
	get := engine.InputShapes(engine.OpGetOrganizationsAccessReport)
	f.Fuzz(func(t *testing.T, text string) {
		p, err := mergeInputJSON(nil, text)
		if err != nil {
			var pe *parameterParseError
			if !asError(err, &pe) {
				t.Fatalf("%q: %T %v", text, err, err)
			}
			return
		}
		for _, s := range [][]*engine.Shape{shapes, get} {
			for _, problem := range validateClientSide(p, s) {
				if problem == "" {
					t.Fatalf("%q: empty problem", text)
				}
			}
		}
	})
}

// FuzzQuery: any --query either is refused as a bad expression or is
// applied to a response, and every output format prints the result;
// never a panic.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{"AccessDetails[?TotalAuthenticatedEntities > `0`].{S: ServiceNamespace, \"a b\": Region}", "length(AccessDetails)",
		"AccessDetails[0]", "{a: JobStatus, b: {c: `1`, 'd': 'x'}}", "[][]", "sort_by(AccessDetails, &ServiceName)[-1:]", "`\"lit\"`", "max_by(AccessDetails, &TotalAuthenticatedEntities)"} {
		f.Add(s)
	}
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "aws-sample", "expected.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, query string) {
		o := outputOptions{query: query}
		if o.validate() != nil {
			return
		}
		for _, format := range outputFormats {
			o.format = format
			var b bytes.Buffer
			if err := writeOutput(&b, json.RawMessage(raw), "Fuzz", o, false); err != nil && !strings.Contains(err.Error(), "--query") {
				t.Fatalf("%q %s: %v", query, format, err)
			}
		}
	})
}

func asError[T error](err error, target *T) bool {
	e, ok := err.(T)
	if ok {
		*target = e
	}
	return ok
}
