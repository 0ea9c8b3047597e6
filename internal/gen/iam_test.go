package gen

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestAuthorizationDetails(t *testing.T) {
	cfg := Sample()
	files, err := AuthorizationDetails(cfg, IAMOptions{})
	if err != nil {
		t.Fatal(err)
	}
	org, err := Organization(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(org.Accounts) {
		t.Fatalf("%d files for %d accounts", len(files), len(org.Accounts))
	}
	// Every principal of the records that is an IAM user or role of its
	// account is described by that account's file.
	described := map[string]bool{}
	for _, f := range files {
		var d authDetails
		if err := json.Unmarshal(f.JSON, &d); err != nil {
			t.Fatalf("%s: %v", f.Account, err)
		}
		for _, u := range d.UserDetailList {
			described[u.Arn] = true
			if len(u.GroupList) == 0 {
				t.Errorf("user %s in no group", u.Arn)
			}
		}
		for _, r := range d.RoleDetailList {
			described[r.Arn] = true
		}
		threeWays := 0
		for _, p := range d.Policies {
			if p.PolicyName == "AppAccess" {
				threeWays = p.AttachmentCount
			}
		}
		if threeWays < 3 {
			t.Errorf("%s: AppAccess attached %d times", f.Account, threeWays)
		}
	}
	recs, err := Records(cfg)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for rec := range recs {
		if rec.Kind != KindCounted || !(strings.Contains(rec.PrincipalARN, ":user/") || strings.Contains(rec.PrincipalARN, ":role/")) {
			continue
		}
		checked++
		if !described[rec.PrincipalARN] {
			t.Fatalf("principal %s of record %s is in no authorization details file", rec.PrincipalARN, rec.EventID)
		}
	}
	if checked == 0 {
		t.Fatal("no records checked")
	}
	// Deterministic, and URL-encoding changes only the documents.
	again, _ := AuthorizationDetails(cfg, IAMOptions{})
	enc, _ := AuthorizationDetails(cfg, IAMOptions{URLEncoded: true})
	for i := range files {
		if !bytes.Equal(files[i].JSON, again[i].JSON) {
			t.Fatalf("%s: not deterministic", files[i].Account)
		}
		if !bytes.Contains(enc[i].JSON, []byte(`"PolicyDocument": "%7B%22Version%22`)) {
			t.Fatalf("%s: documents not URL-encoded", files[i].Account)
		}
	}
}
