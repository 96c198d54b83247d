# tests/lib.sh - a tiny TAP library for the end-to-end tests.
#
# Source it first thing in a test:  . "$(dirname "$0")/lib.sh"
# (from tests/journeys/: . "$(dirname "$0")/../lib.sh")
# Each test gets a scratch directory with its own HOME, LC_ALL=C, TZ=UTC,
# no user or system config, and a database path in PRIVACY_DB.
#
#   run CMD ARGS...     run a command; sets $rc, and $out / $err (files)
#   is GOT WANT NAME    string equality
#   like GOT ERE NAME   extended regex match
#   unlike GOT ERE NAME
#   ok COND-STATUS NAME (ok $? "name" after a test command)
#   status WANT NAME    $rc of the last run equals WANT (a crash never does)
#   sql QUERY           query the test database (sqlite3 -batch, | separated)
#   snapshot FILE       a full dump of the database, to compare later
#   unchanged FILE NAME the database still dumps exactly as in FILE
#   free_port           a free TCP port on 127.0.0.1 (for a server of
#                       the test's own, better: serve, start_smtpd,
#                       start_httpd, which retry when it was taken)
#   dead_port           sets DEAD_PORT, where nothing listens
#   done_testing        print the plan and exit with the right status
#
# VALGRIND=1 runs the suite's binaries under valgrind (see .ci/run).

set -u
# The top of the tree: the first directory above the test that has the
# Makefile (tests/*.t and tests/journeys/*.t alike).
TOP=$(cd "$(dirname "$0")/.." && pwd)
while [ ! -f "$TOP/Makefile" ] && [ "$TOP" != / ]; do TOP=$(dirname "$TOP"); done
T=$(basename "$0" .t)
export PATH="$TOP/bin:$PATH"
export LC_ALL=C TZ=UTC
# Private files by default: the tools refuse a database that group or
# others may read (77), and tests copy databases with the sqlite3 shell
# (.backup, VACUUM INTO), which follows the umask.
umask 077
unset PRIVACY_CONFIG PRIVACY_NOW PRIVACY_SMTP_PASSWORD XDG_DATA_HOME \
	XDG_CONFIG_HOME PRIVACY_BUSY_TIMEOUT
# Sanitizer reports must never look like an ordinary exit status.
export ASAN_OPTIONS="exitcode=99:detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="halt_on_error=1:exitcode=98:print_stacktrace=1"
export LSAN_OPTIONS="exitcode=99"

SCRATCH="$TOP/tests/tmp/$T.$$"
rm -rf "$SCRATCH"
mkdir -p "$SCRATCH/home"

# VALGRIND=1: every binary of the suite runs under valgrind (memcheck);
# an error or a definite leak is exit 97, which counts as a crash.
if [ -n "${VALGRIND:-}" ]; then
	mkdir -p "$SCRATCH/vgbin"
	for b in "$TOP"/bin/*; do
		cat >"$SCRATCH/vgbin/${b##*/}" <<VG
#!/bin/sh
exec valgrind -q --error-exitcode=97 --leak-check=full \\
	--errors-for-leak-kinds=definite --show-leak-kinds=definite \\
	"$b" "\$@"
VG
		chmod +x "$SCRATCH/vgbin/${b##*/}"
	done
	export PATH="$SCRATCH/vgbin:$PATH"
fi
export HOME="$SCRATCH/home"
export PRIVACY_SYSCONFIG="$SCRATCH/etc-config.yaml"
export PRIVACY_DB="$SCRATCH/privacy.db"
cd "$SCRATCH" || exit 1
_pids=""
_cleanup() {
	for p in $_pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	cd "$TOP" && [ "${KEEP_SCRATCH:-}" ] || rm -rf "$SCRATCH"
}
trap _cleanup EXIT

_n=0
_failed=0

ok() {
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_n - $2"
	else
		echo "not ok $_n - $2"
		_failed=$((_failed + 1))
	fi
}

diag() { printf '# %s\n' "$@"; }

run() {
	out="$SCRATCH/.out"
	err="$SCRATCH/.err"
	"$@" >"$out" 2>"$err"
	rc=$?
	_crashed=0
	if [ $rc -ge 128 ] || [ $rc -eq 97 ] || [ $rc -eq 98 ] || [ $rc -eq 99 ] ||
	   grep -q 'Sanitizer\|runtime error:\|^==[0-9]*== ' "$err"; then
		_crashed=1
		diag "CRASH or sanitizer report (status $rc) from: $*"
		sed 's/^/#   /' "$err" | head -40
	fi
	return 0
}

# The output of the last run, as a string.
stdout() { cat "$out"; }
stderr() { cat "$err"; }

status() {
	if [ "$_crashed" -eq 0 ] && [ "$rc" -eq "$1" ]; then
		ok 0 "$2"
	else
		ok 1 "$2"
		diag "exit status $rc, expected $1"
		diag "stderr: $(head -c 600 "$err")"
	fi
}

is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "got:      '$1'" "expected: '$2'"
	fi
}

like() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "got:      '$1'" "expected to match: '$2'"
	fi
}

unlike() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		ok 1 "$3"
		diag "got:      '$1'" "expected not to match: '$2'"
	else
		ok 0 "$3"
	fi
}

sql() { sqlite3 -batch "$PRIVACY_DB" "$@"; }

