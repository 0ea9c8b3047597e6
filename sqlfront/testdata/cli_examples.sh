#!/usr/bin/env bash
# Runs the example statements that `lastaccess serve --print-examples`
# prints (one per line on stdin: a Generate, the SET that picks the newest
# job, a Get and a SELECT on organizations_access_details) through the
# mysql command-line client, as a user would paste them, and prints what
# the user sees. Then two bad inputs, to show the errors a user gets.
#
#   cli_examples.sh HOST PORT USER PASSWORD < statements
#
# cmd/lastaccess's TestCLIExamples runs it against a real server on the
# bundled sample (with a fixed clock) and compares the output with
# cli_examples.golden. Values that change with every run (JobIds, the
# Marker) are masked.
set -euo pipefail

if [ $# -ne 4 ]; then
	echo "usage: $0 HOST PORT USER PASSWORD < statements" >&2
	exit 2
fi
host=$1 port=$2 user=$3 password=$4
mapfile -t stmts
if [ ${#stmts[@]} -ne 4 ]; then
	echo "want 4 statements on stdin, got ${#stmts[@]}" >&2
	exit 2
fi
generate=${stmts[0]} pick=${stmts[1]} get=${stmts[2]} details=${stmts[3]}

sql() {
	MYSQL_PWD="$password" mysql --protocol=TCP -h "$host" -P "$port" -u "$user" lastaccess "$@"
}
mask() {
	sed -E -e 's/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx/g' \
		-e 's/^( *Marker: ).+$/\1<Marker>/'
}

echo "mysql> $generate"
sql --table -e "$generate" | mask

# The job runs in the background: Get until it is no longer IN_PROGRESS.
for attempt in $(seq 1 200); do
	out=$(sql --vertical -e "$pick $get")
	if ! grep -q 'JobStatus: IN_PROGRESS' <<<"$out"; then
		break
	fi
	sleep 0.05
done
echo
echo "mysql> $pick"
echo "mysql> $get"
mask <<<"$out"

echo
echo "mysql> $details"
sql --table -e "$pick $details" | mask

for bad in \
	"CALL get_organizations_access_report('not-a-job', NULL, NULL, NULL);" \
	"CALL get_organizations_access_report('00000000-0000-4000-8000-000000000000');" \
	"CALL get_organizations_access_report(@job, 0, NULL, NULL);" \
	"CALL get_organizations_access_report();"; do
	echo
	echo "mysql> $bad"
	if sql -e "$pick $bad" 2>&1 | mask; then
		:
	fi
done
