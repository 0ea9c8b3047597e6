// Decoder and gzip choice for ingest (task 6), measured on the fixture of
// fixture_test.go: {"Records":[…]} files of 1000 records, ~1.5 KB per record
// with requestParameters/responseElements objects to skip. One core
// (-cpu 1), AMD EPYC, Go 1.26, 2026-11:
//
//	go test ./ingest -run XXX -bench 'Decode|Gunzip' -benchtime 2s -count 3 -cpu 1
//
//	decoder (into the minimal struct)     MB/s   records/s   robust?
//	encoding/json, struct                  150      98 000   reference
//	encoding/json, RawMessage + record      72      47 000   reference
//	goccy/go-json, struct                 1260     820 000   yes: 0 invalid inputs accepted
//	bytedance/sonic (ValidateString)       545     354 000   no: accepts bad escapes ("\u12") in skipped values
//	json-iterator (std-compatible)         350     228 000   no: accepts control characters in keys
//	valyala/fastjson Validate + Parse      470     305 000   no: Validate accepts control characters
//	buger/jsonparser (no validation)       495     320 000   no: does not validate skipped values
//	minio/simdjson-go                      535     346 000   needs AVX2; not retested for robustness
//
//	whole ingest path (decode + normalize into engine.Event)
//	goccy/go-json + normalize              825     535 000
//	encoding/json + normalize              135      87 000   (the fallback path)
//
//	gzip decompression (output MB/s)
//	compress/gzip                          930
//	klauspost/compress/gzip               1295   chosen
//	klauspost/pgzip                       1005   (read-ahead goroutine, no gain per core)
//
//	pipeline (BenchmarkRun, 32 gzipped files, -cpu 2, counting sink)
//	workers=1                              410 MB/s uncompressed, 265 000 records/s
//	workers=2                              750 MB/s uncompressed, 482 000 records/s
//
// "Robust" is TestDecoderCandidatesRobustness (mutated files: the decoder
// must reject whatever json.Valid rejects, and not panic) plus the fuzz
// targets, which also check that goccy/go-json and encoding/json decode
// every record to the same value. goccy/go-json replaces invalid UTF-8
// with U+FFFD as encoding/json does; normalization then rejects a stored
// field holding U+FFFD, so bad bytes are never stored. Any goccy error (or
// panic) sends the file to encoding/json, which names the problem.

package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"

	"lastaccess/engine"

	"github.com/buger/jsonparser"
	"github.com/bytedance/sonic"
	gojson "github.com/goccy/go-json"
	jsoniter "github.com/json-iterator/go"
	kgzip "github.com/klauspost/compress/gzip"
	"github.com/klauspost/pgzip"
	"github.com/minio/simdjson-go"
	"github.com/valyala/fastjson"
)

type benchIssuer struct {
	ARN string `json:"arn"`
}

type benchSession struct {
	SessionIssuer *benchIssuer `json:"sessionIssuer"`
}

type benchIdentity struct {
	Type           string        `json:"type"`
	ARN            string        `json:"arn"`
	AccountID      string        `json:"accountId"`
	InvokedBy      string        `json:"invokedBy"`
	SessionContext *benchSession `json:"sessionContext"`
}

type benchRecord struct {
	EventID       string         `json:"eventID"`
	EventTime     string         `json:"eventTime"`
	EventSource   string         `json:"eventSource"`
	EventName     string         `json:"eventName"`
	AwsRegion     string         `json:"awsRegion"`
	ErrorCode     string         `json:"errorCode"`
	EventType     string         `json:"eventType"`
	EventCategory string         `json:"eventCategory"`
	UserIdentity  *benchIdentity `json:"userIdentity"`
}

type benchFile struct {
	Records []benchRecord `json:"Records"`
}

type benchRawFile struct {
	Records []json.RawMessage `json:"Records"`
}

const benchRecords = 1000

func benchFixture() []byte { return newFixtureGen(42).recordsFile(benchRecords) }

