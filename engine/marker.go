package engine

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strconv"
)

// A marker is opaque to callers: base64url of a version byte, the offset
// of the next item and a MAC over (job, sort key, offset) keyed by the
// data directory's secret. A marker of another job or sort key, or an
// altered one, fails the MAC and is rejected as InvalidInput.
const (
	markerVersion = 1
	markerMACLen  = 12
)

func (e *Engine) markerMAC(scope, jobID, sortKey string, offset int) []byte {
	m := hmac.New(sha256.New, e.secret)
	m.Write([]byte(scope))
	m.Write([]byte{0})
	m.Write([]byte(jobID))
	m.Write([]byte{0})
	m.Write([]byte(sortKey))
	m.Write([]byte{0})
	m.Write([]byte(strconv.Itoa(offset)))
	return m.Sum(nil)[:markerMACLen]
}

// issueMarker returns the marker for the page starting at offset. scope
// separates the lists of one job (e.g. a service's entity list).
func (e *Engine) issueMarker(scope, jobID, sortKey string, offset int) string {
	b := []byte{markerVersion}
	b = binary.AppendUvarint(b, uint64(offset))
	b = append(b, e.markerMAC(scope, jobID, sortKey, offset)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// parseMarker returns the offset a marker stands for, if it was issued for
// this job, list and sort key and points inside a list of n items.
func (e *Engine) parseMarker(marker, scope, jobID, sortKey string, n int) (int, error) {
	bad := errorf(CodeInvalidInput, "The marker %q was not issued for this report and sort order.", truncateForMessage(marker))
	b, err := base64.RawURLEncoding.Strict().DecodeString(marker)
	if err != nil || len(b) < 2+markerMACLen || b[0] != markerVersion {
		return 0, bad
	}
	off, w := binary.Uvarint(b[1:])
	if w <= 0 || len(b) != 1+w+markerMACLen || off > uint64(n) || off == 0 {
		return 0, bad
	}
	if !hmac.Equal(b[1+w:], e.markerMAC(scope, jobID, sortKey, int(off))) {
		return 0, bad
	}
	return int(off), nil
}

func truncateForMessage(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
