package awsorg_test

import (
	"bytes"
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"

	"lastaccess/engine"
	"lastaccess/ingest/awsorg"
)

// FuzzRead: the fixture directory with one file replaced by any bytes.
// Read never panics; it fails with a *FileError naming a file, or
// returns a snapshot whose JSON is the snapshot itself and which the
// engine either accepts whole or rejects with an error.
func FuzzRead(f *testing.F) {
	base := loadFixture(f)
	for _, name := range []string{"describe-organization.json", "list-roots.json", "list-policies.json",
		"list-organizational-units-for-parent/r-k2m9.json", "list-accounts-for-parent/ou-k2m9-fra0a1b2.json",
		"describe-policy/p-2wz6c4tb.json", "list-targets-for-policy/p-9fy3j6ke.json"} {
		f.Add(name, base[name].Data)
	}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		if !fs.ValidPath(name) || name == "." {
			return
		}
		m := make(fstest.MapFS, len(base)+1)
		for k, v := range base {
			m[k] = v
		}
		if info, err := fs.Stat(m, name); err == nil && info.IsDir() {
			return
		}
		m[name] = &fstest.MapFile{Data: data}
		res, err := awsorg.Read(m)
		if err != nil {
			var fe *awsorg.FileError
			if !errors.As(err, &fe) || fe.File == "" || res != nil {
				t.Fatalf("error %v is not a *FileError naming a file (result %v)", err, res)
			}
			return
		}
		org, err := engine.ParseOrganization(res.JSON)
		if err != nil {
			return
		}
		if len(org.Accounts()) != len(res.Snapshot.Accounts) || len(org.OrganizationalUnits()) != len(res.Snapshot.OrganizationalUnits) ||
			len(org.Policies()) != len(res.Snapshot.Policies) {
			t.Fatalf("the engine kept %d accounts, %d OUs, %d SCPs of %d, %d, %d", len(org.Accounts()), len(org.OrganizationalUnits()),
				len(org.Policies()), len(res.Snapshot.Accounts), len(res.Snapshot.OrganizationalUnits), len(res.Snapshot.Policies))
		}
		if !bytes.Equal(org.Snapshot(), res.JSON) {
			t.Fatal("the engine stores other bytes than the snapshot")
		}
	})
}
