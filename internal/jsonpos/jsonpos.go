// Package jsonpos places a JSON decoding error in its input: line and
// column, which a person can find in an editor, instead of a byte offset.
// The organization snapshot and the AWS CLI outputs it is built from share
// it.
package jsonpos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Describe adds line and column to a syntax or type error from
// encoding/json decoding data; other errors are returned as they are.
func Describe(data []byte, err error) error {
	var off int64 = -1
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		off = syntax.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return err
	}
	return fmt.Errorf("%s: %w", Position(data, off), err)
}

// Position names the byte offset off of data as "line L, column C"
// (both from 1).
func Position(data []byte, off int64) string {
	off = min(max(off, 0), int64(len(data)))
	line := 1 + bytes.Count(data[:off], []byte{'\n'})
	col := off - int64(bytes.LastIndexByte(data[:off], '\n'))
	return fmt.Sprintf("line %d, column %d", line, col)
}
