package engine

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"sort"
)

// CheckResult describes a data directory's consistency.
type CheckResult struct {
	Events     int64
	Accounts   int
	Principals int
	// Digest is a hash of the rollup state recomputed from the log: two
	// directories holding the same events have the same digest.
	Digest string
	// Problems lists rollup entries that differ from the log; empty when
	// the directory is consistent.
	Problems []string
}

// maxCheckProblems caps the problems a check lists.
const maxCheckProblems = 50

// Check recomputes every rollup from the event log and compares it with
// the stored rollups (rows merged with the pending changes). It writes nothing;
// appends wait while it runs.
func (e *Engine) Check(ctx context.Context) (CheckResult, error) {
	var res CheckResult
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	e.stateMu.RLock()
	snap := e.store.Snapshot()
	pending := newRollupDelta()
	pending.merge(e.pending)
	e.stateMu.RUnlock()
	defer snap.Close()

	fromLog := newRollupDelta()
	err := snap.ScanEvents(EventQuery{}, func(ev *Event) error {
		res.Events++
		if res.Events%8192 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		fromLog.push(ev)
		return nil
	})
	if err != nil {
		return res, err
	}
	stored, err := e.storedRollups()
	if err != nil {
		return res, err
	}
	stored.merge(pending)

	accounts := map[string]bool{}
	for k := range fromLog.org {
		accounts[k.Account] = true
	}
	res.Accounts, res.Principals = len(accounts), len(fromLog.principal)
	res.Digest = rollupDigest(fromLog)
	problem := func(format string, args ...any) {
		if len(res.Problems) < maxCheckProblems {
			res.Problems = append(res.Problems, fmt.Sprintf(format, args...))
		}
	}
	for k, want := range fromLog.org {
		if got := stored.org[k]; got != want {
			problem("account %s, service %s: rollup %+v, log %+v", k.Account, k.Namespace, got, want)
		}
	}
	for k, got := range stored.org {
		if _, ok := fromLog.org[k]; !ok {
			problem("account %s, service %s: rollup %+v without events in the log", k.Account, k.Namespace, got)
		}
	}
	for arn, want := range fromLog.principal {
		for k, w := range want {
			if got := stored.principal[arn][k]; got != w {
				problem("principal %s, %s:%s: rollup %+v, log %+v", arn, k.Namespace, k.Action, got, w)
			}
		}
	}
	for arn, got := range stored.principal {
		for k, g := range got {
			if _, ok := fromLog.principal[arn][k]; !ok {
				problem("principal %s, %s:%s: rollup %+v without events in the log", arn, k.Namespace, k.Action, g)
			}
		}
	}
	return res, nil
}

// storedRollups reads every persisted rollup row into a delta.
func (e *Engine) storedRollups() (*rollupDelta, error) {
	out := newRollupDelta()
	err := e.store.ScanRollupRows(rowKindOrg, func(account string, value []byte) error {
		entries, err := decodeOrgRow(value)
		if err != nil {
			return fmt.Errorf("engine: rollup row of account %s: %w", account, err)
		}
		for _, en := range entries {
			out.org[orgKey{account, en.Namespace}] = en.At
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = e.store.ScanRollupRows(rowKindPrincipal, func(arn string, value []byte) error {
		entries, err := decodePrincipalRow(value)
		if err != nil {
			return fmt.Errorf("engine: rollup row of %s: %w", arn, err)
		}
		for _, en := range entries {
			out.mergeAction(arn, actionKey{en.Namespace, en.Action}, en.Access)
		}
		return nil
	})
	return out, err
}

// rollupDigest hashes a rollup state in a canonical order.
func rollupDigest(d *rollupDelta) string {
	h := sha256.New()
	var buf []byte
	orgKeys := make([]orgKey, 0, len(d.org))
	for k := range d.org {
		orgKeys = append(orgKeys, k)
	}
	sort.Slice(orgKeys, func(i, j int) bool {
		if orgKeys[i].Account != orgKeys[j].Account {
			return orgKeys[i].Account < orgKeys[j].Account
		}
		return orgKeys[i].Namespace < orgKeys[j].Namespace
	})
	for _, k := range orgKeys {
		a := d.org[k]
		buf = fmt.Appendf(buf[:0], "o\x00%s\x00%s\x00%s\x00", k.Account, k.Namespace, a.Region)
		buf = binary.BigEndian.AppendUint64(buf, uint64(a.Time))
		h.Write(buf)
	}
	for _, arn := range slices.Sorted(maps.Keys(d.principal)) {
		m := d.principal[arn]
		keys := make([]actionKey, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if keys[i].Namespace != keys[j].Namespace {
				return keys[i].Namespace < keys[j].Namespace
			}
			return keys[i].Action < keys[j].Action
		})
		for _, k := range keys {
			a := m[k]
			buf = fmt.Appendf(buf[:0], "p\x00%s\x00%s\x00%s\x00%s\x00%s\x00", arn, k.Namespace, k.Action, a.All.Region, a.Management.Region)
			buf = binary.BigEndian.AppendUint64(buf, uint64(a.All.Time))
			buf = binary.BigEndian.AppendUint64(buf, uint64(a.Management.Time))
			h.Write(buf)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
