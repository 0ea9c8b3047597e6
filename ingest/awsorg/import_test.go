package awsorg

import (
	"go/build"
	"strings"
	"testing"
)

// TestImports keeps the data flow one way: ingest/awsorg → engine.
func TestImports(t *testing.T) {
	allowed := map[string]bool{"lastaccess/engine": true, "lastaccess/engine/policy": true, "lastaccess/internal/jsonpos": true}
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, "lastaccess/") && !allowed[imp] {
			t.Errorf("awsorg imports %s; it may import only %v", imp, allowed)
		}
	}
}
