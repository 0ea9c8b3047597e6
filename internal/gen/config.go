package gen

import (
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"time"

	"lastaccess/engine/catalog"
)

// Config describes an organization and its CloudTrail export. Every output
// of the package is a pure function of it. Zero values mean "none" for the
// fractions and flags; the defaults of the other fields are given per field.
type Config struct {
	// Seed selects the random stream.
	Seed uint64

	// Accounts is the number of accounts, the management account included
	// (at least 1).
	Accounts int
	// OUDepth is the number of OU levels below the root, OUFanout the number
	// of child OUs of the root and of every OU above the last level. Either
	// zero: no OUs, every account sits in the root.
	OUDepth, OUFanout int
	// NoSCPs leaves every policy out: the snapshot of an organization
	// without SCPs enabled.
	NoSCPs bool

	// Services is the number of catalog services the principals use
	// (default 20; more than the catalog holds means all of them).
	Services int
	// Records is the number of records in the export, duplicates included.
	Records int
	// Start and End bound eventTime: Start ≤ eventTime < End (default: the
	// 400 days before DefaultEnd).
	Start, End time.Time
	// Regions the accounts work in (default DefaultRegions). Global
	// services (IAM, Organizations, Route 53, CloudFront) log in us-east-1
	// when it is listed, else in the first region.
	Regions []string

	// NoiseFraction is the fraction of records that must not count as
	// accesses (SPEC §2), spread over the non-counted kinds.
	NoiseFraction float64
	// DeniedFraction is the fraction of counted records with an AccessDenied
	// error, besides the calls the SCPs deny.
	DeniedFraction float64
	// DupFraction is the fraction of records that repeat a counted record
	// exactly (same eventID), as overlapping exports do.
	DupFraction float64

	// RecordsPerFile caps the records of one log file (default 100).
	RecordsPerFile int
	// FileWindow caps the time one log file spans (default: no cap).
	FileWindow time.Duration
	// OrgTrail writes the organization-trail layout
	// AWSLogs/<o-id>/<account>/CloudTrail/... instead of
	// AWSLogs/<account>/CloudTrail/...
	OrgTrail bool
	// NDJSON writes one record per line (.jsonl) instead of a
	// {"Records":[...]} document (.json).
	NDJSON bool
	// Uncompressed writes log files without gzip (digests stay gzipped).
	Uncompressed bool
	// NoDigests leaves the CloudTrail-Digest files out.
	NoDigests bool
	// Workers is the number of goroutines WriteExport uses (default
	// GOMAXPROCS). The output does not depend on it.
	Workers int
	// Catalog is the service catalog (default catalog.Default()).
	Catalog *catalog.Catalog
}

// DefaultEnd is the end of the default time range (exclusive).
var DefaultEnd = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// DefaultRegions are the regions used when Config.Regions is empty.
var DefaultRegions = []string{"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "ap-northeast-1"}

// TrackingPeriod is the 400 days of SPEC §2.
const TrackingPeriod = 400 * 24 * time.Hour

// Sample is the small, human-sized organization bundled with lastaccess for
// make run and the README: a management account and 7 member accounts in 3
// OUs (Security, Workloads, Sandbox), SCPs of every kind, 20 services and
// about 2 000 records over the 400 days before 2026-11-01.
func Sample() Config {
	return Config{
		Seed:           20261125,
		Accounts:       8,
		OUDepth:        1,
		OUFanout:       3,
		Services:       20,
		Records:        2000,
		Start:          DefaultEnd.Add(-TrackingPeriod),
		End:            DefaultEnd,
		Regions:        []string{"us-east-1", "eu-west-1", "us-west-2"},
		NoiseFraction:  0.08,
		DeniedFraction: 0.02,
		DupFraction:    0.01,
		RecordsPerFile: 50,
	}
}

// Bench1M is the ingest benchmark: 1 000 000 records over 1 000 accounts in
// 20 OUs, 100 services.
func Bench1M() Config {
	return Config{
		Seed:           1,
		Accounts:       1000,
		OUDepth:        2,
		OUFanout:       4,
		Services:       100,
		Records:        1_000_000,
		Start:          DefaultEnd.Add(-TrackingPeriod),
		End:            DefaultEnd,
		NoiseFraction:  0.1,
		DeniedFraction: 0.02,
		DupFraction:    0.01,
		RecordsPerFile: 250,
	}
}

// Org10k is the large organization: 10 000 accounts in 84 OUs, 400
// services (all of the catalog's if it holds fewer) and 10 000 000 records;
// set Records for another size.
func Org10k() Config {
	return Config{
		Seed:           10000,
		Accounts:       10_000,
		OUDepth:        3,
		OUFanout:       4,
		Services:       400,
		Records:        10_000_000,
		Start:          DefaultEnd.Add(-TrackingPeriod),
		End:            DefaultEnd,
		NoiseFraction:  0.1,
		DeniedFraction: 0.02,
		DupFraction:    0.01,
		RecordsPerFile: 500,
	}
}

// Preset returns the preset of the name: "sample", "bench1m" or "org10k".
func Preset(name string) (Config, error) {
	switch name {
	case "sample":
		return Sample(), nil
	case "bench1m":
		return Bench1M(), nil
	case "org10k":
		return Org10k(), nil
	}
	return Config{}, fmt.Errorf("gen: unknown preset %q (want sample, bench1m or org10k)", name)
}

// Limits of Validate.
const (
	maxAccounts = 1_000_000
	maxOUs      = 100_000
	maxDepth    = 5 // AWS allows 5 OU levels below the root
)

var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)

