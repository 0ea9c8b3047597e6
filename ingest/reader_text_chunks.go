package ingest

import (
	"bytes"
	"encoding/json"
	"strings"

	"lastaccess/internal/jsonpos"
)

// A text given to ParseRecords (CALL ingest_events) may hold millions of
// tiny records: `{}` is 3 bytes, a decoded record ≈ 370, so decoding a
// 12 MB text of them at once took 1.9 GB. A text over recordsTextDirect
// bytes is instead walked element by element and decoded recordsChunk
// records at a time, as a JSON array of its own; only the events (and the
// first errors) of the text are kept. Files keep the one-pass decoding
// (decodeRecordsFile): their size is bounded when they are read.
var (
	recordsTextDirect = 1 << 20
	recordsChunk      = 8192
)

// decodeRecordsText decodes a {"Records":[…]} document or a bare array of
// records as decodeRecordsFile does, a chunk of records at a time.
func decodeRecordsText(a *accumulator, data []byte, slowOnly bool) error {
	if len(data) <= recordsTextDirect {
		return decodeRecordsFile(a, data, slowOnly)
	}
	array, err := recordsArray(data)
	if err != nil {
		return err
	}
	chunk := make([]byte, 0, 64<<10)
	n, base := 0, 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		chunk[len(chunk)-1] = ']'
		a.base = base
		err := decodeRecordsFile(a, chunk, slowOnly)
		a.base = 0
		base += n
		chunk, n = chunk[:0], 0
		return err
	}
	err = eachElement(data, array, func(elem []byte) error {
		if n == 0 {
			chunk = append(chunk, '[')
		}
		chunk = append(append(chunk, elem...), ',')
		if n++; n == recordsChunk {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// recordsArray finds the array of records in a document: the document
// itself when it is an array, else the value of its Records member (the
// last one, matched without regard to case, as the one-pass decoding
// matches it). The document's other members must be valid JSON.
func recordsArray(data []byte) (int, error) {
	if data[0] == '[' {
		end, err := scanValue(data, 0)
		if err != nil {
			return 0, err
		}
		if end = skipSpace(data, end); end != len(data) {
			return 0, syntaxAt(end)
		}
		return 0, nil
	}
	records := -1
	i := skipSpace(data, 1)
	if i < len(data) && data[i] == '}' {
		i++
	} else {
		for {
			if i >= len(data) || data[i] != '"' {
				return 0, syntaxAt(i)
			}
			end, err := scanValue(data, i)
			if err != nil {
				return 0, err
			}
			var key string
			if err := json.Unmarshal(data[i:end], &key); err != nil {
				return 0, syntaxAt(i)
			}
			i = skipSpace(data, end)
			if i >= len(data) || data[i] != ':' {
				return 0, syntaxAt(i)
			}
			start := skipSpace(data, i+1)
			if end, err = scanValue(data, start); err != nil {
				return 0, err
			}
			if strings.EqualFold(key, "Records") {
				records = start
			} else if !json.Valid(data[start:end]) {
				return 0, syntaxAt(start)
			}
			i = skipSpace(data, end)
			if i < len(data) && data[i] == ',' {
				i = skipSpace(data, i+1)
				continue
			}
			if i >= len(data) || data[i] != '}' {
				return 0, syntaxAt(i)
			}
			i++
			break
		}
	}
	if i = skipSpace(data, i); i != len(data) {
		return 0, syntaxAt(i)
	}
	switch {
	case records < 0 || bytes.HasPrefix(data[records:], []byte("null")):
		return 0, malformedf(`Records: missing (want {"Records":[…]})`)
	case data[records] != '[':
		return 0, malformedf("Records: want array, got %s", jsonpos.Kind(data[records:]))
	}
	return records, nil
}

// eachElement calls fn with each element of the array at data[start].
func eachElement(data []byte, start int, fn func([]byte) error) error {
	i := skipSpace(data, start+1)
	if i < len(data) && data[i] == ']' {
		return nil
	}
	for {
		end, err := scanValue(data, i)
		if err != nil {
			return err
		}
		if err := fn(data[i:end]); err != nil {
			return err
		}
		i = skipSpace(data, end)
		switch {
		case i < len(data) && data[i] == ',':
			i = skipSpace(data, i+1)
		case i < len(data) && data[i] == ']':
			return nil
		default:
			return syntaxAt(i)
		}
	}
}

// scanValue returns the end of the JSON value at data[i], following only
// strings and brackets: the decoding of the value checks the rest.
func scanValue(data []byte, i int) (int, error) {
	if i >= len(data) {
		return 0, syntaxAt(i)
	}
	switch data[i] {
	case '"', '{', '[':
	default:
		j := i
		for j < len(data) && !endsScalar(data[j]) {
			j++
		}
		if j == i {
			return 0, syntaxAt(i)
		}
		return j, nil
	}
	depth, inString := 0, false
	for j := i; j < len(data); j++ {
		c := data[j]
		switch {
		case inString:
			switch c {
			case '\\':
				j++
			case '"':
				inString = false
				if depth == 0 {
					return j + 1, nil
				}
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth--; depth == 0 {
				return j + 1, nil
			}
			if depth < 0 {
				return 0, syntaxAt(j)
			}
		}
	}
	return 0, syntaxAt(len(data))
}

func endsScalar(c byte) bool {
	switch c {
	case ',', ']', '}', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n') {
		i++
	}
	return i
}

func syntaxAt(i int) error {
	return malformedf("invalid JSON at byte %d", i)
}
