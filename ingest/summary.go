package ingest

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Summary counts what an ingest did (SPEC §3). Every input file is counted
// exactly once, in FilesRead, one of the FilesSkipped* or FilesFailed.
// Records = Events + the skipped records + Malformed, and every event is
// either stored (Ingested), already stored (Duplicates), or in a failed file.
//
// The JSON names are those the SQL procedure ingest_events and `ingest
// --server` print.
type Summary struct {
	FilesRead           int `json:"FilesRead"`           // files decoded and stored (possibly with malformed records)
	FilesSkippedDigest  int `json:"FilesSkippedDigest"`  // CloudTrail digest files
	FilesSkippedInsight int `json:"FilesSkippedInsight"` // CloudTrail Insights files
	FilesSkippedOther   int `json:"FilesSkippedOther"`   // files of other types found in directories
	FilesFailed         int `json:"FilesFailed"`         // unreadable or malformed files, or files whose events could not be stored

	Records    int64 `json:"Records"`    // records read
	Events     int64 `json:"Events"`     // records that are access events
	Ingested   int64 `json:"Ingested"`   // events stored for the first time
	Duplicates int64 `json:"Duplicates"` // events whose eventID was already stored
	Malformed  int64 `json:"Malformed"`  // records rejected with an error

	Skipped             map[SkipReason]int64   `json:"Skipped"`             // records that are not access events, by reason
	UnknownEventSources map[string]int64       `json:"UnknownEventSources"` // events whose eventSource the catalog does not list
	Errors              map[string]*FileErrors `json:"Errors"`              // errors by file name ("-" for stdin)

	BytesRead    int64         `json:"BytesRead"`    // bytes read from files and stdin (compressed)
	BytesDecoded int64         `json:"BytesDecoded"` // bytes of JSON decoded (after gunzip)
	Elapsed      time.Duration `json:"ElapsedNanos"` // wall time of the run
}

// FileErrors are the errors of one file: all are counted, the first
// MaxErrorMessages are kept.
type FileErrors struct {
	Count    int      `json:"Count"`
	Messages []string `json:"Messages"`
}

// MaxErrorMessages is how many error messages a summary keeps per file.
const MaxErrorMessages = 20

// maxKeys bounds the distinct keys of Skipped and UnknownEventSources;
// beyond it new keys are counted under overflowKey.
const (
	maxKeys     = 1000
	overflowKey = "(other)"
)

// Failed reports whether anything went wrong: a failed file or a malformed
// record. The CLI exits non-zero then.
func (s *Summary) Failed() bool {
	return s.FilesFailed > 0 || s.Malformed > 0 || len(s.Errors) > 0
}

// Files is the number of input files seen.
func (s *Summary) Files() int {
	return s.FilesRead + s.FilesSkippedDigest + s.FilesSkippedInsight + s.FilesSkippedOther + s.FilesFailed
}

// SkippedTotal is the number of records skipped for any reason.
func (s *Summary) SkippedTotal() int64 {
	var n int64
	for _, v := range s.Skipped {
		n += v
	}
	return n
}

func (s *Summary) addSkip(r SkipReason, n int64) {
	if s.Skipped == nil {
		s.Skipped = make(map[SkipReason]int64)
	}
	if _, ok := s.Skipped[r]; !ok && len(s.Skipped) >= maxKeys {
		r = overflowKey
	}
	s.Skipped[r] += n
}

func (s *Summary) addUnknownSource(src string, n int64) {
	if s.UnknownEventSources == nil {
		s.UnknownEventSources = make(map[string]int64)
	}
	if _, ok := s.UnknownEventSources[src]; !ok && len(s.UnknownEventSources) >= maxKeys {
		src = overflowKey
	}
	s.UnknownEventSources[src] += n
}

// addError records one error of a file; msg does not repeat the file name.
func (s *Summary) addError(file, msg string) {
	s.addErrors(file, &FileErrors{Count: 1, Messages: []string{msg}})
}

