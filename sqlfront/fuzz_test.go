package sqlfront

import (
	"context"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/mysql"

	"lastaccess/engine"
	"lastaccess/ingest"
	"lastaccess/storage"
)

// fuzzOverload is one registered overload: the Go function
// go-mysql-server calls for a CALL with n parameters.
type fuzzOverload struct {
	p *procedure
	n int
	d *sql.ExternalStoredProcedureDetails
}

// fuzzFrontend is the frontend over the AWS sample (with the IAM fixture
// when the server can import it) and the ids of one completed job of
// each kind, which inputs name as {job} and {svcjob} so the fuzzer
// reaches past the JobId lookup.
type fuzzFrontend struct {
	f         *frontend
	overloads []fuzzOverload
	subst     *strings.Replacer
}

func newFuzzFrontend(tb testing.TB) *fuzzFrontend {
	st, err := storage.Open(tb.TempDir(), storage.DefaultOptions())
	if err != nil {
		tb.Fatal(err)
	}
	eng, err := engine.Open(st, engine.Options{Clock: engine.FixedClock(sampleNow)})
	if err != nil {
		st.Close()
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := eng.Close(); err != nil {
			tb.Error(err)
		}
		if err := st.Close(); err != nil {
			tb.Error(err)
		}
	})
	read := func(parts ...string) []byte {
		data, err := os.ReadFile(repoPath(parts...))
		if err != nil {
			tb.Fatal(err)
		}
		return data
	}
	if _, err := eng.ImportOrganization(read("testdata", "aws-sample", "org.json")); err != nil {
		tb.Fatal(err)
	}
	sum, err := ingest.Run(context.Background(), []string{repoPath("testdata", "aws-sample", "AWSLogs")}, eng,
		ingest.Options{NoProgress: true, Catalog: eng.Catalog()})
	if err != nil || sum.Failed() {
		tb.Fatalf("ingest the sample: %v %+v", err, sum)
	}
	ctx := context.Background()
	job, err := eng.GenerateOrganizationsAccessReport(ctx, engine.GenerateOrganizationsAccessReportInput{EntityPath: sampleOU, Caller: adminUser})
	if err != nil {
		tb.Fatal(err)
	}
	if err := eng.WaitJob(ctx, job); err != nil {
		tb.Fatal(err)
	}
	svcJob := "00000000-0000-4000-8000-000000000000"
	if _, err := eng.ImportAuthorizationDetails(read("testdata", "iam", "authorization-details.json")); err == nil {
		id, err := eng.GenerateServiceLastAccessedDetails(ctx, engine.GenerateServiceLastAccessedDetailsInput{
			Arn: fixtureUserARN, Granularity: engine.String("ACTION_LEVEL"), Caller: adminUser})
		if err != nil {
			tb.Fatal(err)
		}
		if err := eng.WaitJob(ctx, id); err != nil {
			tb.Fatal(err)
		}
		svcJob = id
	}

	ff := &fuzzFrontend{
		f: newFrontend(eng, []User{
			{Name: adminUser, Password: adminPassword},
			{Name: readerUser, Password: readerPassword, ReadOnly: true},
		}),
		subst: strings.NewReplacer("{job}", job, "{svcjob}", svcJob),
	}
	for _, name := range ff.f.procs.names() {
		for _, d := range ff.f.procs.all(name) {
			reg := ff.f.procs.byName[name]
			n := reflect.TypeOf(d.Function).NumIn() - 1
			ff.overloads = append(ff.overloads, fuzzOverload{p: reg.p, n: n, d: &d})
		}
	}
	return ff
}

