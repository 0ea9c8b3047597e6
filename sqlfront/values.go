package sqlfront

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/dolthub/vitess/go/sqltypes"
	"github.com/shopspring/decimal"

	"lastaccess/engine"
)

// Column types. Strings compare byte-wise (utf8mb4_0900_bin), as the
// engine orders namespaces and paths.
var (
	typeID       = types.MustCreateString(sqltypes.VarChar, 64, sql.Collation_utf8mb4_0900_bin)
	typeJobID    = types.MustCreateString(sqltypes.VarChar, 36, sql.Collation_utf8mb4_0900_bin)
	typeName     = types.MustCreateString(sqltypes.VarChar, 255, sql.Collation_utf8mb4_0900_bin)
	typePath     = types.MustCreateString(sqltypes.VarChar, 512, sql.Collation_utf8mb4_0900_bin)
	typeARN      = types.MustCreateString(sqltypes.VarChar, 2048, sql.Collation_utf8mb4_0900_bin)
	typeText     = types.MustCreateString(sqltypes.Text, types.TextBlobMax, sql.Collation_utf8mb4_0900_bin)
	typeLongText = types.MustCreateString(sqltypes.Text, types.LongTextBlobMax, sql.Collation_utf8mb4_0900_bin)
	typeTime     = types.DatetimeMaxPrecision // DATETIME(6)
	typeJSON     = types.JSON
	typeCount    = types.Int32
	typeBigCount = types.Int64
	typeBool     = types.Boolean
	typeShare    = types.MustCreateColumnDecimalType(5, 4)
)

// column declares a column of a table or procedure result.
func column(source, name string, typ sql.Type, nullable bool) *sql.Column {
	return &sql.Column{Name: name, Source: source, DatabaseSource: DatabaseName, Type: typ, Nullable: nullable}
}

// timeValue is a DATETIME(6) value: UTC, rounded to the microsecond as
// MySQL rounds fractional seconds.
func timeValue(t time.Time) time.Time { return t.UTC().Round(time.Microsecond) }

func timestampValue(t engine.Timestamp) any { return timeValue(t.Time) }

func timestampPtrValue(t *engine.Timestamp) any {
	if t == nil {
		return nil
	}
	return timeValue(t.Time)
}

func nanosValue(nanos int64) any { return timeValue(time.Unix(0, nanos)) }

// apiJSON is a JSON column value holding one of the API's structures. It
// is encoded only when a client reads it (a query that does not select
// the column never pays for it), and its bytes go to the client as
// encoded: compact, in the API's field order.
type apiJSON struct {
	v     any
	bytes func() ([]byte, error)
	value func() (any, error)
}

var (
	_ sql.JSONWrapper = (*apiJSON)(nil)
	_ types.JSONBytes = (*apiJSON)(nil)
	_ fmt.Stringer    = (*apiJSON)(nil)
	_ driver.Valuer   = (*apiJSON)(nil)
)

// jsonValue is the JSON column value of v, encoded by encoding/json.
func jsonValue(v any) any {
	return jsonValueWith(v, func() ([]byte, error) { return json.Marshal(v) })
}

// jsonValueWith is the JSON column value of v, encoded by marshal.
func jsonValueWith(v any, marshal func() ([]byte, error)) any {
	j := &apiJSON{v: v}
	j.bytes = sync.OnceValues(marshal)
	j.value = sync.OnceValues(func() (any, error) {
		b, err := j.bytes()
		if err != nil {
			return nil, err
		}
		var out any
		err = json.Unmarshal(b, &out)
		return out, err
	})
	return j
}

func (j *apiJSON) Clone(context.Context) sql.JSONWrapper {
	b, err := j.bytes()
	return jsonValueWith(j.v, func() ([]byte, error) { return b, err }).(*apiJSON)
}
func (j *apiJSON) ToInterface() (any, error) { return j.value() }
func (j *apiJSON) GetBytes() ([]byte, error) { return j.bytes() }
func (j *apiJSON) Value() (driver.Value, error) {
	b, err := j.bytes()
	return string(b), err
}

func (j *apiJSON) String() string {
	b, err := j.bytes()
	if err != nil {
		return "error while encoding JSON: " + err.Error()
	}
	return string(b)
}

func stringPtrValue(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func optionalString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func intPtrValue(n *int) any {
	if n == nil {
		return nil
	}
	return int32(*n)
}

// decimalValue converts an exact apd decimal to the value a DECIMAL column
// holds (shopspring/decimal), through its plain string form so no digit
// changes. nil stays NULL.
func decimalValue(d *apd.Decimal) (any, error) {
	if d == nil {
		return nil, nil
	}
	return decimal.NewFromString(d.Text('f'))
}
