package sqlfront

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
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

// setupUsers installs the accounts, for any host. Admins are super users
// without FILE;
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
		var privs mysql_db.PrivilegeSet
		if u.ReadOnly {
			privs = mysql_db.NewPrivilegeSet()
			privs.AddDatabase(DatabaseName, sql.PrivilegeType_Select, sql.PrivilegeType_Execute)
			privs.AddDatabase("information_schema", sql.PrivilegeType_Select)
		} else {
			// Everything but FILE: no account reads or writes the
			// server's files (access_rule.go refuses them to all).
			privs = mysql_db.NewPrivilegeSetWithAllPrivileges()
			privs.RemoveGlobalStatic(sql.PrivilegeType_File)
		}
		ed.PutUser(&mysql_db.User{
			User:                u.Name,
			Host:                "%",
			PrivilegeSet:        privs,
			Plugin:              "mysql_native_password",
			AuthString:          nativePasswordHash(u.Password),
			PasswordLastChanged: time.Now().UTC(),
			IsSuperUser:         !u.ReadOnly,
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

// loginGuard is the listener's authentication server: go-mysql-server's
// (the grant tables), with what MySQL does around a login.
//
//   - An unknown user fails as MySQL fails it, with ER_ACCESS_DENIED_ERROR,
//     instead of vitess's "No authentication methods available": every
//     user is offered mysql_native_password, whose password check then
//     refuses the unknown one.
//   - A failed login is logged with the client's address (vitess logs
//     neither the address nor the reason).
//   - Past max_connections only an admin may log in (the connection kept
//     for it); anyone else gets error 1040.
//   - A login ends the connection's handshake deadline (connect_timeout),
//     and every client is served through COM_MULTI_QUERY, so that a CALL
//     can end with the OK packet MySQL sends after a procedure's results
//     (handler.ComMultiQuery); a client that did not ask for multiple
//     statements still gets one statement per query.
type loginGuard struct {
	mysql.AuthServer
	db  *mysql_db.MySQLDb
	log *slog.Logger
}

func (a loginGuard) AuthMethods() []mysql.AuthMethod {
	methods := a.AuthServer.AuthMethods()
	out := make([]mysql.AuthMethod, len(methods))
	for i, m := range methods {
		out[i] = guardedMethod{AuthMethod: m, g: a, anyUser: m.Name() == mysql.MysqlNativePassword}
	}
	return out
}

type guardedMethod struct {
	mysql.AuthMethod
	g       loginGuard
	anyUser bool
}

func (m guardedMethod) HandleUser(c *mysql.Conn, user string) bool {
	return m.anyUser || m.AuthMethod.HandleUser(c, user)
}

func (m guardedMethod) HandleAuthPluginData(c *mysql.Conn, user string, serverData, clientData []byte, remote net.Addr) (mysql.Getter, error) {
	client := ""
	if remote != nil {
		client = remote.String()
	}
	getter, err := m.AuthMethod.HandleAuthPluginData(c, user, serverData, clientData, remote)
	if err != nil {
		m.g.log.Warn("login failed", "user", truncateEcho(user), "client", client, "err", err)
		return nil, err
	}
	gc := guardOf(c)
	if gc != nil && gc.l.open.Load() > globalInt(varMaxConnections, DefaultMaxConnections) && !m.g.isSuper(getter) {
		gc.l.count(func(s *GuardStats) { s.TooManyConnections++ })
		m.g.log.Info("login refused: max_connections reached", "user", user, "client", client)
		return nil, errTooManyConnections
	}
	if gc != nil {
		gc.loginDone()
		c.Capabilities |= mysql.CapabilityClientMultiStatements
	}
	return getter, nil
}

// isSuper says whether the account that logged in is an admin.
func (a loginGuard) isSuper(getter mysql.Getter) bool {
	u, ok := getter.(sql.MysqlConnectionUser)
	if !ok {
		return false
	}
	rd := a.db.Reader()
	defer rd.Close()
	user := a.db.GetUser(rd, u.User, u.Host, false)
	return user != nil && user.PrivilegeSet.Has(sql.PrivilegeType_Super)
}

// capClientInteractive is CLIENT_INTERACTIVE, which vitess does not
// name (nor keep: the guard reads it from the handshake).
const capClientInteractive = 1 << 10

// listenerFactory builds the MySQL listener with the loginGuard.
func listenerFactory(db *mysql_db.MySQLDb, log *slog.Logger) server.ProtocolListenerFunc {
	return func(cfg server.Config, lc mysql.ListenerConfig, sel server.ServerEventListener) (server.ProtocolListener, error) {
		lc.AuthServer = loginGuard{AuthServer: lc.AuthServer, db: db, log: log}
		return server.MySQLProtocolListenerFactory(cfg, lc, sel)
	}
}
