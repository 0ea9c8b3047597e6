package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"lastaccess/awsfront"
	"lastaccess/engine"
)

// The AWS wire API (issue 11): the root report through the Go SDK over
// HTTP beside the same through CALL over MySQL, what the protocol and the
// signature add per request, and 100 concurrent SDK clients.

var benchKey = awsfront.Key{Name: "bench", AccessKeyID: "AKIALASTACCESSBENCH0", SecretAccessKey: "bench-secret"}

// awsServer serves an engine over both wires on loopback ports.
type awsServer struct {
	sql  *sqlServer
	aws  *awsfront.Server
	url  string
	done chan error
}

func startAWSServer(b *testing.B, dataset string, opts engine.Options) (*awsServer, *engine.Engine) {
	b.Helper()
	l := LoadIngested(b, dataset)
	opts.Clock = engine.FixedClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	st, eng := openEngine(b, l.Dir, opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv, err := awsfront.NewServer(eng, awsfront.Options{Listener: ln, Keys: []awsfront.Key{benchKey}})
	if err != nil {
		b.Fatal(err)
	}
	// The first report loads the rollup into memory: not what is measured.
	orgReportPage(b, eng, eng.Organization().Root.Path, "")
	s := &awsServer{sql: serveEngine(b, eng), aws: srv, url: "http://" + ln.Addr().String(), done: make(chan error, 1)}
	go func() { s.done <- srv.Serve() }()
	b.Cleanup(func() {
		if err := srv.Shutdown(context.Background()); err != nil {
			b.Error(err)
		}
		<-s.done
		s.sql.shutdown(b)
		eng.Close()
		st.Close()
	})
	return s, eng
}

// sdkClient is an IAM client with its own HTTP transport, pointed at the
// server, with the SDK's standard retryer, as users run it; retried
// attempts are counted in retries. (aws-sdk-go-v2's transport now and then
// closes a connection while it reads a response it already has — its
// issue 2737, which its retryer handles — about once in a thousand
// requests to a server that answers within a millisecond.)
func (s *awsServer) sdkClient(b *testing.B, retries *atomic.Int64) *iam.Client {
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(benchKey.AccessKeyID, benchKey.SecretAccessKey, "")),
		config.WithRetryer(func() aws.Retryer { return countingRetryer{retry.NewStandard(), retries} }),
		config.WithEC2IMDSClientEnableState(imds.ClientDisabled),
	)
	if err != nil {
		b.Fatal(err)
	}
	return iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(s.url) })
}

// countingRetryer counts the attempts the SDK retries.
type countingRetryer struct {
	aws.Retryer
	retries *atomic.Int64
}

func (r countingRetryer) IsErrorRetryable(err error) bool {
	ok := r.Retryer.IsErrorRetryable(err)
	if ok && r.retries != nil {
		r.retries.Add(1)
	}
	return ok
}

// BenchmarkAWSOrgReport times Generate + wait + Get of the root report's
// first 100-service page on org10k three ways, in turns so that the
// machine's load weighs on each alike: through the Go SDK over HTTP
// (sdk-*), through CALL over MySQL with go-sql-driver's prepared
// statements (sql-*), and in process (engine-*). The wait is the
// engine's in both wire cases, so only the two requests cross the wire.
func BenchmarkAWSOrgReport(b *testing.B) {
	s, eng := startAWSServer(b, datasetFor("org10k"), engine.Options{})
	root := eng.Organization().Root.Path
	ctx := context.Background()
	var retries atomic.Int64
	c := s.sdkClient(b, &retries)
	db := s.sql.db(b)
	db.SetMaxOpenConns(1)
	gen, err := db.Prepare("CALL generate_organizations_access_report(?, NULL)")
	if err != nil {
		b.Fatal(err)
	}
	defer gen.Close()
	get, err := db.Prepare(sqlGetPage)
	if err != nil {
		b.Fatal(err)
	}
	defer get.Close()
	viaSDK := func() {
		out, err := c.GenerateOrganizationsAccessReport(ctx, &iam.GenerateOrganizationsAccessReportInput{EntityPath: aws.String(root)})
		if err != nil {
			b.Fatal(err)
		}
		if err := eng.WaitJob(ctx, aws.ToString(out.JobId)); err != nil {
			b.Fatal(err)
		}
		page, err := c.GetOrganizationsAccessReport(ctx, &iam.GetOrganizationsAccessReportInput{JobId: out.JobId, MaxItems: aws.Int32(100)})
		if err != nil || page.JobStatus != types.JobStatusTypeCompleted {
			b.Fatal(err)
		}
	}
	viaSQL := func() {
		var id string
		if err := gen.QueryRow(root).Scan(&id); err != nil {
			b.Fatal(err)
		}
		if err := eng.WaitJob(ctx, id); err != nil {
			b.Fatal(err)
		}
		readAll(b, get, id)
	}
	inProcess := func() { orgReportPage(b, eng, root, "") }
	viaSDK() // the first request of a client and of a connection
	viaSQL()
	var sdk, sql, local latencies
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ways := []struct {
			lat *latencies
			f   func()
		}{{&sdk, viaSDK}, {&sql, viaSQL}, {&local, inProcess}}
		for k := range ways {
			w := ways[(i+k)%len(ways)]
			w.lat.time(w.f)
		}
	}
	b.StopTimer()
	for _, m := range []struct {
		name string
		lat  latencies
	}{{"sdk", sdk}, {"sql", sql}, {"engine", local}} {
		b.ReportMetric(float64(m.lat.quantile(0.5).Nanoseconds()), m.name+"-p50-ns")
		b.ReportMetric(float64(m.lat.quantile(0.99).Nanoseconds()), m.name+"-p99-ns")
	}
	b.ReportMetric(float64(retries.Load()), "sdk-retries")
}

