package gen

import (
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// generator holds what every account's records are drawn from. It is
// read-only once built, so accounts are planned concurrently.
type generator struct {
	cfg          Config
	services     []*service
	shape        *orgShape
	org          *Org
	counts       []int // records per account (index of shape.accounts)
	globalRegion string
	start, end   int64
	ext          string
	trail        string
}

func newGenerator(cfg Config) (*generator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	g := &generator{cfg: cfg, start: cfg.Start.Unix(), end: cfg.End.Unix()}
	g.services = selectServices(cfg.Catalog, cfg.Services, cfg.Seed)
	g.shape = buildOrg(cfg, g.services)
	g.org = g.shape.org
	g.globalRegion = cfg.Regions[0]
	if slices.Contains(cfg.Regions, "us-east-1") {
		g.globalRegion = "us-east-1"
	}
	g.ext = ".json"
	if cfg.NDJSON {
		g.ext = ".jsonl"
	}
	if !cfg.Uncompressed {
		g.ext += ".gz"
	}
	g.trail = "management-events"
	if cfg.OrgTrail {
		g.trail = "org-trail"
	}
	g.distribute()
	return g, nil
}

// distribute shares Records among the accounts with a skew: a few busy
// accounts, many quiet ones, a few with no activity at all.
func (g *generator) distribute() {
	r := newRand(g.cfg.Seed, streamCounts)
	accts := g.shape.accounts
	w := make([]float64, len(accts))
	total := 0.0
	for i, a := range accts {
		x := math.Exp(1.1 * r.NormFloat64())
		switch {
		case a.management:
			x = 1
		case a.inactive:
			x = 0
		}
		w[i] = x
		total += x
	}
	g.counts = make([]int, len(accts))
	left := g.cfg.Records
	for i := range accts {
		n := int(float64(g.cfg.Records) * w[i] / total)
		g.counts[i] = n
		left -= n
	}
	for i := 0; left > 0; i = (i + 1) % len(accts) {
		if w[i] > 0 {
			g.counts[i]++
			left--
		}
	}
}

// accountPlan is the records and log files of one account.
type accountPlan struct {
	recs  []Record
	files []filePlan
}

// filePlan is one log file: its records as indexes into recs; ^i marks a
// duplicate of recs[i].
type filePlan struct {
	path   string
	region string
	at     int64 // delivery time
	recs   []int32
}

// Records returns the records of the export in export order: account by
// account, file by file, duplicates included. WriteExport writes exactly
// these records.
func Records(cfg Config) (iter.Seq[Record], error) {
	g, err := newGenerator(cfg)
	if err != nil {
		return nil, err
	}
	return func(yield func(Record) bool) {
		for ai := range g.shape.accounts {
			p := g.planAccount(ai)
			for _, f := range p.files {
				for _, i := range f.recs {
					rec := p.recs[max(i, ^i)]
					if i < 0 {
						rec.Duplicate = true
						rec.File = f.path
					}
					if !yield(rec) {
						return
					}
				}
			}
		}
	}, nil
}

// accountGen draws the records of one account from its own random stream.
type accountGen struct {
	g          *generator
	a          *accountInfo
	r          *rand.Rand
	principals []*principal
	pickP      weighted
	roles      []*principal
	users      []*principal
	root       *principal
	cross      map[string]*principal // roles of other accounts, by account id
	svcs       []int                 // indexes into g.services
	pickS      weighted
	windows    [][2]int64
	regions    []string
	pickR      weighted
	resources  []string
}

func (g *generator) newAccountGen(ai int) *accountGen {
	a := &g.shape.accounts[ai]
	r := newRand(g.cfg.Seed, streamAccount+uint64(ai))
	ag := &accountGen{g: g, a: a, r: r}
	ag.principals, ag.pickP = newPrincipals(r, a.id)
	for _, p := range ag.principals {
		switch p.kind {
		case pRole:
			ag.roles = append(ag.roles, p)
		case pUser:
			ag.users = append(ag.users, p)
		case pRoot:
			ag.root = p
		}
	}

	// Services: the popular ones nearly everywhere, a long tail; little
	// traffic to the services SCPs deny.
	var sw []float64
	for i, sv := range g.services {
		if r.Float64() >= sv.inclusion {
			continue
		}
		w := sv.popularity * math.Exp(0.7*r.NormFloat64())
		if a.blocked[i] {
			w *= 0.05
		}
		ag.svcs = append(ag.svcs, i)
		sw = append(sw, w)
		lo, hi := g.start, g.end
		if r.IntN(2) == 0 { // used during part of the period only
			span := hi - lo
			lo += r.Int64N(span)
			hi = lo + max(86400, r.Int64N(g.end-lo+1))
			hi = min(hi, g.end)
			lo = min(lo, hi-1)
		}
		ag.windows = append(ag.windows, [2]int64{lo, hi})
	}
	if len(ag.svcs) == 0 {
		ag.svcs, sw = []int{0}, []float64{1}
		ag.windows = [][2]int64{{g.start, g.end}}
	}
	ag.pickS = newWeighted(sw)

	// Regions: a primary one (allowed by a region lock, if any) and a few
	// others.
	regs := g.cfg.Regions
	primary := regs[r.IntN(len(regs))]
	if a.lock != nil && !a.lock.allowed[primary] {
		var allowed []string
		for _, reg := range regs {
			if a.lock.allowed[reg] {
				allowed = append(allowed, reg)
			}
		}
		if len(allowed) > 0 {
			primary = allowed[r.IntN(len(allowed))]
		}
	}
	ag.regions = []string{primary}
	rw := []float64{1}
	for _, reg := range regs {
		if reg != primary && r.Float64() < 0.35 {
			ag.regions = append(ag.regions, reg)
			rw = append(rw, 0.1+0.2*r.Float64())
		}
	}
	ag.pickR = newWeighted(rw)

	for _, i := range r.Perm(len(resourceNames))[:6] {
		ag.resources = append(ag.resources, resourceNames[i]+"-"+randString(r, lowerAlnum, 6))
	}
	return ag
}

var resourceNames = []string{"orders", "payments", "audit-logs", "analytics", "web-assets", "sessions", "inventory", "billing-reports", "ml-features", "backups", "customer-data", "build-artifacts"}

var noiseWeights = newWeighted([]float64{
	KindAWSService:      30,
	KindAWSAccount:      14,
	KindSAMLUser:        8,
	KindWebIdentityUser: 6,
	KindConsoleSignIn:   12,
	KindServiceEvent:    10,
	KindAuthFailure:     12,
	KindNetworkActivity: 8,
})

// planAccount draws the records of account ai and lays them out in files.
func (g *generator) planAccount(ai int) *accountPlan {
	n := g.counts[ai]
	p := &accountPlan{}
	if n == 0 {
		return p
	}
	ag := g.newAccountGen(ai)
	r := ag.r
	dups := 0
	for range n {
		if r.Float64() < g.cfg.DupFraction {
			dups++
		}
	}
	distinct := n - dups
	p.recs = make([]Record, distinct)
	var counted []int32
	for i := range p.recs {
		rec := &p.recs[i]
		if r.Float64() < g.cfg.NoiseFraction/(1-g.cfg.DupFraction) {
			ag.noise(rec, Kind(noiseWeights.pick(r)))
		} else {
			ag.counted(rec)
			counted = append(counted, int32(i))
		}
	}
	for dups > 0 && len(counted) == 0 { // nothing to repeat: draw more records
		rec := Record{}
		ag.counted(&rec)
		counted = append(counted, int32(len(p.recs)))
		p.recs = append(p.recs, rec)
		dups--
	}

	// Order by region and time, then cut into files.
	order := make([]int32, len(p.recs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(x, y int32) int {
		a, b := &p.recs[x], &p.recs[y]
		if c := strings.Compare(a.Region, b.Region); c != 0 {
			return c
		}
		return int(a.unix - b.unix)
	})
	fileOf := make([]int32, len(p.recs))
	per, window := g.cfg.RecordsPerFile, int64(g.cfg.FileWindow/time.Second)
	for i := 0; i < len(order); {
		first := &p.recs[order[i]]
		j := i + 1
		for j < len(order) && j-i < per {
			next := &p.recs[order[j]]
			if next.Region != first.Region || window > 0 && next.unix-first.unix >= window {
				break
			}
			j++
		}
		f := filePlan{region: first.Region, recs: slices.Clone(order[i:j])}
		f.at = (p.recs[order[j-1]].unix/300 + 1) * 300
		for _, k := range f.recs {
			fileOf[k] = int32(len(p.files))
		}
		p.files = append(p.files, f)
		i = j
	}
	// Duplicates land in the same file or the next one of the same stream,
	// as overlapping deliveries do.
	for range dups {
		c := counted[r.IntN(len(counted))]
		f := int(fileOf[c])
		if f+1 < len(p.files) && p.files[f+1].region == p.files[f].region && r.IntN(2) == 0 {
			f++
		}
		fr := &p.files[f]
		pos := r.IntN(len(fr.recs) + 1)
		fr.recs = slices.Insert(fr.recs, pos, ^c)
	}
	for fi := range p.files {
		f := &p.files[fi]
		f.path = g.logPath(ag.a.id, f.region, f.at, randString(r, mixedAlnum, 16))
		for _, k := range f.recs {
			if k >= 0 {
				p.recs[k].File = f.path
			}
		}
	}
	return p
}

// accountDir is AWSLogs/[<o-id>/]<account>.
func (g *generator) accountDir(acct string) string {
	if g.cfg.OrgTrail {
		return "AWSLogs/" + g.org.Organization.ID + "/" + acct
	}
	return "AWSLogs/" + acct
}

func (g *generator) logPath(acct, region string, at int64, suffix string) string {
	t := time.Unix(at, 0).UTC()
	return g.accountDir(acct) + "/CloudTrail/" + region + "/" + t.Format("2006/01/02") + "/" +
		acct + "_CloudTrail_" + region + "_" + t.Format("20060102T1504Z") + "_" + suffix + g.ext
}

func (g *generator) digestPath(acct, region string, at int64) string {
	t := time.Unix(at, 0).UTC()
	return g.accountDir(acct) + "/CloudTrail-Digest/" + region + "/" + t.Format("2006/01/02") + "/" +
		acct + "_CloudTrail-Digest_" + region + "_" + g.trail + "_" + region + "_" + t.Format("20060102T150405Z") + ".json.gz"
}
