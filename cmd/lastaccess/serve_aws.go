package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"

	"lastaccess/awsfront"
	"lastaccess/engine"
)

// Environment variables that give the AWS API one access key.
const (
	envAWSAccessKeyID     = "LASTACCESS_AWS_ACCESS_KEY_ID"
	envAWSSecretAccessKey = "LASTACCESS_AWS_SECRET_ACCESS_KEY"
)

// awsServeConfig is what serve's --aws-* flags say.
type awsServeConfig struct {
	listen          string
	credentialsFile string
	allowUnsigned   bool
}

func (c *awsServeConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.listen, "aws-listen", "", "also answer the AWS IAM API (SigV4-signed requests) on this address, e.g. 127.0.0.1:4566 (a bare port means 127.0.0.1)")
	fs.StringVar(&c.credentialsFile, "aws-credentials", "", "the AWS API's access keys, in the AWS shared-credentials format (optional account_id and read_only per key); or $"+envAWSAccessKeyID+" and $"+envAWSSecretAccessKey+" for one key")
	fs.BoolVar(&c.allowUnsigned, "aws-allow-unsigned", false, "accept unsigned AWS API requests (loopback only)")
}

// check validates the flags that need no file or socket.
func (c *awsServeConfig) check() error {
	if c.listen == "" {
		if c.credentialsFile != "" || c.allowUnsigned {
			return usageErrorf("serve: --aws-credentials and --aws-allow-unsigned need --aws-listen")
		}
		return nil
	}
	if !strings.Contains(c.listen, ":") {
		c.listen = "127.0.0.1:" + c.listen
	}
	if (os.Getenv(envAWSAccessKeyID) == "") != (os.Getenv(envAWSSecretAccessKey) == "") {
		return usageErrorf("serve: set both $%s and $%s, or neither", envAWSAccessKeyID, envAWSSecretAccessKey)
	}
	return nil
}

// keys are the access keys of the credentials file and of the environment.
func (c *awsServeConfig) keys() ([]awsfront.Key, error) {
	var keys []awsfront.Key
	if c.credentialsFile != "" {
		data, err := os.ReadFile(c.credentialsFile)
		if err != nil {
			return nil, fmt.Errorf("serve: --aws-credentials: %w", err)
		}
		if keys, err = awsfront.ParseCredentials(c.credentialsFile, data); err != nil {
			return nil, fmt.Errorf("serve: --aws-credentials: %w", err)
		}
	}
	if id := os.Getenv(envAWSAccessKeyID); id != "" {
		keys = append(keys, awsfront.Key{Name: "$" + envAWSAccessKeyID, AccessKeyID: id, SecretAccessKey: os.Getenv(envAWSSecretAccessKey)})
	}
	if len(keys) == 0 && !c.allowUnsigned {
		return nil, usageErrorf("serve: --aws-listen needs access keys: --aws-credentials FILE, or $%s and $%s (or --aws-allow-unsigned on loopback)",
			envAWSAccessKeyID, envAWSSecretAccessKey)
	}
	return keys, nil
}

// awsAPI is the running AWS API server, nil when --aws-listen is not
// given.
type awsAPI struct {
	srv    *awsfront.Server
	keys   []awsfront.Key
	addr   string
	served chan error
}

// listenAWS reads the keys and binds --aws-listen, before the data
// directory is opened, so that a bad file or an address in use fails at
// once.
func listenAWS(c *awsServeConfig) (net.Listener, []awsfront.Key, error) {
	if c.listen == "" {
		return nil, nil, nil
	}
	keys, err := c.keys()
	if err != nil {
		return nil, nil, err
	}
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return nil, nil, fmt.Errorf("serve: --aws-listen %s: %w", c.listen, err)
	}
	if c.allowUnsigned && !ln.Addr().(*net.TCPAddr).IP.IsLoopback() {
		ln.Close()
		return nil, nil, usageErrorf("serve: --aws-allow-unsigned is allowed on a loopback address only, not %s", c.listen)
	}
	return ln, keys, nil
}

// startAWS starts the AWS API server on ln.
func startAWS(c *awsServeConfig, ln net.Listener, keys []awsfront.Key, eng *engine.Engine, logger *slog.Logger) (*awsAPI, error) {
	if ln == nil {
		return nil, nil
	}
	srv, err := awsfront.NewServer(eng, awsfront.Options{Listener: ln, Keys: keys, AllowUnsigned: c.allowUnsigned, Logger: logger})
	if err != nil {
		return nil, err
	}
	a := &awsAPI{srv: srv, keys: keys, addr: ln.Addr().String(), served: make(chan error, 1)}
	go func() { a.served <- srv.Serve() }()
	readOnly := 0
	for _, k := range keys {
		if k.ReadOnly {
			readOnly++
		}
	}
	logger.Info("serving the AWS API", "aws_listen", a.addr, "keys", len(keys), "read_only_keys", readOnly, "endpoint", "http://"+a.addr)
	if c.allowUnsigned {
		logger.Warn("unsigned AWS API requests are accepted (--aws-allow-unsigned), as the management account", "aws_listen", a.addr)
	}
	return a, nil
}

// printAWSExamples prints the endpoint and AWS CLI commands that work as
// printed: the first key, a Generate for the root, a Get of that job.
func printAWSExamples(w io.Writer, a *awsAPI, org *engine.Organization) {
	endpoint := "http://" + a.addr
	var b strings.Builder
	fmt.Fprintf(&b, "The AWS IAM API answers at %s: point any AWS CLI, SDK or tool at it, e.g.:\n\n", endpoint)
	if len(a.keys) > 0 {
		k := a.keys[0]
		fmt.Fprintf(&b, "  export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_DEFAULT_REGION=us-east-1\n", k.AccessKeyID, shellQuote(k.SecretAccessKey))
	} else {
		b.WriteString("  export AWS_DEFAULT_REGION=us-east-1   # and add --no-sign-request: the server accepts unsigned requests\n")
	}
	if org == nil {
		fmt.Fprintf(&b, "  aws iam list-users --endpoint-url %s\n\n", endpoint)
		io.WriteString(w, b.String())
		return
	}
	for _, cmd := range awsExampleCommands(endpoint, org.Root.Path) {
		fmt.Fprintf(&b, "  %s\n", cmd)
	}
	b.WriteString("\n")
	io.WriteString(w, b.String())
}

// awsExampleCommands are the commands printAWSExamples shows (and the
// CLI test runs).
func awsExampleCommands(endpoint, rootPath string) []string {
	return []string{
		fmt.Sprintf("JOB=$(aws iam generate-organizations-access-report --endpoint-url %s --entity-path %s --query JobId --output text)", endpoint, rootPath),
		fmt.Sprintf("aws iam get-organizations-access-report --endpoint-url %s --job-id \"$JOB\" --max-items 5 --sort-key LAST_AUTHENTICATED_TIME_DESCENDING", endpoint),
	}
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./+=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
