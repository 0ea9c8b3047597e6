package awsorg

import "errors"

var (
	// ErrMissing: a file the listings call for is not in the directory.
	ErrMissing = errors.New("awsorg: missing file")
	// ErrMalformed: a file is not what the AWS CLI prints for its command.
	ErrMalformed = errors.New("awsorg: malformed file")
	// ErrCut: a listing ends with a NextToken, so it lacks later pages.
	ErrCut = errors.New("awsorg: listing cut")
)

// FileError is a problem with one file of the directory.
type FileError struct {
	File string // the file's path as the caller named the directory
	Err  error  // wraps ErrMissing, ErrMalformed, ErrCut or an I/O error
}

func (e *FileError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// problem is a message that wraps a sentinel without repeating its text.
type problem struct {
	kind error
	msg  string
}

func (p *problem) Error() string        { return p.msg }
func (p *problem) Is(target error) bool { return target == p.kind }
