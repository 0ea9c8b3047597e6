package sqlfront

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"lastaccess/engine"
	"lastaccess/engine/catalog"
)

// TestAccessDetailsJSON: the hand-written encoder writes what
// encoding/json writes, for every catalog service and for strings that
// need escaping.
func TestAccessDetailsJSON(t *testing.T) {
	str := func(s string) *string { return &s }
	ts := func(tm time.Time) *engine.Timestamp { v := engine.NewTimestamp(tm); return &v }
	var details []engine.AccessDetail
	for i, s := range catalog.Default().Services() {
		d := engine.AccessDetail{ServiceName: s.Name, ServiceNamespace: s.Namespace, TotalAuthenticatedEntities: i}
		if i%3 == 0 {
			d.Region, d.EntityPath = str("eu-west-1"), str("o-a1b2c3d4e5/r-f6g7h8i9j0example/123456789012")
			d.LastAuthenticatedTime = ts(time.Date(2026, 1, 2, 3, 4, 5, i*1_000_000, time.UTC))
		}
		details = append(details, d)
	}
	for _, odd := range []string{`quote " and \ backslash`, "tab\tnew\nline", "<html> & co", "héllo wörld", "\u2028 sep", "bad \xff utf8", ""} {
		details = append(details, engine.AccessDetail{ServiceName: odd, ServiceNamespace: odd, Region: str(odd), EntityPath: str(odd),
			LastAuthenticatedTime: ts(time.Date(2019, 6, 18, 19, 47, 31, 466_000_001, time.FixedZone("x", 3600)))})
	}
	for _, list := range [][]engine.AccessDetail{nil, {}, details[:1], details} {
		want, err := json.Marshal(list)
		if list == nil {
			want = []byte("[]") // the encoder is only used for lists
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := appendAccessDetails(nil, list); !bytes.Equal(got, want) {
			t.Fatalf("encoding differs\n got %s\nwant %s", got, want)
		}
	}
}
