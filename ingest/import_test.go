package ingest

import (
	"go/build"
	"strings"
	"testing"
)

// TestImports keeps the data flow one way: ingest → engine → storage.
func TestImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, "lastaccess/") && imp != "lastaccess/engine" && imp != "lastaccess/engine/catalog" && imp != "lastaccess/internal/jsonpos" {
			t.Errorf("ingest imports %s; it may import only lastaccess/engine, lastaccess/engine/catalog and lastaccess/internal/jsonpos", imp)
		}
	}
}
