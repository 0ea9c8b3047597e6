package engine_test

import (
	"strings"
	"testing"

	"go.uber.org/goleak"

	"lastaccess/engine"
	"lastaccess/storage"
)

// TestMain fails the package when a test leaves a goroutine behind:
// report jobs and the entity reports' workers run in the background, and
// Engine.Close must wait for them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestOptionsValidate: options that cannot work are refused by name, not
// turned into defaults; zero means the default.
func TestOptionsValidate(t *testing.T) {
	st, err := storage.Open(t.TempDir(), storage.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, c := range []struct {
		opts engine.Options
		want string
	}{
		{engine.Options{MaxOrgJobsInProgress: -1}, "engine: MaxOrgJobsInProgress -1 < 0"},
		{engine.Options{FoldBytes: -5}, "engine: FoldBytes -5 < 0"},
		{engine.Options{MaxOrgJobsInProgress: -2, FoldBytes: -1}, "MaxOrgJobsInProgress -2 < 0\nengine: FoldBytes -1 < 0"},
	} {
		if err := c.opts.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: Validate() = %v, want %q", c.opts, err, c.want)
		}
		if eng, err := engine.Open(st, c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			if eng != nil {
				eng.Close()
			}
			t.Errorf("%+v: Open: %v, want %q", c.opts, err, c.want)
		}
	}
	var opts engine.Options
	opts.EnsureDefaults()
	if err := opts.Validate(); err != nil || opts.MaxOrgJobsInProgress != 100 || opts.FoldBytes != 16<<20 || opts.Clock == nil || opts.Logger == nil {
		t.Fatalf("defaults: %+v, %v", opts, err)
	}
	eng, err := engine.Open(st, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	eng.Close()
}
