# lastaccess: the short vocabulary is build run test bench lint fuzz crash.
SHELL     := /bin/bash
.SHELLFLAGS := -eo pipefail -c
GO        ?= go
BIN       := bin/lastaccess
DATA      ?= lastaccess-data
LISTEN    ?= 127.0.0.1:3306
AWS_LISTEN ?= 127.0.0.1:4566
# The demo access key `make run` gives the AWS API unless the environment
# names one.
DEMO_AWS_KEY    := AKIALASTACCESSDEMO00
DEMO_AWS_SECRET := lastaccess-demo-secret
FUZZTIME  ?= 60s
PKGS      := ./...
# lastaccess version prints these (cmd/lastaccess/version.go).
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS   := -X main.version=$(VERSION) -X main.commit=$(COMMIT)

.PHONY: build run test test-go test-race bench-smoke lint bench bench-peers fuzz crash soak clients clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/lastaccess
	$(GO) build -o bin/gen-cloudtrail ./cmd/gen-cloudtrail

# The bundled sample (testdata/sample, with its IAM details from
# testdata/iam/sample) is loaded into $(DATA) once (into $(DATA).loading
# first, so an interrupted load starts over), then the MySQL server starts
# on $(LISTEN) and the AWS IAM API on $(AWS_LISTEN), and both print how to
# connect and examples. The MySQL account is $$LASTACCESS_USER (default
# root) with $$LASTACCESS_PASSWORD; when no password is set, this local
# demo accepts root without one (--insecure-no-password, on loopback). The
# AWS API's key is $$LASTACCESS_AWS_ACCESS_KEY_ID /
# $$LASTACCESS_AWS_SECRET_ACCESS_KEY, else the demo key above. Ctrl-C
# stops both cleanly.
run: build
	@if [ ! -d "$(DATA)/db" ]; then \
		echo "loading the sample organization and CloudTrail export into $(DATA)"; \
		rm -rf "$(DATA).loading" && \
		./$(BIN) --data "$(DATA).loading" org import testdata/sample/org.json && \
		./$(BIN) --data "$(DATA).loading" ingest --no-progress testdata/sample/AWSLogs && \
		./$(BIN) --data "$(DATA).loading" iam import testdata/iam/sample/*.json >/dev/null && \
		{ [ ! -e "$(DATA)" ] || rmdir "$(DATA)"; } && \
		mv "$(DATA).loading" "$(DATA)" || exit 1; \
	fi
	LASTACCESS_AWS_ACCESS_KEY_ID=$${LASTACCESS_AWS_ACCESS_KEY_ID:-$(DEMO_AWS_KEY)} \
	LASTACCESS_AWS_SECRET_ACCESS_KEY=$${LASTACCESS_AWS_SECRET_ACCESS_KEY:-$(DEMO_AWS_SECRET)} \
	./$(BIN) --data $(DATA) serve --listen $(LISTEN) --aws-listen $(AWS_LISTEN) --print-examples $(if $(LASTACCESS_PASSWORD),,--insecure-no-password)

test: lint test-go test-race bench-smoke

test-go: clients
	$(GO) test -count=1 -timeout 20m $(PKGS)

# The MySQL clients the SQL tests run beside go-sql-driver: node's mysql2
# from npm (pinned by sqlfront/testdata/clients/node/package-lock.json).
# PyMySQL and the mysql client are Debian packages (.ci/run installs
# them); a test whose client is missing skips, saying so.
clients:
	@if command -v npm >/dev/null 2>&1; then \
		cd sqlfront/testdata/clients/node && npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the mysql2 client tests will skip (Debian: apt-get install nodejs npm)"; fi

# The concurrent load test (32 MySQL clients while an ingest streams in)
# under the race detector, at its small size; LASTACCESS_LOAD=large for
# the larger one.
test-race:
	$(GO) test -race -count=1 -run '^TestConcurrentLoad$$' -timeout 10m ./sqlfront/

# Every benchmark once on small data, so they cannot rot.
bench-smoke:
	$(GO) test -short -run '^$$' -bench . -benchtime 1x -timeout 10m ./bench/

# Shell scripts are checked with shellcheck; CI (.ci/run) installs it, a
# machine without it skips that check and says so.
SHELL_SCRIPTS := scripts/org-snapshot.sh testdata/awsorg/bin/aws .ci/run

lint:
	$(GO) vet $(PKGS)
	$(GO) vet -tags lastaccess_testhooks ./cmd/lastaccess
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@if command -v shellcheck >/dev/null 2>&1; then shellcheck $(SHELL_SCRIPTS); \
	elif [ -n "$$CI" ]; then echo "shellcheck is not installed (.ci/run installs it)"; exit 1; \
	else echo "shellcheck not installed: shell scripts not checked"; fi

bench:
	$(GO) run ./bench/cmd/benchtable -count 5

# The same figures beside DuckDB (from npm) and MariaDB (from Debian),
# installed on first use: DuckDB recomputes the Organizations rollup from
# the same gzipped files (a rollup that differs from ours fails), MariaDB
# serves the same report rows from an indexed table to the same client.
# Each prints its table with ratios (bench/results/peers-*-latest.md).
PEER_COUNT ?= 5
bench-peers:
	cd bench/peers/duckdb && npm ci --no-audit --no-fund --loglevel=error
	@command -v mariadbd >/dev/null 2>&1 || { \
		echo "installing mariadb-server (Debian)"; \
		SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
		$$SUDO apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq mariadb-server >/dev/null; }
	mkdir -p bench/results
	LASTACCESS_PEERS=1 $(GO) test -count=1 -run '^TestPeer' -v -timeout 120m ./bench/ | tee bench/results/peers-duckdb-raw.txt
	$(GO) test -run '^$$' -bench '^BenchmarkSQL(Clients)?$$' -count $(PEER_COUNT) -timeout 60m ./bench/ | tee bench/results/peers-sql-raw.txt
	$(GO) test -run '^$$' -bench . -count $(PEER_COUNT) -timeout 60m ./bench/peers/mariadb/ | tee bench/results/peers-mariadb-raw.txt
	@echo; cat bench/results/peers-duckdb-latest.md; echo
	$(GO) run ./bench/cmd/benchtable -compare bench/results/peers-sql-raw.txt bench/results/peers-mariadb-raw.txt

# Every fuzz target for $(FUZZTIME) each (make fuzz FUZZTIME=10m).
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for fn in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$fn ($(FUZZTIME))"; \
			$(GO) test -run='^$$' -fuzz="^$$fn$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=10s $$pkg || exit 1; \
		done; \
	done

# The crash harness with 100 rounds (time-seeded; the seed is printed, and
# LASTACCESS_CRASH_SEED=N replays it).
crash:
	LASTACCESS_CRASH_ROUNDS=$${LASTACCESS_CRASH_ROUNDS:-100} $(GO) test -count=1 -v -run '^TestCrash' -timeout 60m ./cmd/lastaccess

# The MySQL server soak at its large size: 300 clients for 10 minutes
# mixing reads, ingest, long and abandoned statements, oversize packets,
# string and memory bombs and stalled handshakes against `lastaccess
# serve`; it prints statements/s, errors by kind, the peak RSS and how
# long abandoned statements and stalled handshakes lived.
soak:
	LASTACCESS_SOAK=large $(GO) test -count=1 -v -run '^TestSoak$$' -timeout 30m ./cmd/lastaccess

clean:
	rm -rf bin
