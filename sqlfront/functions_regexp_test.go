package sqlfront

import (
	"sync"
	"testing"
)

// TestRegexpFunctions: the regular-expression functions run on the ICU
// WebAssembly module of lastaccess's copy of go-icu-regex, whose module pool
// is built on first use instead of at start-up
// (internal/third_party/go-icu-regex/PATCHES.md). The first statements to
// need it, from several connections at once, all get answers, and the
// answers are MySQL's.
func TestRegexpFunctions(t *testing.T) {
	ts := startServer(t)
	reader := ts.open(readerUser, readerPassword)
	cases := []struct{ query, want string }{
		{"SELECT 'iam:GetUser' REGEXP '^iam:'", "1"},
		{"SELECT 'sts:AssumeRole' REGEXP '^iam:'", "0"},
		{"SELECT regexp_like('GenerateServiceLastAccessedDetails', 'last', 'i')", "1"},
		{"SELECT regexp_like('GenerateServiceLastAccessedDetails', 'last', 'c')", "0"},
		{"SELECT regexp_substr('o-a1b2c3d4e5/r-ab12/ou-ab12-11111111', 'ou-[a-z0-9]+-[a-z0-9]+')", "ou-ab12-11111111"},
		{"SELECT regexp_instr('arn:aws:iam::111111111111:role/x', '[0-9]{12}')", "14"},
		{"SELECT regexp_replace('s3.amazonaws.com', '\\\\.amazonaws\\\\.com$', '')", "s3"},
	}
	var wg sync.WaitGroup
	errs := make(chan string, len(cases)*4)
	for range 4 {
		for _, c := range cases {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var got string
				if err := reader.QueryRow(c.query).Scan(&got); err != nil {
					errs <- c.query + ": " + err.Error()
					return
				}
				if got != c.want {
					errs <- c.query + ": got " + got + ", want " + c.want
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	var n int
	if err := reader.QueryRow("SELECT count(*) FROM information_schema.ROUTINES WHERE ROUTINE_NAME REGEXP '^generate_'").Scan(&n); err != nil || n == 0 {
		t.Errorf("REGEXP over a table: %d rows, %v", n, err)
	}
	if _, err := reader.Exec("SELECT 'a' REGEXP '('"); err == nil {
		t.Error("an invalid pattern was accepted")
	}
}
