package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestOutputCorpusMatchesAWSCLI: the formatters on values our responses
// rarely hold (strings YAML must quote, long text it folds, control and
// wide characters, nested lists, empty containers), against the AWS CLI's
// own formatters (testdata/output/corpus.*.golden, made with -rewrite).
func TestOutputCorpusMatchesAWSCLI(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "output", "corpus.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	queries := map[string]string{"": "", "quoted": "Quoted", "objects": "Objects[].{Name: Name, N: N}"}
	for qname, query := range queries {
		for _, format := range outputFormats {
			query := query
			if format == "table" && qname == "" {
				// The AWS CLI's table formatter fails on Rows' uneven lists.
				query = "{Plain: Plain, Long: Long, Objects: Objects, Wide: Wide, Numbers: Numbers, Flags: Flags, Nested: Nested, Empty: Empty}"
			}
			name := "corpus." + format + ".golden"
			if qname != "" {
				name = "corpus-" + qname + "." + format + ".golden"
			}
			golden := filepath.Join("testdata", "output", name)
			if *rewrite {
				py := exec.Command("/usr/bin/python3", "-c", awsFormatter, format, query, "Corpus")
				py.Stdin = bytes.NewReader(raw)
				out, err := py.Output()
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				os.WriteFile(golden, out, 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := writeOutput(&got, json.RawMessage(raw), "Corpus", outputOptions{format: format, query: query, color: "off"}, false); err != nil {
				t.Fatal(err)
			}
			if got.String() != string(want) {
				t.Errorf("%s differs from the AWS CLI's output\n got:\n%s\nwant:\n%s", name, got.String(), want)
			}
		}
	}
}
