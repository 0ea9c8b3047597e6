package gen

import (
	"math/rand/v2"
	"sort"
)

// Random streams. Each part of the output draws from its own stream, so
// that (for example) the records of account 7 do not depend on how many
// random numbers the organization needed.
const (
	streamServices uint64 = 1
	streamOrg      uint64 = 2
	streamCounts   uint64 = 3
	streamAccount  uint64 = 1 << 32 // + account index
)

// splitmix64 scrambles x; it turns neighbouring stream numbers into
// unrelated PCG states.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// newRand returns the random stream of a seed.
func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(splitmix64(seed^splitmix64(stream)), splitmix64(stream+0x632be59bd9b4e019)))
}

const (
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	mixedAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	upperIDSet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" // AWS unique ids and access keys
	digits     = "0123456789"
	hexDigits  = "0123456789abcdef"
)

func appendRandom(dst []byte, r *rand.Rand, alphabet string, n int) []byte {
	for range n {
		dst = append(dst, alphabet[r.IntN(len(alphabet))])
	}
	return dst
}

func randString(r *rand.Rand, alphabet string, n int) string {
	return string(appendRandom(make([]byte, 0, n), r, alphabet, n))
}

// uuid4 draws a random (version 4) UUID.
func uuid4(r *rand.Rand) (u [16]byte) {
	hi, lo := r.Uint64(), r.Uint64()
	for i := range 8 {
		u[i] = byte(hi >> (56 - 8*i))
		u[8+i] = byte(lo >> (56 - 8*i))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

func appendUUID(dst []byte, u [16]byte) []byte {
	for i, b := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexDigits[b>>4], hexDigits[b&15])
	}
	return dst
}

// appendDerived appends n characters of alphabet derived from seed: a
// random-looking string that needs no storage (session access keys,
// x-amz-id-2 values).
func appendDerived(dst []byte, seed uint64, alphabet string, n int) []byte {
	x := seed
	for i := 0; i < n; {
		x = splitmix64(x)
		for b := x; i < n && b > 0xff; b >>= 8 { // ~7 characters per draw
			dst = append(dst, alphabet[int(b&0xff)%len(alphabet)])
			i++
		}
	}
	return dst
}

// weighted picks indexes with probability proportional to their weights.
type weighted struct{ cum []float64 }

func newWeighted(w []float64) weighted {
	cum := make([]float64, len(w))
	s := 0.0
	for i, x := range w {
		s += x
		cum[i] = s
	}
	return weighted{cum}
}

func (w weighted) pick(r *rand.Rand) int {
	if len(w.cum) == 0 {
		return -1
	}
	x := r.Float64() * w.cum[len(w.cum)-1]
	i := sort.SearchFloat64s(w.cum, x)
	if i >= len(w.cum) {
		i = len(w.cum) - 1
	}
	// skip zero-weight entries that share the cumulative value
	for i < len(w.cum)-1 && (i == 0 && w.cum[0] == 0 || i > 0 && w.cum[i] == w.cum[i-1]) {
		i++
	}
	return i
}
