package sqlfront

import (
	"database/sql"
	"testing"
	"time"
)

// TestStringFunctionsBounded: a string function whose result would be
// longer than max_allowed_packet returns NULL with warning 1301, as
// MySQL's do, without building it (issue 17 row 1: the read-only user ran
// the server out of memory with repeat); within the limit the functions
// answer as before, and the server keeps answering.
func TestStringFunctionsBounded(t *testing.T) {
	ts := startServer(t)
	admin := ts.admin()
	setGlobal(t, admin, "max_allowed_packet", 1<<20)
	reader := ts.open(readerUser, readerPassword)
	reader.SetMaxOpenConns(1)
	big := "REPEAT('ab', 300000)" // 600 000 bytes: within the limit
	over := []struct{ name, expr string }{
		{"repeat", "repeat(repeat('a',100),2000000000)"},
		{"repeat", "repeat('a', 2147483647)"},
		{"repeat", "repeat('é', 600000)"},
		{"space", "space(2000000)"},
		{"lpad", "lpad('x', 2000000, 'ab')"},
		{"rpad", "rpad('x', 1048577, ' ')"},
		{"lpad", "lpad('x', 600000, 'é')"},
		{"concat", "concat(" + big + ", " + big + ")"},
		{"concat_ws", "concat_ws(',', " + big + ", " + big + ")"},
		{"concat_ws", "concat_ws(" + big + ", 'a', 'b')"},
		{"insert", "insert(" + big + ", 1, 0, " + big + ")"},
		{"replace", "replace(" + big + ", 'a', 'aaa')"},
		{"regexp_replace", "regexp_replace(repeat('a', 1000), 'a', repeat('b', 2000))"},
		{"hex", "hex(" + big + ")"},
		{"to_base64", "to_base64(repeat('a', 800000))"},
		{"quote", "quote(" + big + ")"},
		{"compress", "compress(repeat(x'00', 1048576))"},
		{"uncompress", "uncompress(x'0000200078DA4A04040000FFFF00620062')"}, // says 2 MiB
		{"date_format", "date_format(now(), repeat('%W', 200000))"},
		{"time_format", "time_format('10:00:00', repeat('%r', 200000))"},
		{"from_unixtime", "from_unixtime(0, repeat('%W', 200000))"},
		{"json_quote", "json_quote(repeat('\"', 600000))"},
		{"json_array", "json_array(" + big + ", " + big + ")"},
		{"json_object", "json_object('a', " + big + ", 'b', " + big + ")"},
		{"json_array_append", "json_array_append(json_array(" + big + "), '$', " + big + ")"},
		{"json_array_insert", "json_array_insert(json_array(" + big + "), '$[0]', " + big + ")"},
		{"json_insert", "json_insert(json_object('a', " + big + "), '$.b', " + big + ")"},
		{"json_replace", "json_replace(json_object('a', " + big + ", 'b', 1), '$.b', " + big + ")"},
		{"json_set", "json_set(json_object('a', " + big + "), '$.b', " + big + ")"},
		{"json_merge", "json_merge(json_array(" + big + "), json_array(" + big + "))"},
		{"json_merge_patch", "json_merge_patch(json_object('a', " + big + "), json_object('b', " + big + "))"},
		{"json_merge_preserve", "json_merge_preserve(json_array(" + big + "), json_array(" + big + "))"},
		{"json_pretty", "json_pretty(concat(repeat('[', 5000), repeat(']', 5000)))"},
	}
	for _, c := range over {
		conn := mustConn(t, reader)
		var v sql.NullString
		start := time.Now()
		if err := conn.QueryRow("SELECT " + c.expr).Scan(&v); err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		if v.Valid {
			t.Errorf("%s: a result of %d bytes, want NULL", truncateEcho(c.expr), len(v.String))
		}
		w := queryRows(t, conn, "SHOW WARNINGS")
		want := "Result of " + c.name + "() was larger than max_allowed_packet (1048576) - truncated"
		if len(w) != 1 || w[0][1] != "1301" || w[0][2] != want {
			t.Errorf("%s: warnings %v, want 1301 %q", truncateEcho(c.expr), w, want)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s took %s", truncateEcho(c.expr), d)
		}
		conn.Close()
	}

	// Within the limit: the functions' own answers.
	for _, c := range []struct{ expr, want string }{
		{"length(" + big + ")", "600000"},
		{"repeat('ab', 3)", "ababab"},
		{"repeat('ab', '2')", "abab"},
		{"repeat('ab', 0)", ""},
		{"repeat(NULL, 3)", "NULL"},
		{"lpad('x', 4, 'ab')", "abax"},
		{"rpad('hello', 7, '-')", "hello--"},
		{"concat('a', 1, 2.5)", "a12.5"},
		{"concat('a', NULL)", "NULL"},
		{"concat_ws('-', 'a', NULL, 'b')", "a-b"},
		{"replace('aXbX', 'X', 'yy')", "ayybyy"},
		{"insert('Quadratic', 3, 4, 'What')", "QuWhattic"},
		{"insert('Quadratic', -1, 4, 'What')", "Quadratic"},
		{"insert('Quadratic', 3, 100, 'What')", "QuWhat"},
		{"insert('Quadratic', 3, -1, 'What')", "QuWhat"},
		{"insert('héllo', 2, 1, 'e')", "hello"},
		{"insert('a', NULL, 1, 'b')", "NULL"},
		{"hex('abc')", "616263"},
		{"to_base64('abc')", "YWJj"},
		{"quote('a''b')", `'a\'b'`},
		{"space(3)", "   "},
		{"json_array(1, 'a')", `[1, "a"]`},
		{"json_set('{\"a\": 1}', '$.b', 2)", `{"a": 1, "b": 2}`},
		{"date_format('2019-06-18', '%W %Y')", "Tuesday 2019"},
		{"regexp_replace('abc', 'b', 'X')", "aXc"},
		{"uncompress(compress('hello'))", "hello"},
	} {
		got := queryRows(t, reader, "SELECT "+c.expr)
		if got[0][0] != c.want {
			t.Errorf("%s = %q, want %q", truncateEcho(c.expr), got[0][0], c.want)
		}
	}
	if got := queryRows(t, reader, "SELECT COUNT(*) FROM access_events"); got[0][0] == "0" {
		t.Fatal("no events")
	}
}

// mustConn is one connection of db.
func mustConn(t *testing.T, db *sql.DB) *connQuerier {
	t.Helper()
	c, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return &connQuerier{c: c, t: t}
}

// connQuerier runs statements on one connection (SHOW WARNINGS needs the
// statement's).
type connQuerier struct {
	c *sql.Conn
	t *testing.T
}

func (q *connQuerier) Query(query string, args ...any) (*sql.Rows, error) {
	return q.c.QueryContext(q.t.Context(), query, args...)
}

func (q *connQuerier) QueryRow(query string, args ...any) *sql.Row {
	return q.c.QueryRowContext(q.t.Context(), query, args...)
}

func (q *connQuerier) Close() { q.c.Close() }