// BenchmarkAWSOverhead measures what the wire adds to one request: the
// same Get in process and through the SDK over loopback HTTP, in turns
// (p50 of each and their difference: the SDK's signing and XML decoding,
// HTTP, and the server's work), and, on the server alone, the handler's
// work for a signed request (verify the signature, parse the form, write
// the XML of a 100-service page) without the network.
func BenchmarkAWSOverhead(b *testing.B) {
	s, eng := startAWSServer(b, datasetFor("org10k"), engine.Options{})
	ctx := context.Background()
	id, err := eng.GenerateOrganizationsAccessReport(ctx, engine.GenerateOrganizationsAccessReportInput{EntityPath: eng.Organization().Root.Path})
	if err != nil {
		b.Fatal(err)
	}
	if err := eng.WaitJob(ctx, id); err != nil {
		b.Fatal(err)
	}
	// The same Get in process, through the SDK, and as a request signed
	// with the SDK's signer sent by net/http (its answer read, not
	// decoded), in turns: a page of 100 services (what the SDK decodes
	// grows with it) and of one.
	for _, page := range []struct {
		name string
		size int
	}{{"get-page", 100}, {"get-item", 1}} {
		b.Run(page.name, func(b *testing.B) {
			var retries atomic.Int64
			c := s.sdkClient(b, &retries)
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			hc := &http.Client{Transport: tr}
			form := fmt.Sprintf("Action=GetOrganizationsAccessReport&Version=2010-05-08&JobId=%s&MaxItems=%d", id, page.size)
			sum := sha256.Sum256([]byte(form))
			creds := aws.Credentials{AccessKeyID: benchKey.AccessKeyID, SecretAccessKey: benchKey.SecretAccessKey}
			var inProcess, sdk, raw latencies
			for i := 0; i < b.N; i++ {
				raw.time(func() {
					req, _ := http.NewRequest(http.MethodPost, s.url+"/", strings.NewReader(form))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
					if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
						b.Fatal(err)
					}
					resp, err := hc.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err != nil || resp.StatusCode != 200 {
						b.Fatal(err, resp.StatusCode)
					}
				})
				inProcess.time(func() {
					if _, err := eng.GetOrganizationsAccessReport(ctx, engine.GetOrganizationsAccessReportInput{JobID: id, MaxItems: aws.Int(page.size)}); err != nil {
						b.Fatal(err)
					}
				})
				sdk.time(func() {
					if _, err := c.GetOrganizationsAccessReport(ctx, &iam.GetOrganizationsAccessReportInput{JobId: aws.String(id), MaxItems: aws.Int32(int32(page.size))}); err != nil {
						b.Fatal(err)
					}
				})
			}
			b.ReportMetric(float64(inProcess.quantile(0.5).Nanoseconds()), "engine-p50-ns")
			b.ReportMetric(float64(sdk.quantile(0.5).Nanoseconds()), "sdk-p50-ns")
			b.ReportMetric(float64(sdk.quantile(0.99).Nanoseconds()), "sdk-p99-ns")
			b.ReportMetric(float64((sdk.quantile(0.5) - inProcess.quantile(0.5)).Nanoseconds()), "overhead-p50-ns")
			b.ReportMetric(float64(raw.quantile(0.5).Nanoseconds()), "http-p50-ns")
			b.ReportMetric(float64((raw.quantile(0.5) - inProcess.quantile(0.5)).Nanoseconds()), "http-overhead-p50-ns")
			b.ReportMetric(float64(retries.Load()), "sdk-retries")
		})
	}
	b.Run("handler", func(b *testing.B) {
		// The server's handler, reached through an httptest server's
		// handler chain but called directly: signature, form, engine, XML.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		defer ln.Close()
		srv, err := awsfront.NewServer(eng, awsfront.Options{Listener: ln, Keys: []awsfront.Key{benchKey}})
		if err != nil {
			b.Fatal(err)
		}
		h := srv.Handler()
		form := fmt.Sprintf("Action=GetOrganizationsAccessReport&Version=2010-05-08&JobId=%s&MaxItems=100", id)
		sum := sha256.Sum256([]byte(form))
		creds := aws.Credentials{AccessKeyID: benchKey.AccessKeyID, SecretAccessKey: benchKey.SecretAccessKey}
		var handler, inProcess latencies
		for i := 0; i < b.N; i++ {
			req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4566/", strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
				b.Fatal(err)
			}
			rec := httptest.NewRecorder()
			handler.time(func() { h.ServeHTTP(rec, req) })
			if rec.Code != 200 {
				b.Fatalf("%d %s", rec.Code, rec.Body.String())
			}
			inProcess.time(func() {
				if _, err := eng.GetOrganizationsAccessReport(ctx, engine.GetOrganizationsAccessReportInput{JobID: id, MaxItems: aws.Int(100)}); err != nil {
					b.Fatal(err)
				}
			})
		}
		b.ReportMetric(float64(handler.quantile(0.5).Nanoseconds()), "handler-p50-ns")
		b.ReportMetric(float64((handler.quantile(0.5) - inProcess.quantile(0.5)).Nanoseconds()), "overhead-p50-ns")
	})
}

