package awsfront

import (
	"go/build"
	"strings"
	"testing"
)

// TestImports keeps the data flow one way: awsfront → engine → storage,
// never storage, ingest, sqlfront or cmd.
func TestImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, "lastaccess/") && imp != "lastaccess/engine" {
			t.Errorf("awsfront imports %s; it may import only lastaccess/engine", imp)
		}
	}
}