snapshot() {
	sqlite3 -batch "$PRIVACY_DB" .dump >"$1"
}

unchanged() {
	sqlite3 -batch "$PRIVACY_DB" .dump >"$1.now"
	if cmp -s "$1" "$1.now"; then
		ok 0 "$2"
	else
		ok 1 "$2"
		diff "$1" "$1.now" | head -20 | sed 's/^/#   /'
	fi
}

free_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# JSON field of each one-line record: jget KEY < file (uses python3).
# The summary record that ends a stream (privacy-records(5)) is passed
# over, as the tools pass over it; read it with jget summary.KEY.
jget() {
	/usr/bin/python3 -c 'import json, sys
key = sys.argv[1]
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    v = json.loads(line)
    if (list(v) == ["summary"]) != key.startswith("summary."):
        continue
    for k in key.split("."):
        v = v[int(k)] if isinstance(v, list) else v.get(k)
    print("null" if v is None else (json.dumps(v) if isinstance(v, (dict, list, bool)) else v))' "$1"
}

done_testing() {
	echo "1..$_n"
	[ "$_failed" -eq 0 ]
	exit $?
}

# A throwaway CA-less certificate for 127.0.0.1 and localhost:
# make_cert DIR -> DIR/cert.pem, DIR/key.pem (the client trusts cert.pem).
make_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
		-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		-keyout "$1/key.pem" -out "$1/cert.pem" >/dev/null 2>&1
}

# serve DIR SERVER-COMMAND...: start a test server (one that takes
# --port N and writes DIR/ready once it accepts connections) on a free
# loopback port; sets SERVE_PORT and SERVE_PID.  A free port may be taken
# by another process before the server binds it (two suites run at once):
# then the server exits, and it is started again on another port.  It
# waits for DIR/ready as long as the server lives (up to a minute: a
# loaded machine starts Python slowly), not a fixed short time.
serve() {
	local d=$1 try i
	shift
	mkdir -p "$d"
	for try in 1 2 3 4 5; do
		SERVE_PORT=$(free_port)
		rm -f "$d/ready"
		"$@" --port "$SERVE_PORT" 2>"$d/stderr" &
		SERVE_PID=$!
		i=0
		while [ ! -e "$d/ready" ] && [ $i -lt 600 ] && kill -0 "$SERVE_PID" 2>/dev/null; do
			sleep 0.1
			i=$((i + 1))
		done
		if [ -e "$d/ready" ]; then
			_pids="$_pids $SERVE_PID"
			return 0
		fi
		kill "$SERVE_PID" 2>/dev/null
		wait "$SERVE_PID" 2>/dev/null
		diag "try $try: the server did not start on port $SERVE_PORT: $(tail -n 1 "$d/stderr")"
	done
	diag "the server did not start: $*"
	cat "$d/stderr"
	return 1
}

# dead_port: sets DEAD_PORT to a loopback port where nothing listens, for
# as long as the test runs (a process holds it bound without listening:
# a connection is refused, and no other server can take it meanwhile).
dead_port() {
	local f="$SCRATCH/.dead-port.$_ndead" i=0
	_ndead=$((_ndead + 1))
	/usr/bin/python3 -c 'import os, signal, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
signal.pause()' "$f" </dev/null >/dev/null 2>&1 &
	_pids="$_pids $!"
	while [ ! -e "$f" ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	DEAD_PORT=$(cat "$f")
}
_ndead=0

# Start tests/smtpd.py on a free port, recording into DIR:
#   start_smtpd DIR [--tls CERT KEY] [--no-starttls] [--auth USER:PW]
#       [--no-pipelining]
# Sets SMTP_PORT and SMTPD_PID; waits until it accepts connections.
start_smtpd() {
	serve "$1" /usr/bin/python3 "$TOP/tests/smtpd.py" --dir "$1" "${@:2}" ||
		diag "smtpd did not start"
	SMTP_PORT=$SERVE_PORT SMTPD_PID=$SERVE_PID
}

stop_server() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# Start tests/httpd.py (a webhook receiver checking signatures) on a free
# port: start_httpd DIR SECRET_FILE [HTTPD-OPTION...] (e.g. --tls CERT KEY).
# Sets HTTP_PORT and HTTPD_PID.
start_httpd() {
	serve "$1" /usr/bin/python3 "$TOP/tests/httpd.py" --dir "$1" \
		--secret-file "$2" "${@:3}" || diag "httpd did not start"
	HTTP_PORT=$SERVE_PORT HTTPD_PID=$SERVE_PID
}

# The sender, controller and consent links of a salon, as most tests'
# config.yaml has them (append a test's own keys before or after).
salon_config() {
	cat <<'EOF'
mail:
  from: datenschutz@salon.example
controller:
  name: Salon Beispiel GmbH
  address: Hauptstr. 1, 10115 Berlin
  email: datenschutz@salon.example
consent:
  confirm_url: https://salon.example/consent/yes?t={token}
  decline_url: https://salon.example/consent/no?t={token}
EOF
}

# sanitized BINARY: true when bin/BINARY is a sanitizer build (SANITIZE=),
# whose runtime rules out LD_PRELOAD shims and static links.
sanitized() { nm -D "$TOP/bin/$1" 2>/dev/null | grep -q __asan_init; }