func runDecodeBench(b *testing.B, decode func([]byte) (int, error)) {
	data := benchFixture()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n, err := decode(data)
		if err != nil {
			b.Fatal(err)
		}
		if n != benchRecords {
			b.Fatalf("decoded %d records, want %d", n, benchRecords)
		}
	}
	b.ReportMetric(float64(benchRecords*b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkDecode(b *testing.B) {
	b.Run("stdlib-struct", func(b *testing.B) {
		runDecodeBench(b, func(d []byte) (int, error) {
			var f benchFile
			err := json.Unmarshal(d, &f)
			return len(f.Records), err
		})
	})
	b.Run("stdlib-raw+record", func(b *testing.B) {
		runDecodeBench(b, func(d []byte) (int, error) {
			var f benchRawFile
			if err := json.Unmarshal(d, &f); err != nil {
				return 0, err
			}
			for _, r := range f.Records {
				var rec benchRecord
				if err := json.Unmarshal(r, &rec); err != nil {
					return 0, err
				}
			}
			return len(f.Records), nil
		})
	})
	sonicAPI := sonic.Config{ValidateString: true}.Froze()
	b.Run("sonic-struct", func(b *testing.B) {
		runDecodeBench(b, func(d []byte) (int, error) {
			var f benchFile
			err := sonicAPI.Unmarshal(d, &f)
			return len(f.Records), err
		})
	})
	b.Run("goccy-struct", func(b *testing.B) {
		runDecodeBench(b, func(d []byte) (int, error) {
			var f benchFile
			err := gojson.Unmarshal(d, &f)
			return len(f.Records), err
		})
	})
	iter := jsoniter.ConfigCompatibleWithStandardLibrary
	b.Run("jsoniter-struct", func(b *testing.B) {
		runDecodeBench(b, func(d []byte) (int, error) {
			var f benchFile
			err := iter.Unmarshal(d, &f)
			return len(f.Records), err
		})
	})
	var fp fastjson.Parser
	b.Run("fastjson-validate+parse", func(b *testing.B) {
		runDecodeBench(b, func(d []byte) (int, error) {
			if err := fastjson.ValidateBytes(d); err != nil {
				return 0, err
			}
			v, err := fp.ParseBytes(d)
			if err != nil {
				return 0, err
			}
			recs := v.GetArray("Records")
			for _, r := range recs {
				var rec benchRecord
				rec.EventID = string(r.GetStringBytes("eventID"))
				rec.EventTime = string(r.GetStringBytes("eventTime"))
				rec.EventSource = string(r.GetStringBytes("eventSource"))
				rec.EventName = string(r.GetStringBytes("eventName"))
				rec.AwsRegion = string(r.GetStringBytes("awsRegion"))
				rec.ErrorCode = string(r.GetStringBytes("errorCode"))
				rec.EventType = string(r.GetStringBytes("eventType"))
				rec.EventCategory = string(r.GetStringBytes("eventCategory"))
				if u := r.Get("userIdentity"); u != nil {
					rec.UserIdentity = &benchIdentity{
						Type:      string(u.GetStringBytes("type")),
						ARN:       string(u.GetStringBytes("arn")),
						AccountID: string(u.GetStringBytes("accountId")),
					}
				}
			}
			return len(recs), nil
		})
	})
	b.Run("jsonparser-novalidate", func(b *testing.B) {
		runDecodeBench(b, func(d []byte) (int, error) {
			n := 0
			var ferr error
			_, err := jsonparser.ArrayEach(d, func(v []byte, dt jsonparser.ValueType, _ int, err error) {
				var rec benchRecord
				jsonparser.EachKey(v, func(idx int, val []byte, vt jsonparser.ValueType, err error) {
					s := string(val)
					switch idx {
					case 0:
						rec.EventID = s
					case 1:
						rec.EventTime = s
					case 2:
						rec.EventSource = s
					case 3:
						rec.EventName = s
					case 4:
						rec.AwsRegion = s
					case 5:
						rec.ErrorCode = s
					}
				}, []string{"eventID"}, []string{"eventTime"}, []string{"eventSource"}, []string{"eventName"}, []string{"awsRegion"},
					[]string{"errorCode"}, []string{"eventType"}, []string{"eventCategory"}, []string{"userIdentity", "type"},
					[]string{"userIdentity", "arn"}, []string{"userIdentity", "accountId"}, []string{"userIdentity", "sessionContext", "sessionIssuer", "arn"})
				n++
			}, "Records")
			if ferr != nil {
				return n, ferr
			}
			return n, err
		})
	})
	if simdjson.SupportedCPU() {
		var pj *simdjson.ParsedJson
		b.Run("simdjson-go", func(b *testing.B) {
			runDecodeBench(b, func(d []byte) (int, error) {
				var err error
				pj, err = simdjson.Parse(d, pj)
				if err != nil {
					return 0, err
				}
				n := 0
				var obj simdjson.Object
				var elem simdjson.Element
				var arr simdjson.Array
				iter := pj.Iter()
				var tmp simdjson.Iter
				iter.Advance()
				typ, _, err := iter.Root(&tmp)
				if err != nil || typ != simdjson.TypeObject {
					return 0, io.ErrUnexpectedEOF
				}
				root, err := tmp.Object(&obj)
				if err != nil {
					return 0, err
				}
				if root.FindKey("Records", &elem) == nil {
					return 0, io.ErrUnexpectedEOF
				}
				if _, err := elem.Iter.Array(&arr); err != nil {
					return 0, err
				}
				ai := arr.Iter()
				var recObj simdjson.Object
				for ai.Advance() == simdjson.TypeObject {
					o, err := ai.Object(&recObj)
					if err != nil {
						return 0, err
					}
					var rec benchRecord
					var e simdjson.Element
					for _, k := range [...]string{"eventID", "eventTime", "eventSource", "eventName", "awsRegion", "errorCode", "eventType", "eventCategory"} {
						if o.FindKey(k, &e) != nil {
							s, _ := e.Iter.String()
							rec.EventID = s
						}
					}
					n++
				}
				return n, nil
			})
		})
	}
}

// BenchmarkDecodeIngest measures what ingest does per Records file:
// decode plus normalization into events, with the fast decoder and with
// encoding/json alone.
func BenchmarkDecodeIngest(b *testing.B) {
	cat := testCatalog(b)
	for _, slow := range []bool{false, true} {
		name := "goccy+normalize"
		if slow {
			name = "stdlib+normalize"
		}
		b.Run(name, func(b *testing.B) {
			n := newNormalizer(cat)
			runDecodeBench(b, func(d []byte) (int, error) {
				acc := &accumulator{file: "bench.json", n: n}
				err := decodeRecordsFile(acc, d, slow)
				return int(acc.sum.Records), err
			})
		})
	}
}

// BenchmarkRun measures the whole pipeline on gzipped files with a sink
// that only counts: read, gunzip, decode, normalize, batch.
func BenchmarkRun(b *testing.B) {
	dir := b.TempDir()
	g := newFixtureGen(9)
	var raw int64
	const files = 32
	for i := range files {
		data := g.recordsFile(benchRecords)
		raw += int64(len(data))
		write(b, dir, fmt.Sprintf("AWSLogs/111122223333/CloudTrail/us-east-1/f%02d.json.gz", i), gzipBytes(data))
	}
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.SetBytes(raw)
			for b.Loop() {
				sum, err := Run(context.Background(), []string{dir}, countSink{}, Options{Catalog: testCatalog(b), Workers: workers})
				if err != nil || sum.Records != files*benchRecords {
					b.Fatal(err, sum.Records)
				}
			}
			b.ReportMetric(float64(files*benchRecords*b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

type countSink struct{}

func (countSink) Append(_ context.Context, evs []engine.Event) (engine.AppendResult, error) {
	return engine.AppendResult{Ingested: len(evs)}, nil
}

// TestDecoderCandidatesRobustness mutates a realistic file (bytes changed,
// inserted, cut) and compares each candidate's verdict with encoding/json's
// json.Valid. The chosen decoder (goccy/go-json) must never accept what
// encoding/json rejects, nor panic; the others are logged for the record.
func TestDecoderCandidatesRobustness(t *testing.T) {
	sonicAPI := sonic.Config{ValidateString: true}.Froze()
	candidates := map[string]func([]byte) error{
		"goccy": func(d []byte) error { var f benchFile; return gojson.Unmarshal(d, &f) },
		"sonic": func(d []byte) error { var f benchFile; return sonicAPI.Unmarshal(d, &f) },
		"jsoniter": func(d []byte) error {
			var f benchFile
			return jsoniter.ConfigCompatibleWithStandardLibrary.Unmarshal(d, &f)
		},
		"fastjson": func(d []byte) error { return fastjson.ValidateBytes(d) },
	}
	base := newFixtureGen(7).recordsFile(3)
	rng := rand.New(rand.NewPCG(1, 2))
	bad := []string{"\x01", "\\q", "01", "1.", "-", "+1", ",]", ",}", "NaN", "tru", "nul", "'", "//", "\\u12", "\xff", "1e", "--1", "]", "}", "{", "[", "\"", ":", " "}
	accepted := map[string]int{}
	n := 5000
	if testing.Short() {
		n = 500
	}
	for range n {
		d := append([]byte(nil), base...)
		switch rng.IntN(3) {
		case 0:
			p := rng.IntN(len(d))
			d = append(d[:p], append([]byte(bad[rng.IntN(len(bad))]), d[p:]...)...)
		case 1:
			d[rng.IntN(len(d))] = byte(rng.IntN(256))
		case 2:
			d = d[:rng.IntN(len(d))]
		}
		if json.Valid(d) {
			continue
		}
		for name, dec := range candidates {
			if func() (ok bool) {
				defer func() {
					if recover() != nil {
						ok = true // a panic counts as a failure
					}
				}()
				return dec(d) == nil
			}() {
				accepted[name]++
			}
		}
	}
	t.Logf("invalid inputs accepted (or panics), of %d mutations: %v", n, accepted)
	if accepted["goccy"] != 0 {
		t.Fatalf("goccy/go-json accepted %d invalid inputs", accepted["goccy"])
	}
}

// BenchmarkGunzip compares gzip decompression of a realistic file.
func BenchmarkGunzip(b *testing.B) {
	raw := benchFixture()
	gz := gzipBytes(raw)
	run := func(b *testing.B, open func(io.Reader) (io.Reader, error)) {
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		var buf bytes.Buffer
		for b.Loop() {
			r, err := open(bytes.NewReader(gz))
			if err != nil {
				b.Fatal(err)
			}
			buf.Reset()
			if _, err := buf.ReadFrom(r); err != nil {
				b.Fatal(err)
			}
			if buf.Len() != len(raw) {
				b.Fatal("short")
			}
		}
	}
	b.Run("stdlib", func(b *testing.B) {
		run(b, func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) })
	})
	b.Run("klauspost", func(b *testing.B) {
		run(b, func(r io.Reader) (io.Reader, error) { return kgzip.NewReader(r) })
	})
	b.Run("pgzip", func(b *testing.B) {
		run(b, func(r io.Reader) (io.Reader, error) { return pgzip.NewReader(r) })
	})
}
