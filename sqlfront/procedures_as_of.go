package sqlfront

import (
	"strings"
	"time"
)

// asOfLayouts are the forms an as_of parameter takes: what MySQL prints
// for a DATETIME (a client passing NOW() or a DATETIME column sends
// that), a date alone, and RFC 3339 as the CLI's --now takes it. A time
// without a zone is UTC, as every time of the database is.
var asOfLayouts = []string{"2006-01-02 15:04:05.999999999", "2006-01-02", time.RFC3339Nano, "2006-01-02T15:04:05.999999999"}

// optionalTime reads a time parameter (as_of); nil when not given. A
// value in none of the forms is a ValidationError naming the member.
func (a args) optionalTime(i int, member string) (*time.Time, error) {
	p := a.opt(i)
	if p == nil {
		return nil, nil
	}
	s := strings.TrimSpace(*p)
	for _, layout := range asOfLayouts {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			t = t.UTC()
			return &t, nil
		}
	}
	return nil, validationError(*p, member, "Member must be a time: 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC), 'YYYY-MM-DD' or RFC 3339")
}