// call runs one overload as user with the parameters, the way
// go-mysql-server calls it, and checks the outcome: an AWS-coded error
// (or, for the read-only user and a procedure that changes data, the
// MySQL refusal), or rows that fit the result schema and encode for the
// wire.
func (ff *fuzzFrontend) call(t *testing.T, ov fuzzOverload, user string, params []string) {
	t.Helper()
	sess := sql.NewBaseSessionWithClientServer("127.0.0.1:3306", sql.Client{User: user, Address: "127.0.0.1"}, 1)
	sess.SetCurrentDatabase(DatabaseName)
	ctx := sql.NewContext(context.Background(), sql.WithSession(sess))
	in := []reflect.Value{reflect.ValueOf(ctx)}
	for _, s := range params[:ov.n] {
		in = append(in, reflect.ValueOf([]byte(ff.subst.Replace(s))))
	}
	out := reflect.ValueOf(ov.d.Function).Call(in)
	if errV := out[1].Interface(); errV != nil {
		err := errV.(error)
		var se *mysql.SQLError
		switch {
		case !errors.As(err, &se):
			t.Fatalf("%s%q as %s: %T %v, want an AWS-coded error", ov.p.name, params[:ov.n], user, err, err)
		case se.Num == erProcAccessDenied && ov.p.admin && ff.f.isReadOnly(user):
		case se.Num != erSignalException || se.State != stateUserException || !awsCoded.MatchString(se.Message):
			t.Fatalf("%s%q as %s: %d (%s) %q, want an AWS-coded error", ov.p.name, params[:ov.n], user, se.Num, se.State, se.Message)
		}
		return
	}
	if ov.p.admin && ff.f.isReadOnly(user) {
		t.Fatalf("%s%q: the read-only user's call succeeded", ov.p.name, params[:ov.n])
	}
	iter := out[0].Interface().(sql.RowIter)
	defer iter.Close(ctx)
	for {
		row, err := iter.Next(ctx)
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%s%q: reading rows: %v", ov.p.name, params[:ov.n], err)
		}
		if len(row) != len(ov.p.schema) {
			t.Fatalf("%s%q: row of %d values for %d columns", ov.p.name, params[:ov.n], len(row), len(ov.p.schema))
		}
		for i, col := range ov.p.schema {
			if row[i] == nil {
				if !col.Nullable {
					t.Fatalf("%s%q: %s is NULL", ov.p.name, params[:ov.n], col.Name)
				}
				continue
			}
			if _, err := col.Type.SQL(ctx, nil, row[i]); err != nil {
				t.Fatalf("%s%q: %s = %v does not encode as %s: %v", ov.p.name, params[:ov.n], col.Name, row[i], col.Type, err)
			}
		}
	}
}

// FuzzProcedureParameters calls every procedure overload with arbitrary
// text parameters (which selects the overload; its high bit calls as the
// read-only user): never a panic, always a valid result or an AWS-coded
// error. Seeds: testdata/fuzz/FuzzProcedureParameters and the calls below.
func FuzzProcedureParameters(f *testing.F) {
	ff := newFuzzFrontend(f)
	rec := testRecord(eventID(1), "111122223333", "2019-06-01T00:00:00Z")
	for i := range ff.overloads {
		which := uint8(i)
		f.Add(which, "", "", "", "", "")
		f.Add(which|0x80, "{job}", "1", "", "", "")
		f.Add(which, "{job}", "1000", "", "LAST_AUTHENTICATED_TIME_DESCENDING", "")
		f.Add(which, "{svcjob}", "s3", "2", "", "")
		f.Add(which, sampleOU, "p-FullAWSAccess", "", "", "")
		f.Add(which, fixtureUserARN, "ACTION_LEVEL", "", "", "")
		f.Add(which, fixtureUserARN, "s3,iam, ec2", "", "", "")
		f.Add(which, rec, "", "", "", "")
		f.Add(which, `'); DROP TABLE x; --`, `\'`, `;`, `"`, "`")
	}
	f.Fuzz(func(t *testing.T, which uint8, a0, a1, a2, a3, a4 string) {
		ov := ff.overloads[int(which&0x7f)%len(ff.overloads)]
		user := adminUser
		if which&0x80 != 0 {
			user = readerUser
		}
		ff.call(t, ov, user, []string{a0, a1, a2, a3, a4})
	})
}

// TestProcedureParametersSeeds runs the fuzz target's checks on each
// overload with the hostile values of the access tests, so a plain
// `go test` covers every procedure even where the fuzz corpus does not.
func TestProcedureParametersSeeds(t *testing.T) {
	ff := newFuzzFrontend(t)
	for _, ov := range ff.overloads {
		for _, user := range []string{adminUser, readerUser} {
			for _, v := range append(hostileValues, "", "{job}", "{svcjob}") {
				for i := 0; i < ov.n; i++ {
					params := []string{"{job}", "", "", "", ""}
					params[i] = v
					ff.call(t, ov, user, params)
				}
			}
		}
	}
}