func (s *Summary) addErrors(file string, e *FileErrors) {
	if s.Errors == nil {
		s.Errors = make(map[string]*FileErrors)
	}
	fe := s.Errors[file]
	if fe == nil {
		fe = &FileErrors{}
		s.Errors[file] = fe
	}
	fe.Count += e.Count
	for _, m := range e.Messages {
		if len(fe.Messages) >= MaxErrorMessages {
			break
		}
		fe.Messages = append(fe.Messages, m)
	}
}

// Merge adds other into s. Merging summaries of disjoint inputs gives the
// summary of their union, except that error messages beyond
// MaxErrorMessages per file are dropped (still counted).
func (s *Summary) Merge(other Summary) {
	s.FilesRead += other.FilesRead
	s.FilesSkippedDigest += other.FilesSkippedDigest
	s.FilesSkippedInsight += other.FilesSkippedInsight
	s.FilesSkippedOther += other.FilesSkippedOther
	s.FilesFailed += other.FilesFailed
	s.Records += other.Records
	s.Events += other.Events
	s.Ingested += other.Ingested
	s.Duplicates += other.Duplicates
	s.Malformed += other.Malformed
	for _, r := range slices.Sorted(maps.Keys(other.Skipped)) {
		s.addSkip(r, other.Skipped[r])
	}
	for _, src := range slices.Sorted(maps.Keys(other.UnknownEventSources)) {
		s.addUnknownSource(src, other.UnknownEventSources[src])
	}
	for _, f := range slices.Sorted(maps.Keys(other.Errors)) {
		s.addErrors(f, other.Errors[f])
	}
	s.BytesRead += other.BytesRead
	s.BytesDecoded += other.BytesDecoded
	s.Elapsed += other.Elapsed
}

// WriteText prints the summary for people: counts first, then skip
// reasons, unknown event sources and errors, each sorted by name.
func (s *Summary) WriteText(w io.Writer) error {
	var b strings.Builder
	skippedFiles := s.FilesSkippedDigest + s.FilesSkippedInsight + s.FilesSkippedOther
	fmt.Fprintf(&b, "files:    %d read, %d skipped (%d digest, %d insight, %d other), %d failed\n",
		s.FilesRead, skippedFiles, s.FilesSkippedDigest, s.FilesSkippedInsight, s.FilesSkippedOther, s.FilesFailed)
	fmt.Fprintf(&b, "records:  %d read: %d access events (%d ingested, %d duplicates), %d skipped, %d malformed\n",
		s.Records, s.Events, s.Ingested, s.Duplicates, s.SkippedTotal(), s.Malformed)
	fmt.Fprintf(&b, "bytes:    %s read, %s decoded\n", formatBytes(s.BytesRead), formatBytes(s.BytesDecoded))
	if s.Elapsed > 0 {
		fmt.Fprintf(&b, "elapsed:  %s (%.0f records/s)\n", s.Elapsed.Round(time.Millisecond), float64(s.Records)/s.Elapsed.Seconds())
	}
	if len(s.Skipped) > 0 {
		b.WriteString("skipped:\n")
		writeCounts(&b, s.Skipped)
	}
	if len(s.UnknownEventSources) > 0 {
		b.WriteString("unknown event sources (kept under the host's first label):\n")
		writeCounts(&b, s.UnknownEventSources)
	}
	if len(s.Errors) > 0 {
		b.WriteString("errors:\n")
		for _, f := range slices.Sorted(maps.Keys(s.Errors)) {
			fe := s.Errors[f]
			fmt.Fprintf(&b, "  %s: %d error(s)\n", f, fe.Count)
			for _, m := range fe.Messages {
				fmt.Fprintf(&b, "    %s\n", m)
			}
			if more := fe.Count - len(fe.Messages); more > 0 {
				fmt.Fprintf(&b, "    … and %d more\n", more)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeCounts prints one "  name  count" line per key, names left-aligned
// and counts right-aligned.
func writeCounts[K ~string](b *strings.Builder, m map[K]int64) {
	keys := slices.Sorted(maps.Keys(m))
	nameW, countW := 0, 0
	for _, k := range keys {
		nameW = max(nameW, utf8.RuneCountInString(string(k)))
		countW = max(countW, len(strconv.FormatInt(m[k], 10)))
	}
	for _, k := range keys {
		fmt.Fprintf(b, "  %-*s  %*d\n", nameW, k, countW, m[k])
	}
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