// awsClients is the number of concurrent SDK clients of
// BenchmarkAWSClients.
const awsClients = 100

// BenchmarkAWSClients runs b.N requests spread over 100 SDK clients,
// each with its own HTTP connections, and reports requests/s, p50 and
// p99, the errors (the target is none) and the attempts the SDK retried.
// "generate-get": each client generates the root report, Gets its first
// 100-service page until the job has completed, and starts again (the
// limit of report jobs in progress is raised from 100: a client sees its
// job COMPLETED a moment before the engine counts it out of the running
// jobs, and the limit is not what this measures). "get": Gets of
// 100-service pages of 50 completed jobs, the wire's own throughput.
func BenchmarkAWSClients(b *testing.B) {
	s, eng := startAWSServer(b, datasetFor("org10k"), engine.Options{MaxOrgJobsInProgress: 4 * awsClients})
	root := eng.Organization().Root.Path
	ctx := context.Background()
	var jobs []*string
	for len(jobs) < 50 {
		id, err := eng.GenerateOrganizationsAccessReport(ctx, engine.GenerateOrganizationsAccessReportInput{EntityPath: root})
		if err != nil {
			b.Fatal(err)
		}
		if err := eng.WaitJob(ctx, id); err != nil {
			b.Fatal(err)
		}
		jobs = append(jobs, aws.String(id))
	}
	b.Run("generate-get", func(b *testing.B) {
		runAWSClients(b, s, func(c *iam.Client, i int64, job **string) error {
			if *job == nil {
				out, err := c.GenerateOrganizationsAccessReport(ctx, &iam.GenerateOrganizationsAccessReportInput{EntityPath: aws.String(root)})
				if err == nil {
					*job = out.JobId
				}
				return err
			}
			out, err := c.GetOrganizationsAccessReport(ctx, &iam.GetOrganizationsAccessReportInput{JobId: *job, MaxItems: aws.Int32(100)})
			if err == nil && out.JobStatus != types.JobStatusTypeInProgress {
				*job = nil
			}
			return err
		})
	})
	b.Run("get", func(b *testing.B) {
		runAWSClients(b, s, func(c *iam.Client, i int64, _ **string) error {
			_, err := c.GetOrganizationsAccessReport(ctx, &iam.GetOrganizationsAccessReportInput{JobId: jobs[i%int64(len(jobs))], MaxItems: aws.Int32(100)})
			return err
		})
	})
}

// runAWSClients spreads b.N calls of request over awsClients clients.
func runAWSClients(b *testing.B, s *awsServer, request func(c *iam.Client, i int64, job **string) error) {
	var retries atomic.Int64
	clients := make([]*iam.Client, awsClients)
	for i := range clients {
		clients[i] = s.sdkClient(b, &retries)
	}
	var next, errCount atomic.Int64
	var firstErr atomic.Value
	lats := make([]latencies, awsClients)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for ci, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var job *string
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				var err error
				lats[ci].time(func() { err = request(c, i, &job) })
				if err != nil {
					errCount.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	var lat latencies
	for _, l := range lats {
		lat = append(lat, l...)
	}
	lat.report(b)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "requests/s")
	b.ReportMetric(float64(errCount.Load()), "errors")
	b.ReportMetric(float64(retries.Load()), "sdk-retries")
	if n := errCount.Load(); n > 0 {
		b.Errorf("%d of %d requests failed over %d SDK clients; the first: %v", n, b.N, awsClients, firstErr.Load())
	}
}
