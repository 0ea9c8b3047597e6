package sqlfront

import (
	"bytes"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"testing"
)

// lineWriter hands each written line to fn.
type lineWriter struct {
	mu sync.Mutex
	fn func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, line := range bytes.Split(bytes.TrimRight(p, "\n"), []byte("\n")) {
		w.fn(string(line))
	}
	return len(p), nil
}

func newLineLogger(fn func(string)) *slog.Logger {
	return slog.New(slog.NewTextHandler(&lineWriter{fn: fn}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// queryRows runs a query and returns its rows as strings (NULL as "NULL").
func queryRows(t *testing.T, q interface {
	Query(string, ...any) (*sql.Rows, error)
}, query string, args ...any) [][]string {
	t.Helper()
	rows, err := q.Query(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			if v.Valid {
				row[i] = v.String
			} else {
				row[i] = "NULL"
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return out
}

// testRecord is a CloudTrail record of an IAM user's s3:ListBuckets call.
func testRecord(id, account, eventTime string) string {
	return fmt.Sprintf(`{"eventVersion":"1.08","eventID":%q,"eventTime":%q,"eventType":"AwsApiCall","eventCategory":"Management",`+
		`"eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"eu-west-1",`+
		`"userIdentity":{"type":"IAMUser","accountId":%q,"arn":"arn:aws:iam::%s:user/alice"}}`, id, eventTime, account, account)
}

// eventID is the n-th test event id, a canonical UUID as CloudTrail's.
func eventID(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }
