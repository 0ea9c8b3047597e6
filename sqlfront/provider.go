package sqlfront

import (
	"errors"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/mysql_db"

	"lastaccess/engine"
)

// DatabaseName is the one database the server offers.
const DatabaseName = "lastaccess"

// frontend is what the database, its tables and its procedures share.
type frontend struct {
	eng      *engine.Engine
	procs    *procedureSet
	readOnly map[string]bool // user name → may only read; fixed at start
	admin    string          // the first admin account: the procedures' definer
	started  time.Time
	// mysqlDB is go-mysql-server's grant tables, set once the engine
	// exists.
	mysqlDB *mysql_db.MySQLDb

	// memory is what the running statements' intermediate results hold.
	memory memoryPool

	// eventKeysRead counts the keys access_events scans have read.
	eventKeysRead atomic.Int64
}

func newFrontend(eng *engine.Engine, users []User) *frontend {
	f := &frontend{eng: eng, readOnly: make(map[string]bool), started: time.Now().UTC().Truncate(time.Second)}
	for _, u := range users {
		switch {
		case u.ReadOnly:
			f.readOnly[u.Name] = true
		case f.admin == "":
			f.admin = u.Name
		}
	}
	var procs []*procedure
	procs = append(procs, orgReportProcedures()...)
	procs = append(procs, ingestProcedures()...)
	procs = append(procs, iamReportProcedures()...)
	procs = append(procs, scpProcedures()...)
	f.procs = newProcedureSet(f, procs...)
	return f
}

func (f *frontend) isReadOnly(user string) bool { return f.readOnly[user] }

// provider is the go-mysql-server DatabaseProvider: the lastaccess
// database and the procedures.
type provider struct {
	f  *frontend
	db *database
}

var (
	_ sql.DatabaseProvider                = (*provider)(nil)
	_ sql.ExternalStoredProcedureProvider = (*provider)(nil)
	_ sql.FunctionProvider                = (*provider)(nil)
)

func newProvider(f *frontend) *provider {
	return &provider{f: f, db: newDatabase(f)}
}

func (p *provider) Database(_ *sql.Context, name string) (sql.Database, error) {
	if strings.EqualFold(name, DatabaseName) {
		return p.db, nil
	}
	return nil, sql.ErrDatabaseNotFound.New(name)
}

func (p *provider) HasDatabase(_ *sql.Context, name string) bool {
	return strings.EqualFold(name, DatabaseName)
}

func (p *provider) AllDatabases(*sql.Context) []sql.Database { return []sql.Database{p.db} }

func (p *provider) ExternalStoredProcedure(_ *sql.Context, name string, numOfParams int) (*sql.ExternalStoredProcedureDetails, error) {
	return p.f.procs.lookup(name, numOfParams)
}

func (p *provider) ExternalStoredProcedures(_ *sql.Context, name string) ([]sql.ExternalStoredProcedureDetails, error) {
	return p.f.procs.all(name), nil
}

// database is lastaccess: read-only tables over the engine. It has no
// views and no stored procedures of its own (the external procedures
// are the provider's); go-mysql-server asks for both.
type database struct {
	f      *frontend
	tables map[string]sql.Table // by lowercase name
	names  []string
}

var (
	_ sql.Database                = (*database)(nil)
	_ sql.ReadOnlyDatabase        = (*database)(nil)
	_ sql.ViewDatabase            = (*database)(nil)
	_ sql.StoredProcedureDatabase = (*database)(nil)
)

func newDatabase(f *frontend) *database {
	d := &database{f: f, tables: make(map[string]sql.Table)}
	add := func(t sql.Table) {
		d.tables[strings.ToLower(t.Name())] = t
		d.names = append(d.names, t.Name())
	}
	add(newOrgReportsTable(f))
	add(newOrgDetailsTable(f))
	for _, t := range newServiceReportTables(f) {
		add(t)
	}
	add(newEventsTable(f))
	for _, t := range newOrgTables(f) {
		add(t)
	}
	for _, t := range newSCPTables(f) {
		add(t)
	}
	sort.Strings(d.names)
	return d
}

func (d *database) Name() string     { return DatabaseName }
func (d *database) IsReadOnly() bool { return true }

func (d *database) GetTableInsensitive(_ *sql.Context, name string) (sql.Table, bool, error) {
	t, ok := d.tables[strings.ToLower(name)]
	return t, ok, nil
}

func (d *database) GetTableNames(*sql.Context) ([]string, error) { return d.names, nil }

var errReadOnly = errors.New("the lastaccess database is read-only: data changes only through its procedures")

func (d *database) CreateView(*sql.Context, string, string, string) error { return errReadOnly }
func (d *database) DropView(*sql.Context, string) error                   { return errReadOnly }
func (d *database) GetViewDefinition(*sql.Context, string) (sql.ViewDefinition, bool, error) {
	return sql.ViewDefinition{}, false, nil
}
func (d *database) AllViews(*sql.Context) ([]sql.ViewDefinition, error) { return nil, nil }

func (d *database) GetStoredProcedure(*sql.Context, string) (sql.StoredProcedureDetails, bool, error) {
	return sql.StoredProcedureDetails{}, false, nil
}
func (d *database) GetStoredProcedures(*sql.Context) ([]sql.StoredProcedureDetails, error) {
	return d.f.procs.storedProcedures(d.f.admin, d.f.started), nil
}
func (d *database) SaveStoredProcedure(*sql.Context, sql.StoredProcedureDetails) error {
	return errReadOnly
}
func (d *database) DropStoredProcedure(*sql.Context, string) error { return errReadOnly }
