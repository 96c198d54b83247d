#!/bin/sh
# make demo: a narrated run of the main jobs on a throwaway database.
# Each step is a file in tools/demo.d, run in name order in one shell, so
# that each issue's step stands on its own.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
DEMO=$(mktemp -d /tmp/privacyctl-demo.XXXXXX)
trap 'rm -rf "$DEMO"' EXIT
export PRIVACY_DB="$DEMO/privacy.db" HOME="$DEMO" LC_ALL=C.UTF-8 TZ=UTC
unset PRIVACY_CONFIG PRIVACY_NOW XDG_CONFIG_HOME XDG_DATA_HOME
export PRIVACY_SYSCONFIG="$DEMO/none.yaml"
EXAMPLES="$top/examples"

say() {
	printf '\n\033[1m== %s\033[0m\n' "$*"
}
note() {
	printf '   %s\n' "$*"
}
# Show a command, then run it; the demo stops at the first failure unless
# the status is the expected one (step "expect 1 cmd ...").
step() {
	printf '\n$ %s\n' "$*"
	"$@"
}
expect() {
	want=$1
	shift
	printf '\n$ %s\n' "$*"
	set +e
	"$@"
	got=$?
	set -e
	if [ "$got" -ne "$want" ]; then
		echo "demo: expected exit status $want, got $got" >&2
		exit 1
	fi
	note "(exit status $got, as expected)"
}

for f in "$top"/tools/demo.d/*.sh; do
	. "$f"
done
say "Done. The demo database was $PRIVACY_DB (removed now)."
