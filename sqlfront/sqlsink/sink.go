// Package sqlsink is the client side of streaming ingest: an ingest.Sink
// that appends events to a running lastaccess server over the MySQL
// protocol (CALL ingest_events), for `lastaccess ingest --server`.
//
// Imports: engine, ingest, sqlfront (for the database name) and
// go-sql-driver/mysql.
package sqlsink

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"

	"lastaccess/engine"
	"lastaccess/ingest"
	"lastaccess/sqlfront"
)

// Sink is an ingest.Sink that stores events in a running lastaccess
// server: each Append is one CALL ingest_events(?) with the events
// written back as CloudTrail records (NDJSON), which the server
// classifies into the same events. A call is atomic on the server.
type Sink struct {
	db   *sql.DB
	stmt *sql.Stmt
	buf  bytes.Buffer
}

var _ ingest.Sink = (*Sink)(nil)

// Dial connects to the server at addr (HOST:PORT) as user.
func Dial(ctx context.Context, addr, user, password string) (*Sink, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = user, password
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", addr, sqlfront.DatabaseName
	cfg.Timeout = 10 * time.Second
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1) // Run appends from one goroutine
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlsink: %s: %w", addr, err)
	}
	stmt, err := db.PrepareContext(ctx, "CALL ingest_events(?)")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlsink: %s: %w", addr, err)
	}
	return &Sink{db: db, stmt: stmt}, nil
}

// Close closes the connection.
func (s *Sink) Close() error {
	return errors.Join(s.stmt.Close(), s.db.Close())
}

// Append sends the events in one call and returns the server's counts.
func (s *Sink) Append(ctx context.Context, events []engine.Event) (engine.AppendResult, error) {
	if len(events) == 0 {
		return engine.AppendResult{}, nil
	}
	s.buf.Reset()
	enc := json.NewEncoder(&s.buf)
	enc.SetEscapeHTML(false)
	for i := range events {
		if err := enc.Encode(RecordOf(&events[i])); err != nil {
			return engine.AppendResult{}, err
		}
	}
	var records, evs, ingested, dups, skipped, malformed int64
	var byReason, unknown string
	err := s.stmt.QueryRowContext(ctx, s.buf.String()).Scan(&records, &evs, &ingested, &dups, &skipped, &malformed, &byReason, &unknown)
	if err != nil {
		return engine.AppendResult{}, err
	}
	if evs != int64(len(events)) {
		return engine.AppendResult{Ingested: int(ingested), Duplicates: int(dups)},
			fmt.Errorf("the server counted %d of %d events as access events (skipped: %s)", evs, len(events), byReason)
	}
	return engine.AppendResult{Ingested: int(ingested), Duplicates: int(dups)}, nil
}

// Record is the part of a CloudTrail record that ingest reads.
type Record struct {
	EventVersion  string   `json:"eventVersion"`
	EventID       string   `json:"eventID"`
	EventTime     string   `json:"eventTime"`
	EventType     string   `json:"eventType"`
	EventCategory string   `json:"eventCategory"`
	EventSource   string   `json:"eventSource"`
	EventName     string   `json:"eventName"`
	AwsRegion     string   `json:"awsRegion"`
	ErrorCode     string   `json:"errorCode,omitempty"`
	UserIdentity  Identity `json:"userIdentity"`
}

type Identity struct {
	Type           string          `json:"type"`
	ARN            string          `json:"arn,omitempty"`
	AccountID      string          `json:"accountId"`
	SessionContext *SessionContext `json:"sessionContext,omitempty"`
}

type SessionContext struct {
	SessionIssuer struct {
		ARN string `json:"arn"`
	} `json:"sessionIssuer"`
}

// RecordOf writes an event back as the CloudTrail record it came from, as
// far as ingest reads records: the server derives the same principal,
// service-linked flag, namespace, action and category from it.
func RecordOf(ev *engine.Event) Record {
	r := Record{
		EventVersion:  "1.08",
		EventID:       ev.ID,
		EventTime:     time.Unix(0, ev.Time).UTC().Format(time.RFC3339Nano),
		EventType:     "AwsApiCall",
		EventCategory: "Management",
		EventSource:   ev.EventSource,
		EventName:     ev.EventName,
		AwsRegion:     ev.Region,
		ErrorCode:     ev.ErrorCode,
		UserIdentity:  Identity{Type: ev.PrincipalType.String(), AccountID: ev.AccountID},
	}
	if ev.DataEvent {
		r.EventCategory = "Data"
	}
	switch ev.PrincipalType {
	case engine.PrincipalAssumedRole, engine.PrincipalFederatedUser:
		// The principal is the session issuer (the role).
		r.UserIdentity.SessionContext = &SessionContext{}
		r.UserIdentity.SessionContext.SessionIssuer.ARN = ev.PrincipalARN
	default:
		r.UserIdentity.ARN = ev.PrincipalARN
	}
	return r
}