// Validate reports what is wrong with the Config, all problems at once.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("gen: "+format, args...)) }
	if c.Accounts < 1 || c.Accounts > maxAccounts {
		bad("Accounts %d out of range [1, %d]", c.Accounts, maxAccounts)
	}
	if c.OUDepth < 0 || c.OUDepth > maxDepth {
		bad("OUDepth %d out of range [0, %d]", c.OUDepth, maxDepth)
	}
	if c.OUFanout < 0 {
		bad("OUFanout %d is negative", c.OUFanout)
	} else if n := ouCount(c.OUDepth, c.OUFanout); n > maxOUs {
		bad("OUDepth %d and OUFanout %d make more than %d OUs", c.OUDepth, c.OUFanout, maxOUs)
	}
	if c.Services < 0 {
		bad("Services %d is negative", c.Services)
	}
	if c.Records < 0 {
		bad("Records %d is negative", c.Records)
	}
	if !c.Start.IsZero() || !c.End.IsZero() {
		d := c.withDefaults()
		if !d.Start.Before(d.End) {
			bad("Start %s is not before End %s", d.Start.Format(time.RFC3339), d.End.Format(time.RFC3339))
		}
	}
	for _, r := range c.Regions {
		if !regionPattern.MatchString(r) {
			bad("invalid region %q", r)
		}
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"NoiseFraction", c.NoiseFraction}, {"DeniedFraction", c.DeniedFraction}, {"DupFraction", c.DupFraction}} {
		if !(f.v >= 0 && f.v <= 1) {
			bad("%s %v out of range [0, 1]", f.name, f.v)
		}
	}
	if c.NoiseFraction+c.DupFraction > 1 {
		bad("NoiseFraction + DupFraction %v exceeds 1", c.NoiseFraction+c.DupFraction)
	}
	if c.RecordsPerFile < 0 {
		bad("RecordsPerFile %d is negative", c.RecordsPerFile)
	}
	if c.FileWindow < 0 {
		bad("FileWindow %s is negative", c.FileWindow)
	}
	if c.Workers < 0 {
		bad("Workers %d is negative", c.Workers)
	}
	return errors.Join(errs...)
}

// withDefaults returns a copy with the documented defaults filled in.
func (c Config) withDefaults() Config {
	if c.Services == 0 {
		c.Services = 20
	}
	if c.End.IsZero() {
		c.End = DefaultEnd
		if !c.Start.IsZero() && !c.Start.Before(c.End) {
			c.End = c.Start.Add(TrackingPeriod)
		}
	}
	if c.Start.IsZero() {
		c.Start = c.End.Add(-TrackingPeriod)
	}
	c.Start, c.End = c.Start.UTC().Truncate(time.Second), c.End.UTC().Truncate(time.Second)
	if len(c.Regions) == 0 {
		c.Regions = DefaultRegions
	}
	if c.RecordsPerFile == 0 {
		c.RecordsPerFile = 100
	}
	if c.Workers == 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.Catalog == nil {
		c.Catalog = catalog.Default()
	}
	if c.OUDepth == 0 || c.OUFanout == 0 {
		c.OUDepth, c.OUFanout = 0, 0
	}
	return c
}

// ouCount is the number of OUs of a full tree, or maxOUs+1 when larger.
func ouCount(depth, fanout int) int {
	if depth <= 0 || fanout <= 0 {
		return 0
	}
	total, level := 0, 1
	for range depth {
		level *= fanout
		total += level
		if total > maxOUs {
			return maxOUs + 1
		}
	}
	return total
}
