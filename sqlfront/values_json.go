package sqlfront

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"lastaccess/engine"
)

// accessDetailsJSON is the JSON column value of an AccessDetails list.
// A Get page carries up to 1000 of them, so they are encoded by hand,
// byte for byte as encoding/json encodes []engine.AccessDetail (the tests
// compare both), about four times faster.
func accessDetailsJSON(details []engine.AccessDetail) any {
	return jsonValueWith(details, func() ([]byte, error) { return appendAccessDetails(nil, details), nil })
}

func appendAccessDetails(b []byte, details []engine.AccessDetail) []byte {
	b = append(b, '[')
	for i := range details {
		d := &details[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"ServiceName":`...)
		b = appendJSONString(b, d.ServiceName)
		b = append(b, `,"ServiceNamespace":`...)
		b = appendJSONString(b, d.ServiceNamespace)
		if d.Region != nil {
			b = append(b, `,"Region":`...)
			b = appendJSONString(b, *d.Region)
		}
		if d.EntityPath != nil {
			b = append(b, `,"EntityPath":`...)
			b = appendJSONString(b, *d.EntityPath)
		}
		if d.LastAuthenticatedTime != nil {
			b = append(b, `,"LastAuthenticatedTime":"`...)
			b = d.LastAuthenticatedTime.UTC().AppendFormat(b, time.RFC3339Nano)
			b = append(b, '"')
		}
		b = append(b, `,"TotalAuthenticatedEntities":`...)
		b = strconv.AppendInt(b, int64(d.TotalAuthenticatedEntities), 10)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendJSONString appends s as encoding/json writes it: plain printable
// ASCII as is, anything else (escapes, HTML characters, non-ASCII) by
// encoding/json itself.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
