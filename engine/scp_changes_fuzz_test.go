package engine_test

import (
	"testing"

	"lastaccess/engine"
)

// FuzzSCPChanges: any text given as a change set is either applied,
// giving a valid organization with the same roots, OUs and accounts, or
// refused with ValidationError or InvalidInput; nothing panics and the
// organization it was applied to is unchanged.
func FuzzSCPChanges(f *testing.F) {
	org, err := engine.ParseOrganization([]byte(scopeOrg().JSON()))
	if err != nil {
		f.Fatal(err)
	}
	before := string(org.Snapshot())
	for _, s := range []string{
		whatIfChanges,
		`[{"Detach": "p-denysqs0000", "Target": "r-f6g7h8i9j0example"}]`,
		`[{"Attach": {"PolicyId": "p-unattached0"}, "Target": "333333333333"}]`,
		`[{"Replace": "p-allowlist00", "Content": {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*"}]}}]`,
		`[{"Detach": "p-FullAWSAccess", "Target": "333333333333"}]`,
		`[]`, `{}`, `null`, `[null]`, `[{}]`, `[{"Attach": {}}]`, "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		changed, err := engine.ApplySCPChangeSet(org, text)
		if string(org.Snapshot()) != before {
			t.Fatal("the organization changed")
		}
		if err != nil {
			if c := engine.ErrorCode(err); c != engine.CodeValidationError && c != engine.CodeInvalidInput {
				t.Fatalf("%q: error without a SPEC code: %v", text, err)
			}
			return
		}
		if len(changed.Accounts()) != len(org.Accounts()) || len(changed.OrganizationalUnits()) != len(org.OrganizationalUnits()) || changed.Root.Path != org.Root.Path {
			t.Fatalf("%q: the structure changed", text)
		}
	})
}
