package engine_test

import (
	"bytes"
	"context"
	"testing"

	"lastaccess/engine"
	"lastaccess/ingest"
	"lastaccess/internal/gen"
)

// TestGeneratedAuthorizationDetails: the generator's authorization
// details import without warnings and describe the principals of its
// records: the bundled sample's reports have data for users, roles,
// groups and policies.
func TestGeneratedAuthorizationDetails(t *testing.T) {
	cfg := gen.Sample()
	te := newTestEnv(t, cfg.End)
	files, err := gen.AuthorizationDetails(cfg, gen.IAMOptions{URLEncoded: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		res := te.importIAM(string(f.JSON))
		if res.Account != f.Account || len(res.Warnings) > 0 || res.Users == 0 || res.Roles == 0 {
			t.Fatalf("import %s: %+v", f.Account, res)
		}
	}
	recs, err := gen.Records(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for rec := range recs {
		buf.Write(rec.AppendJSON(nil))
		buf.WriteByte('\n')
	}
	events, _, errs := ingest.ParseRecords("sample", buf.Bytes(), te.eng.Catalog())
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	te.append(events...)
	// The busiest account's customer managed policy and group.
	perAccount := map[string]int{}
	busiest := ""
	for i := range events {
		a := events[i].AccountID
		if perAccount[a]++; perAccount[a] > perAccount[busiest] {
			busiest = a
		}
	}
	used := map[string]int{}
	for _, arn := range []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::" + busiest + ":policy/AppAccess",
		"arn:aws:iam::" + busiest + ":group/ReadOnly"} {
		for _, s := range te.sla(arn, "").ServicesLastAccessed {
			if s.LastAuthenticated != nil {
				used[arn]++
			}
		}
		if used[arn] == 0 {
			t.Errorf("%s: no service with an access", arn)
		}
	}
	// Every role of the records (session issuers) has a report with data.
	roles := 0
	for i := range events {
		ev := &events[i]
		if ev.PrincipalType != engine.PrincipalAssumedRole || roles > 5 {
			continue
		}
		roles++
		id, err := te.eng.GenerateServiceLastAccessedDetails(context.Background(), engine.GenerateServiceLastAccessedDetailsInput{Arn: ev.PrincipalARN})
		if err != nil {
			t.Fatalf("role %s: %v", ev.PrincipalARN, err)
		}
		if got := te.slaFetch(id, 1000); len(got.ServicesLastAccessed) == 0 {
			t.Fatalf("role %s lists no service", ev.PrincipalARN)
		}
	}
}
