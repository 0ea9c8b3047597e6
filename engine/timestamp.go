package engine

import (
	"bytes"
	"time"
)

// Timestamp marshals the way AWS prints timestamps in JSON: ISO 8601 in
// UTC with fractional seconds only when present ("2019-06-18T19:47:31.466Z",
// "2019-05-25T16:29:52Z").
type Timestamp struct{ time.Time }

// NewTimestamp wraps t.
func NewTimestamp(t time.Time) Timestamp { return Timestamp{t.UTC()} }

func (t Timestamp) String() string { return t.UTC().Format(time.RFC3339Nano) }

func (t Timestamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.String() + `"`), nil
}

func (t *Timestamp) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	v, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return err
	}
	t.Time = v.UTC()
	return nil
}

func timestampPtr(nanos int64) *Timestamp {
	t := NewTimestamp(time.Unix(0, nanos))
	return &t
}
