package storage

import (
	"math/rand/v2"
	"testing"
)

func TestHashSet(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	in := map[uint64]bool{}
	var first []uint64
	for i := 0; i < 5000; i++ {
		x := r.Uint64()
		in[x] = true
		first = append(first, x)
	}
	h := newHashSet(nil)
	h.add(first)
	// Enough additions to force merges into the sorted array.
	for round := 0; round < 3; round++ {
		var more []uint64
		for i := 0; i < 300_000; i++ {
			x := r.Uint64()
			if i%7 == 0 {
				x = 0 // the extremes of the bucket range
			} else if i%11 == 0 {
				x = ^uint64(0)
			}
			in[x] = true
			more = append(more, x)
		}
		h.add(more)
	}
	for x := range in {
		if !h.has(x) {
			t.Fatalf("%x missing", x)
		}
	}
	misses := 0
	for i := 0; i < 100_000; i++ {
		if x := r.Uint64(); !in[x] && h.has(x) {
			misses++
		}
	}
	if misses != 0 {
		t.Fatalf("%d absent values found", misses)
	}
}

func BenchmarkHashSetHas(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	xs := make([]uint64, 1_000_000)
	for i := range xs {
		xs[i] = r.Uint64()
	}
	h := newHashSet(nil)
	h.add(xs)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.has(xs[i%len(xs)] ^ uint64(i&1))
	}
}
