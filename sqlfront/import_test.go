package sqlfront

import (
	"go/build"
	"strings"
	"testing"
)

// TestImports keeps the data flow one way: sqlfront → engine (and ingest,
// for ingest_events' parser) → storage, never storage or cmd directly;
// sqlsink, the client, adds only sqlfront's names.
func TestImports(t *testing.T) {
	allowed := map[string][]string{
		".":       {"lastaccess/engine", "lastaccess/engine/catalog", "lastaccess/ingest"},
		"sqlsink": {"lastaccess/engine", "lastaccess/ingest", "lastaccess/sqlfront"},
	}
	for dir, ok := range allowed {
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range pkg.Imports {
			if !strings.HasPrefix(imp, "lastaccess/") {
				continue
			}
			found := false
			for _, a := range ok {
				found = found || imp == a
			}
			if !found {
				t.Errorf("%s imports %s; it may import only %v", pkg.ImportPath, imp, ok)
			}
		}
	}
}
