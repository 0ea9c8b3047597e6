package sqlfront

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/server"
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/mysql_db"
	"github.com/dolthub/vitess/go/mysql"
)

// User is an account of the server. Accounts live for the server's
// lifetime: they come from its options (flags, environment), never from
// stored grant tables.
type User struct {
	Name     string
	Password string // "" only with Options.AllowEmptyPassword
	// ReadOnly users may query the tables and call the procedures that
	// only read (the Gets), not those that change data (Generate,
	// ingest_events, import_organization).
	ReadOnly bool
}

var errUnexpectedHandler = errors.New("sqlfront: go-mysql-server handed an unexpected mysql.Handler")

// setupUsers installs the accounts, for any host. Admins are super users;
// a read-only user holds SELECT and EXECUTE on the lastaccess database,
// and the data-changing procedures are admin-only (they need an explicit
// grant, which no read-only user has).
func setupUsers(db *mysql_db.MySQLDb, users []User) {
	// Statements like CREATE USER persist the grant tables; nothing of
	// them is kept across restarts.
	db.SetPersister(&mysql_db.NoopPersister{})
	ed := db.Editor()
	defer ed.Close()
	for _, u := range users {
		if !u.ReadOnly {
			db.AddEphemeralSuperUser(ed, u.Name, "%", u.Password)
			continue
		}
		privs := mysql_db.NewPrivilegeSet()
		privs.AddDatabase(DatabaseName, sql.PrivilegeType_Select, sql.PrivilegeType_Execute)
		privs.AddDatabase("information_schema", sql.PrivilegeType_Select)
		ed.PutUser(&mysql_db.User{
			User:                u.Name,
			Host:                "%",
			PrivilegeSet:        privs,
			Plugin:              "mysql_native_password",
			AuthString:          nativePasswordHash(u.Password),
			PasswordLastChanged: time.Now().UTC(),
			IsEphemeral:         true,
		})
	}
	db.SetEnabled(true)
}

// nativePasswordHash is the mysql_native_password authentication string:
// "*" and the hex of SHA1(SHA1(password)); "" for no password.
func nativePasswordHash(password string) string {
	if password == "" {
		return ""
	}
	s1 := sha1.Sum([]byte(password))
	s2 := sha1.Sum(s1[:])
	return "*" + strings.ToUpper(hex.EncodeToString(s2[:]))
}

func validateUsers(users []User, allowEmptyPassword bool) error {
	if len(users) == 0 {
		return errors.New("sqlfront: no users: give at least one account")
	}
	admins := 0
	seen := map[string]bool{}
	for _, u := range users {
		switch {
		case u.Name == "":
			return errors.New("sqlfront: a user has no name")
		case seen[u.Name]:
			return fmt.Errorf("sqlfront: user %q given twice", u.Name)
		case u.Password == "" && !allowEmptyPassword:
			return fmt.Errorf("sqlfront: user %q has no password", u.Name)
		}
		seen[u.Name] = true
		if !u.ReadOnly {
			admins++
		}
	}
	if admins == 0 {
		return errors.New("sqlfront: no admin user: only read-only accounts were given")
	}
	return nil
}

// unknownUsersDenied makes a login as an unknown user fail as MySQL fails
// it, with ER_ACCESS_DENIED_ERROR, instead of vitess's "No authentication
// methods available": every user is offered mysql_native_password, whose
// password check then refuses the unknown one.
type unknownUsersDenied struct{ mysql.AuthServer }

func (a unknownUsersDenied) AuthMethods() []mysql.AuthMethod {
	methods := a.AuthServer.AuthMethods()
	out := make([]mysql.AuthMethod, len(methods))
	for i, m := range methods {
		out[i] = m
		if m.Name() == mysql.MysqlNativePassword {
			out[i] = anyUserMethod{m}
		}
	}
	return out
}

type anyUserMethod struct{ mysql.AuthMethod }

func (anyUserMethod) HandleUser(*mysql.Conn, string) bool { return true }

// listenerFactory builds the MySQL listener with unknownUsersDenied.
func listenerFactory(cfg server.Config, lc mysql.ListenerConfig, sel server.ServerEventListener) (server.ProtocolListener, error) {
	lc.AuthServer = unknownUsersDenied{lc.AuthServer}
	return server.MySQLProtocolListenerFactory(cfg, lc, sel)
}
