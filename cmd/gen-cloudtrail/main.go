// Command gen-cloudtrail writes a synthetic organization snapshot (org.json)
// and CloudTrail export (AWSLogs/...) for tests, the bundled sample and
// benchmarks, and prints the manifest of what it wrote as JSON.
//
//	gen-cloudtrail -out DIR [-preset sample|bench1m|org10k] [overrides]
//	gen-cloudtrail -out - [...]   # NDJSON records on stdout, manifest on stderr
//	gen-cloudtrail -out DIR -iam  # also DIR/iam/<account>.json (authorization details)
//
// The output is a pure function of the flags: the same flags give
// byte-identical files.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"lastaccess/internal/gen"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "gen-cloudtrail:", err)
		}
		os.Exit(2)
	}
}

// output is what the command prints on success.
type output struct {
	Preset   string
	Seed     uint64
	OrgFile  string `json:",omitempty"`
	IAMFiles int    `json:",omitempty"` // iam/<account>.json files written (-iam)
	Manifest gen.Manifest
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen-cloudtrail", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		out        = fs.String("out", "", "output `directory` (required): writes org.json and AWSLogs/ there; - streams the records as NDJSON to stdout and the manifest to stderr")
		preset     = fs.String("preset", "sample", "base configuration: sample, bench1m or org10k")
		accounts   = fs.Int("accounts", 0, "accounts, the management account included")
		ouDepth    = fs.Int("ou-depth", 0, "OU levels below the root")
		ouFanout   = fs.Int("ou-fanout", 0, "child OUs per root or OU")
		records    = fs.Int("records", 0, "records in the export, duplicates included")
		services   = fs.Int("services", 0, "catalog services in use")
		seed       = fs.Uint64("seed", 0, "random seed")
		start      = fs.String("start", "", "earliest eventTime (RFC 3339 or YYYY-MM-DD)")
		end        = fs.String("end", "", "eventTime upper bound, exclusive (RFC 3339 or YYYY-MM-DD)")
		perFile    = fs.Int("records-per-file", 0, "records per log file at most")
		fileWindow = fs.Duration("file-window", 0, "time span of one log file at most (0: no limit)")
		orgTrail   = fs.Bool("org-trail", false, "organization-trail layout AWSLogs/<o-id>/<account>/...")
		ndjson     = fs.Bool("ndjson", false, "write NDJSON log files (.jsonl.gz)")
		uncomp     = fs.Bool("uncompressed", false, "do not gzip the log files")
		noDigests  = fs.Bool("no-digests", false, "do not write CloudTrail-Digest files")
		dup        = fs.Float64("dup-fraction", 0, "fraction of records repeating a counted record (same eventID)")
		noise      = fs.Float64("noise-fraction", 0, "fraction of records that must not count as accesses")
		denied     = fs.Float64("denied-fraction", 0, "fraction of counted records with AccessDenied")
		noSCPs     = fs.Bool("no-scps", false, "organization without SCPs (no policies)")
		workers    = fs.Int("workers", 0, "goroutines (0: GOMAXPROCS); does not change the output")
		force      = fs.Bool("force", false, "remove DIR/AWSLogs and DIR/org.json (and DIR/iam with -iam) first")
		iamDetails = fs.Bool("iam", false, "also write DIR/iam/<account>.json: each account's `aws iam get-account-authorization-details` output")
		iamEncoded = fs.Bool("iam-url-encoded", false, "with -iam: policy documents URL-encoded, as the IAM API returns them")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *out == "" {
		return errors.New("-out DIR is required")
	}
	cfg, err := gen.Preset(*preset)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	apply := func(name string, fn func()) {
		if set[name] {
			fn()
		}
	}
	apply("accounts", func() { cfg.Accounts = *accounts })
	apply("ou-depth", func() { cfg.OUDepth = *ouDepth })
	apply("ou-fanout", func() { cfg.OUFanout = *ouFanout })
	apply("records", func() { cfg.Records = *records })
	apply("services", func() { cfg.Services = *services })
	apply("seed", func() { cfg.Seed = *seed })
	apply("records-per-file", func() { cfg.RecordsPerFile = *perFile })
	apply("file-window", func() { cfg.FileWindow = *fileWindow })
	apply("org-trail", func() { cfg.OrgTrail = *orgTrail })
	apply("ndjson", func() { cfg.NDJSON = *ndjson })
	apply("uncompressed", func() { cfg.Uncompressed = *uncomp })
	apply("no-digests", func() { cfg.NoDigests = *noDigests })
	apply("dup-fraction", func() { cfg.DupFraction = *dup })
	apply("noise-fraction", func() { cfg.NoiseFraction = *noise })
	apply("denied-fraction", func() { cfg.DeniedFraction = *denied })
	apply("no-scps", func() { cfg.NoSCPs = *noSCPs })
	apply("workers", func() { cfg.Workers = *workers })
	for _, tf := range []struct {
		name string
		val  *string
		dst  *time.Time
	}{{"start", start, &cfg.Start}, {"end", end, &cfg.End}} {
		if !set[tf.name] {
			continue
		}
		t, err := parseTime(*tf.val)
		if err != nil {
			return fmt.Errorf("-%s: %w", tf.name, err)
		}
		*tf.dst = t
	}
	if err := cfg.Validate(); err != nil {
		return err
	}

	if *out == "-" {
		m, err := gen.WriteNDJSON(cfg, stdout)
		if err != nil {
			return err
		}
		return printManifest(stderr, output{Preset: *preset, Seed: cfg.Seed, Manifest: m})
	}
	if *force {
		if err := os.RemoveAll(filepath.Join(*out, "AWSLogs")); err != nil {
			return err
		}
		if err := os.Remove(filepath.Join(*out, "org.json")); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if *iamDetails {
			if err := os.RemoveAll(filepath.Join(*out, "iam")); err != nil {
				return err
			}
		}
	}
	began := time.Now()
	org, err := gen.Organization(cfg)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	m, err := gen.WriteExport(cfg, *out)
	if err != nil {
		return err
	}
	if err := writeOrg(filepath.Join(*out, "org.json"), org); err != nil {
		return err
	}
	var iamFiles []string
	if *iamDetails {
		if iamFiles, err = gen.WriteAuthorizationDetails(cfg, *out, gen.IAMOptions{URLEncoded: *iamEncoded}); err != nil {
			return err
		}
	}
	elapsed := time.Since(began)
	fmt.Fprintf(stderr, "gen-cloudtrail: %d records in %d files (%.1f MB) in %s, %.0f records/s\n",
		m.Records, m.Files, float64(m.Bytes)/1e6, elapsed.Round(time.Millisecond), float64(m.Records)/elapsed.Seconds())
	return printManifest(stdout, output{Preset: *preset, Seed: cfg.Seed, OrgFile: "org.json", IAMFiles: len(iamFiles), Manifest: m})
}

func printManifest(w io.Writer, out output) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func writeOrg(path string, org *gen.Org) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := org.WriteOrgJSON(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither RFC 3339 nor YYYY-MM-DD", s)
	}
	return t, nil
}
