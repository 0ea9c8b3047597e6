package gen

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// digestFile is a CloudTrail digest file: hashes of the log files delivered
// in the last period, chained to the previous digest. An ingest must skip
// it (it holds no Records).
type digestFile struct {
	AWSAccountID                string          `json:"awsAccountId"`
	DigestStartTime             string          `json:"digestStartTime"`
	DigestEndTime               string          `json:"digestEndTime"`
	DigestS3Bucket              string          `json:"digestS3Bucket"`
	DigestS3Object              string          `json:"digestS3Object"`
	DigestPublicKeyFingerprint  string          `json:"digestPublicKeyFingerprint"`
	DigestSignatureAlgorithm    string          `json:"digestSignatureAlgorithm"`
	NewestEventTime             *string         `json:"newestEventTime"`
	OldestEventTime             *string         `json:"oldestEventTime"`
	PreviousDigestS3Bucket      *string         `json:"previousDigestS3Bucket"`
	PreviousDigestS3Object      *string         `json:"previousDigestS3Object"`
	PreviousDigestHashValue     *string         `json:"previousDigestHashValue"`
	PreviousDigestHashAlgorithm *string         `json:"previousDigestHashAlgorithm"`
	PreviousDigestSignature     *string         `json:"previousDigestSignature"`
	LogFiles                    []digestLogFile `json:"logFiles"`
}

type digestLogFile struct {
	S3Bucket        string `json:"s3Bucket"`
	S3Object        string `json:"s3Object"`
	HashValue       string `json:"hashValue"`
	HashAlgorithm   string `json:"hashAlgorithm"`
	NewestEventTime string `json:"newestEventTime"`
	OldestEventTime string `json:"oldestEventTime"`
}

func isoTime(unix int64) string { return string(appendTime(nil, unix)) }

// writeDigests writes the digest file covering files (consecutive log files
// of one account and region).
func (w *writer) writeDigests(ai int, region string, files []logFileInfo, t *tally) error {
	g := w.g
	acct := g.shape.accounts[ai].id
	last := files[len(files)-1]
	seed := splitmix64(g.cfg.Seed ^ splitmix64(uint64(ai)<<20^uint64(last.at)))
	at := max(w.chain.at+60, last.at+1800+int64(seed%1800))
	rel := g.digestPath(acct, region, at)
	start := w.chain.at
	if start == 0 {
		start = files[0].at - 3600
	}
	d := digestFile{
		AWSAccountID:               acct,
		DigestStartTime:            isoTime(start),
		DigestEndTime:              isoTime(at),
		DigestS3Bucket:             g.shape.bucket,
		DigestS3Object:             rel,
		DigestPublicKeyFingerprint: string(appendDerived(nil, g.cfg.Seed^0xf1a9, hexDigits, 32)),
		DigestSignatureAlgorithm:   "SHA256withRSA",
		LogFiles:                   make([]digestLogFile, 0, len(files)),
	}
	oldest, newest := files[0].oldest, files[0].newest
	for _, f := range files {
		oldest, newest = min(oldest, f.oldest), max(newest, f.newest)
		d.LogFiles = append(d.LogFiles, digestLogFile{
			S3Bucket: g.shape.bucket, S3Object: f.path,
			HashValue: hex.EncodeToString(f.hash[:]), HashAlgorithm: "SHA-256",
			NewestEventTime: isoTime(f.newest), OldestEventTime: isoTime(f.oldest),
		})
	}
	o, n := isoTime(oldest), isoTime(newest)
	d.OldestEventTime, d.NewestEventTime = &o, &n
	if w.chain.path != "" {
		bucket, obj, hash, alg, sig := g.shape.bucket, w.chain.path, w.chain.hash, "SHA-256", w.chain.sig
		d.PreviousDigestS3Bucket, d.PreviousDigestS3Object = &bucket, &obj
		d.PreviousDigestHashValue, d.PreviousDigestHashAlgorithm, d.PreviousDigestSignature = &hash, &alg, &sig
	}
	body, err := json.Marshal(&d)
	if err != nil {
		return fmt.Errorf("gen: digest: %w", err)
	}
	sum := sha256Hex(body)
	gz, err := w.compress(body)
	if err != nil {
		return err
	}
	if err := w.writeFile(rel, gz); err != nil {
		return err
	}
	t.digests++
	w.chain = digestChain{at: at, path: rel, hash: sum, sig: string(appendDerived(nil, seed, hexDigits, 512))}
	return nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
