#!/usr/bin/env bash
# org-snapshot.sh DIR
#
# Writes what `lastaccess org import --aws-cli DIR` reads: the JSON the AWS
# CLI prints for the organization's structure and SCPs, one file per
# command and argument:
#
#   DIR/describe-organization.json
#   DIR/list-roots.json
#   DIR/list-organizational-units-for-parent/<root or OU id>.json
#   DIR/list-accounts-for-parent/<root or OU id>.json
#   DIR/list-policies.json                        (--filter SERVICE_CONTROL_POLICY)
#   DIR/describe-policy/<policy id>.json
#   DIR/list-targets-for-policy/<policy id>.json
#
# It runs `aws organizations …` with your own AWS CLI environment
# (AWS_PROFILE, AWS_REGION, SSO or keys, as for any aws command), as the
# management account or a delegated administrator for AWS Organizations.
# It only reads. The AWS CLI follows NextToken itself and prints a
# listing's pages merged into one JSON object (its default pagination), so
# each file is a whole listing. OUs are walked from the root, breadth
# first. DIR must not exist or be empty; it appears only when every call
# succeeded.
set -euo pipefail
set -f # ids are split on blanks, never globbed

prog=org-snapshot
die() {
	echo "$prog: $*" >&2
	exit 1
}

if [ $# -ne 1 ] || [ -z "$1" ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
	echo "usage: scripts/org-snapshot.sh DIR   (then: lastaccess org import --aws-cli DIR)" >&2
	exit 2
fi
out=${1%/}
command -v aws >/dev/null 2>&1 ||
	die "the AWS CLI (aws) is not on PATH; install it (Debian: apt-get install awscli) and configure credentials"
if [ -e "$out" ]; then
	[ -d "$out" ] || die "$out exists and is not a directory"
	[ -z "$(ls -A -- "$out")" ] || die "$out exists and is not empty; give a new directory"
fi
parent=$(dirname -- "$out")
[ -d "$parent" ] || die "$parent: no such directory"

# Everything goes to a directory beside DIR, renamed at the end, so an
# interrupted run leaves nothing that looks like a whole snapshot.
work=$(mktemp -d "$parent/.org-snapshot.XXXXXX")
cleanup() { [ -z "$work" ] || rm -rf -- "$work"; }
trap cleanup EXIT

# JSON whatever the profile's output setting; no pager or prompt; Organizations
# throttles early, so retry patiently unless told otherwise.
export AWS_PAGER="" AWS_CLI_AUTO_PROMPT=off
export AWS_RETRY_MODE="${AWS_RETRY_MODE:-adaptive}"
export AWS_MAX_ATTEMPTS="${AWS_MAX_ATTEMPTS:-10}"

calls=0
# call FILE COMMAND [ARGS…]: aws organizations COMMAND ARGS… > DIR/FILE
call() {
	local file=$1
	shift
	mkdir -p -- "$(dirname -- "$work/$file")"
	if ! aws organizations "$@" --output json >"$work/$file" 2>"$work/.stderr"; then
		cat -- "$work/.stderr" >&2
		die "\`aws organizations $* --output json\` failed (above); run it as the management account or a delegated administrator of AWS Organizations"
	fi
	calls=$((calls + 1))
}

# ids PATTERN FILE: the "Id" members of FILE that match PATTERN. The AWS
# CLI prints one member per line ("Id": "…"); the patterns are the API's
# id patterns, so an id can name a file and holds no blank or slash.
ids() {
	{ grep -oE "\"Id\": *\"$1\"" -- "$work/$2" || true; } | sed -E 's/^"Id": *"(.*)"$/\1/'
}

call describe-organization.json describe-organization
call list-roots.json list-roots
roots=$(ids 'r-[0-9a-z]{4,32}' list-roots.json)
[ -n "$roots" ] || die "list-roots printed no root"

level=$roots ous=0 accounts=0
while [ -n "$level" ]; do
	next=""
	for id in $level; do
		call "list-organizational-units-for-parent/$id.json" list-organizational-units-for-parent --parent-id "$id"
		call "list-accounts-for-parent/$id.json" list-accounts-for-parent --parent-id "$id"
		children=$(ids 'ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}' "list-organizational-units-for-parent/$id.json")
		found=$(ids '[0-9]{12}' "list-accounts-for-parent/$id.json")
		for child in $children; do next="$next $child" ous=$((ous + 1)); done
		for _ in $found; do accounts=$((accounts + 1)); done
	done
	level=${next# }
	[ -z "$level" ] || echo "$prog: $ous OUs, $accounts accounts so far" >&2
done

policies=0
if grep -qE '"FeatureSet": *"CONSOLIDATED_BILLING"' -- "$work/describe-organization.json"; then
	echo "$prog: the organization has only consolidated billing features: no SCPs to read" >&2
else
	call list-policies.json list-policies --filter SERVICE_CONTROL_POLICY
	for id in $(ids 'p-[0-9a-zA-Z_]{8,128}' list-policies.json); do
		call "describe-policy/$id.json" describe-policy --policy-id "$id"
		call "list-targets-for-policy/$id.json" list-targets-for-policy --policy-id "$id"
		policies=$((policies + 1))
	done
fi

rm -f -- "$work/.stderr"
[ ! -d "$out" ] || rmdir -- "$out"
mv -- "$work" "$out"
work=""
chmod -- "$(printf %o $((0777 & ~$(umask))))" "$out" # mktemp made it private
echo "wrote $out: $ous OUs, $accounts accounts, $policies SCPs ($calls aws calls)"
echo "next: lastaccess org import --aws-cli $out"
