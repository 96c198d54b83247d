#!/bin/sh
# bench/run.sh - `make bench`: every tool against its plain baseline, on the
# same machine in the same run; prints a table and writes bench/RESULTS.md.
#
#	BENCH_SIZE=S|M|L (default M)   data set size (see bench/README.md)
#	BENCH_RUNS=N                   runs per figure (default 5; S: 3)
#	BENCH_DATA=DIR                 where the data set is kept (bench/data)
#	BENCH_RESULTS=FILE             the report (bench/RESULTS.md; S and L
#	                               runs go to bench/RESULTS-S.md, -L.md)
#
# A tool that is not there yet (not on this branch) is reported as such;
# its baseline is still measured.  Needs hyperfine, /usr/bin/time, sqlite3,
# python3; installs Postfix (for smtp-sink and smtp-source) when missing,
# with its daemon kept from starting.
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
SIZE=${BENCH_SIZE:-M}
case $SIZE in
S) RUNS=${BENCH_RUNS:-3} NERASE=1000 LPASS=1 ;;
M) RUNS=${BENCH_RUNS:-5} NERASE=10000 LPASS=3 ;;
L) RUNS=${BENCH_RUNS:-3} NERASE=10000 LPASS=3 ;;
*) echo "bench: BENCH_SIZE must be S, M or L" >&2; exit 64 ;;
esac
DATA=${BENCH_DATA:-$TOP/bench/data}/$SIZE
if [ "$SIZE" = M ]; then
	RESULTS=${BENCH_RESULTS:-$TOP/bench/RESULTS.md}
else
	RESULTS=${BENCH_RESULTS:-$TOP/bench/RESULTS-$SIZE.md}
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/pvbench.XXXXXX")
SEED=20180525
NSUBJ=1000
SINK_PID=
SMTP_MSGS=${BENCH_SMTP_MSGS:-5000}

cleanup() {
	if [ -n "$SINK_PID" ]; then
		kill "$SINK_PID" 2>/dev/null || :
		wait "$SINK_PID" 2>/dev/null || :
	fi
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

# A hermetic environment: no user or system config, a fixed clock.
export HOME="$W/home" LC_ALL=C TZ=UTC
export PRIVACY_NOW=2026-11-15T10:00:00Z
export PRIVACY_SYSCONFIG="$W/no-sysconfig.yaml"
unset PRIVACY_CONFIG PRIVACY_DB XDG_CONFIG_HOME XDG_DATA_HOME
mkdir -p "$HOME"
export PATH="$TOP/bin:$PATH"
R="$W/results.tsv"
: >"$R"

say() { printf 'bench: %s\n' "$*" >&2; }
for t in hyperfine sqlite3 python3 /usr/bin/time; do
	command -v "$t" >/dev/null 2>&1 || { say "missing: $t"; exit 69; }
done
[ -x bench/gen ] && [ -x bench/lat ] || { say "run 'make bench'"; exit 64; }

# result KEY VALUE: one figure for the report
result() { printf '%s\t%s\n' "$1" "$2" >>"$R"; }

# median seconds of RUNS runs of a shell command, each after PREPARE;
# "fail" when a run does not exit 0
hf() { # NAME PREPARE CMD
	if hyperfine -r "$RUNS" -w 0 --style none --prepare "$2" \
	    --export-json "$W/$1.json" "$3" >"$W/$1.log" 2>&1; then
		python3 -c 'import json,sys
print("%.6f" % json.load(open(sys.argv[1]))["results"][0]["median"])' \
		    "$W/$1.json"
	else
		say "$1 failed:"; tail -n 5 "$W/$1.log" >&2
		echo fail
	fi
}

# peak resident memory in MB of one run of a shell command
peak() {
	if /usr/bin/time -f '%M' -o "$W/peak" sh -c "$1" >/dev/null 2>"$W/peak.err"; then
		python3 -c 'import sys; print("%.1f" % (int(open(sys.argv[1]).read().split()[-1]) / 1024))' "$W/peak"
	else
		echo fail
	fi
}

free_port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# does this build have the command?  (the tools land one by one)
# A privacyctl command is looked up in the command list of its --help.
have() {
	if [ "$1" = privacyctl ]; then
		privacyctl --help 2>/dev/null | grep -q "^  $2 $3\( \|\$\)"
	else
		[ -x "bin/$1" ] && "$@" --help >/dev/null 2>&1
	fi
}

# --- the data set ------------------------------------------------------
stamp="$SIZE $SEED $(cksum <bench/gen.c)"
if [ ! -f "$DATA/.stamp" ] || [ "$(cat "$DATA/.stamp")" != "$stamp" ]; then
	say "generating data set $SIZE in $DATA"
	rm -rf "$DATA"
	mkdir -p "$DATA"
	bench/gen -S "$SIZE" -s $SEED "$DATA"
	printf '%s' "$stamp" >"$DATA/.stamp"
fi
LOCS=$(tail -n +2 "$DATA/locations.csv" | cut -d, -f1)
BIG=$(echo "$LOCS" | head -n 1)	# the largest location

say "creating the databases"
PRIVACY_DB="$W/empty.db" privacyctl init >/dev/null
tail -n +2 "$DATA/locations.csv" | while IFS=, read -r slug name tz hol; do
	PRIVACY_DB="$W/empty.db" privacyctl location add "$slug" --name "$name" \
	    --timezone "$tz" --holidays "$hol" >/dev/null
done

# the tool's import, as the benchmark runs it
cat >"$W/import-tool.sh" <<'EOF'
set -e
for slug in $LOCS; do
	privacyctl customer import -q --location "$slug" "$DATA/$slug/customers.csv"
	privacyctl appointment import -q --location "$slug" "$DATA/$slug/appointments.csv"
	[ -z "${WITH_INVOICES:-}" ] ||
	privacyctl invoice import -q --location "$slug" "$DATA/$slug/invoices.csv"
done >/dev/null
EOF
export LOCS DATA

HAVE_IMPORT=0
if have privacyctl customer import && have privacyctl appointment import; then
	HAVE_IMPORT=1
fi
# The ready database of the other figures: made by the tools when they can
# (what a user has), by the plain loader otherwise.
cp "$W/empty.db" "$W/ready.db"
if [ $HAVE_IMPORT = 1 ] && have privacyctl invoice import &&
    PRIVACY_DB="$W/ready.db" WITH_INVOICES=1 sh "$W/import-tool.sh"; then
	result ready_by "privacyctl customer/appointment/invoice import"
else
	cp "$W/empty.db" "$W/ready.db"
	sh bench/load.sh -a -i "$DATA" "$W/ready.db"
	result ready_by "bench/load.sh (plain sqlite3)"
fi
result customers "$(sqlite3 "$W/ready.db" 'SELECT count(*) FROM customers')"
result appointments "$(sqlite3 "$W/ready.db" 'SELECT count(*) FROM appointments')"
result invoices "$(sqlite3 "$W/ready.db" 'SELECT count(*) FROM invoices')"
result consents "$(sqlite3 "$W/ready.db" 'SELECT count(*) FROM consents')"

# --- import ------------------------------------------------------------
say "import"
result import_base "$(hf import_base "cp '$W/empty.db' '$W/w.db'" \
    "sh bench/load.sh -a '$DATA' '$W/w.db'")"
# for reference: .import alone, into new untyped tables, no index, no join
n=0
for f in "$DATA"/*/customers.csv "$DATA"/*/appointments.csv; do
	n=$((n + 1))
	printf ".import --csv '%s' t%d\n" "$f" $n
done >"$W/raw.sql"
result import_raw "$(hf import_raw "rm -f '$W/raw.db'" "sqlite3 '$W/raw.db' <'$W/raw.sql'")"
if [ $HAVE_IMPORT = 1 ]; then
	result import_tool "$(hf import_tool "cp '$W/empty.db' '$W/w.db'" \
	    "PRIVACY_DB='$W/w.db' sh '$W/import-tool.sh'")"
else
	result import_tool missing
fi

# --- subjects ----------------------------------------------------------
sqlite3 "$W/ready.db" 'SELECT id FROM customers ORDER BY id' >"$W/all-ids"
python3 - "$W/all-ids" "$NSUBJ" "$NERASE" "$W" <<'EOF'
import random, sys
ids = open(sys.argv[1]).read().split()
r = random.Random(20180525)
n1, ne, w = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
open(w + "/subjects", "w").write("\n".join(r.sample(ids, min(n1, len(ids)))) + "\n")
er = r.sample(ids, min(ne, len(ids)))
open(w + "/erase-ids", "w").write("\n".join(er) + "\n")
open(w + "/erase.ndjson", "w").write("".join('{"customer_id":%s}\n' % i for i in er))
EOF
LOCID=$(sqlite3 "$W/ready.db" "SELECT id FROM locations WHERE slug = '$BIG'")
sqlite3 "$W/ready.db" "SELECT '{\"customer_id\":' || id || '}' FROM customers
    WHERE location_id = $LOCID ORDER BY id" >"$W/loc.ndjson"
result loc_subjects "$(wc -l <"$W/loc.ndjson")"
result loc_slug "$BIG"

# --- single-subject export ---------------------------------------------
say "single-subject latency ($NSUBJ subjects, $LPASS passes)"
# The baseline: the same customer's rows, by the indexes, as JSON.
ONE="SELECT * FROM customers WHERE id = :id;
SELECT * FROM appointments WHERE customer_id = :id ORDER BY starts_at;
SELECT * FROM invoices WHERE customer_id = :id;
SELECT * FROM consents WHERE customer_id = :id ORDER BY at;
SELECT * FROM requests WHERE customer_id = :id;"
lat_passes() { # KEY CMD...
	key=$1; shift
	i=0
	: >"$W/$key.lat"
	while [ $i -lt "$LPASS" ]; do
		bench/lat "$W/subjects" "$@" >>"$W/$key.lat" || {
			say "$key: some runs failed"; echo fail >"$W/$key.lat"; break; }
		i=$((i + 1))
	done
	python3 - "$W/$key.lat" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
if not rows or rows[0][0] == "fail":
    print("fail fail"); sys.exit()
print("%.3f %.3f" % (statistics.median(float(r[1]) for r in rows),
                     statistics.median(float(r[2]) for r in rows)))
EOF
}
set -- $(lat_passes one_base sqlite3 -readonly -json -cmd ".param set :id {}" \
    "$W/ready.db" "$ONE")
result one_base_p50 "$1"; result one_base_p99 "$2"
if have dsar-export; then
	set -- $(PRIVACY_DB="$W/ready.db" lat_passes one_tool dsar-export --customer '{}')
	result one_tool_p50 "$1"; result one_tool_p99 "$2"
else
	result one_tool_p50 missing; result one_tool_p99 missing
fi
# A reference, not a target: what no export that logs can go below.  The
# same lookup by sqlite3, plus the one write every export makes, its
# audit entry, durable before the answer is out (synchronous=FULL, as the
# tools), on a copy of the database.  The shell, the last connection to
# close, checkpoints the write into the file and removes the -wal, as the
# tool's writing connection does.
cp "$W/ready.db" "$W/floor.db"
AUDIT="BEGIN IMMEDIATE; INSERT INTO audit (at, actor, action, object, detail,
    prev_hash, hash) VALUES ('$PRIVACY_NOW', 'bench', 'customer.export',
    'customer:' || :id, '{\"to\":\"stdout\"}', hex(randomblob(32)),
    hex(randomblob(32))); COMMIT;"
set -- $(lat_passes one_floor sqlite3 -json -cmd "PRAGMA synchronous = FULL" \
    -cmd ".param set :id {}" "$W/floor.db" "$ONE
$AUDIT")
result one_floor_p50 "$1"; result one_floor_p99 "$2"
rm -f "$W/floor.db" "$W/floor.db-wal" "$W/floor.db-shm"

# --- memory of one customer's export, by its number of appointments ---
# Issue 19: memory constant in the number of appointments of one customer.
# Three customers in a database of their own, with 10,000, 100,000 and
# 1,000,000 appointments: the peak RSS of exporting the two larger (the
# exporter's page cache, 8 MB, fills by about 100,000), and of the HTML
# page of the two smaller.
say "memory of one export by the customer's appointments"
cp "$W/empty.db" "$W/mem.db"
sqlite3 "$W/mem.db" "INSERT INTO customers (id, location_id, external_id,
    first_name, last_name, email, created_at, updated_at)
  SELECT i, 1, 'MEM-' || i, 'Eva', 'Muster', 'eva' || i || '@example.org',
    '$PRIVACY_NOW', '$PRIVACY_NOW' FROM (SELECT 1 AS i UNION ALL SELECT 2
    UNION ALL SELECT 3);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1110000)
INSERT INTO appointments (location_id, customer_id, external_id, starts_at,
    service, staff, price_cents, notes)
  SELECT 1, CASE WHEN i <= 10000 THEN 1 WHEN i <= 110000 THEN 2 ELSE 3 END,
    'MEM-A' || i,
    strftime('%Y-%m-%dT%H:%M:00Z', '2000-01-01', '+' || (i * 7) || ' minutes'),
    'Schnitt und Farbe', 'Eva', 4500, 'Notiz zum Termin ' || i FROM n;"
for fc in json_2 json_3 html_1 html_2; do
	if have dsar-export; then
		result mem_$fc "$(peak "PRIVACY_DB='$W/mem.db' dsar-export -f ${fc%_*} --customer ${fc#*_}")"
	else
		result mem_$fc missing
	fi
done
rm -f "$W/mem.db" "$W/mem.db-wal" "$W/mem.db-shm"

# --- export of a whole location ----------------------------------------
say "export of all subjects of $BIG"
ALL="SELECT c.* FROM customers c WHERE c.location_id = $LOCID ORDER BY c.id;
SELECT a.* FROM appointments a JOIN customers c ON c.id = a.customer_id
  WHERE c.location_id = $LOCID ORDER BY a.customer_id, a.starts_at;
SELECT i.* FROM invoices i JOIN customers c ON c.id = i.customer_id
  WHERE c.location_id = $LOCID ORDER BY i.customer_id;
SELECT k.* FROM consents k JOIN customers c ON c.id = k.customer_id
  WHERE c.location_id = $LOCID ORDER BY k.customer_id, k.at;"
printf '%s\n' "$ALL" >"$W/all.sql"
result all_base "$(hf all_base : "sqlite3 -readonly -json '$W/ready.db' <'$W/all.sql' >/dev/null")"
result all_base_mb "$(peak "sqlite3 -readonly -json '$W/ready.db' <'$W/all.sql'")"
if have dsar-export; then
	result all_tool "$(hf all_tool : "PRIVACY_DB='$W/ready.db' dsar-export <'$W/loc.ndjson' >/dev/null")"
	result all_tool_mb "$(peak "PRIVACY_DB='$W/ready.db' dsar-export <'$W/loc.ndjson'")"
else
	result all_tool missing; result all_tool_mb missing
fi

# --- batch erasure -----------------------------------------------------
# dsar-export writes its audit entries through a second connection and
# leaves them in ready.db-wal (its last connection is read-only and cannot
# checkpoint): fold the WAL into the file, so that a copy of the file alone
# is the whole database (a copy without its WAL is torn: "malformed").
sqlite3 "$W/ready.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
# fresh NAME: the shell command giving a pristine copy of the ready
# database, without the files an earlier run created beside it
# (fresh NAME SRC: a copy of SRC, another database of $W, with its key
# files)
fresh() {
	src=${2:-ready.db}
	printf "rm -f '%s-wal' '%s-shm' '%s'.*; cp '%s' '%s'" \
	    "$W/$1" "$W/$1" "$W/$1" "$W/$src" "$W/$1"
	for k in "$W/$src".*; do
		[ ! -f "$k" ] ||
		printf "; cp -p '%s' '%s'" "$k" "$W/$1${k#"$W/$src"}"
	done
}
# what an erasure leaves: the ids left in each table, the retained
# records, the requests' links; equal for the tool and the baseline
erased_state() {
	sqlite3 -batch "$1" "SELECT id FROM customers ORDER BY id;
SELECT id FROM appointments ORDER BY id;
SELECT id FROM consents ORDER BY id;
SELECT id FROM invoices ORDER BY id;
SELECT location_id, kind, record_key, record_date, data, basis, retain_until
  FROM retained ORDER BY location_id, kind, record_key;
SELECT id, customer_id FROM requests ORDER BY id;" | cksum
}
NE=$(wc -l <"$W/erase-ids")
result erase_n "$NE"
say "erasure of $NE subjects"
# The baseline: what dsar-erase does to the data under the default policy
# (the bench has no config), as plain SQL in one transaction: consents
# copied to restricted storage (kept 3 years from the end of the year of
# the customer's last consent event, in the locations' time zone, all
# Europe/Berlin here: the year of UTC + 1 hour, CET at the turn of the
# year) and deleted, appointments and the customer deleted; invoices
# copied to restricted
# storage (retained until the end of the 8th year after issue, unless that
# end has passed) and
# deleted; requests unlinked.  Not done: the tool's tombstones, outbox
# event and audit entry per subject.
{
	printf '.bail on\nPRAGMA foreign_keys = ON;\nPRAGMA secure_delete = ON;\n'
	printf 'PRAGMA synchronous = FULL;\n'
	printf 'CREATE TEMP TABLE gone (id INTEGER PRIMARY KEY);\n'
	printf ".import '%s' gone\n" "$W/erase-ids"
	cat <<EOF
BEGIN;
INSERT INTO retained (location_id, kind, record_key, record_date, data,
    basis, retain_until, request_id, subject_ref, created_at)
  SELECT c.location_id, 'consents', CAST(k.id AS TEXT), m.last,
    json_object('purpose', k.purpose, 'event', k.event, 'at', k.at,
      'source', k.source, 'evidence_ip', k.evidence_ip,
      'evidence_user_agent', k.evidence_user_agent,
      'text_version', k.text_version, 'text_id', k.text_id,
      'document', k.document, 'campaign', k.campaign),
    '§§ 195, 199 BGB; Nachweis der Einwilligung, Art. 7 Abs. 1 DSGVO',
    printf('%04d-12-31', substr(datetime(m.last, '+1 hour'), 1, 4) + 3),
    NULL, NULL, '$PRIVACY_NOW'
  FROM consents k JOIN customers c ON c.id = k.customer_id
    JOIN (SELECT customer_id, max(at) AS last FROM consents
          WHERE customer_id IN (SELECT id FROM gone)
          GROUP BY customer_id) m ON m.customer_id = k.customer_id
  WHERE printf('%04d-12-31', substr(datetime(m.last, '+1 hour'), 1, 4) + 3)
        >= substr('$PRIVACY_NOW', 1, 10)
  ORDER BY k.id;
DELETE FROM consents WHERE customer_id IN (SELECT id FROM gone);
DELETE FROM appointments WHERE customer_id IN (SELECT id FROM gone);
INSERT INTO retained (location_id, kind, record_key, record_date, data,
    basis, retain_until, request_id, subject_ref, created_at)
  SELECT location_id, 'invoices', CAST(number AS TEXT), issued_on,
    json_object('number', number, 'issued_on', issued_on,
      'total_cents', total_cents, 'currency', currency,
      'billing_name', billing_name, 'billing_address', billing_address),
    '§ 147 Abs. 3 AO, § 14b UStG',
    printf('%04d-12-31', substr(issued_on, 1, 4) + 8), NULL, NULL,
    '$PRIVACY_NOW'
  FROM invoices WHERE customer_id IN (SELECT id FROM gone)
    AND printf('%04d-12-31', substr(issued_on, 1, 4) + 8) >=
        substr('$PRIVACY_NOW', 1, 10)
  ORDER BY id;
DELETE FROM invoices WHERE customer_id IN (SELECT id FROM gone);
UPDATE requests SET customer_id = NULL, updated_at = '$PRIVACY_NOW'
  WHERE customer_id IN (SELECT id FROM gone);
DELETE FROM customers WHERE id IN (SELECT id FROM gone);
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
EOF
} >"$W/erase.sql"
result erase_base "$(hf erase_base "$(fresh e.db)" \
    "sqlite3 -batch '$W/e.db' <'$W/erase.sql' >/dev/null")"
base_state=$(erased_state "$W/e.db")
if have dsar-erase; then
	t=$(hf erase_tool "$(fresh e.db)" \
	    "PRIVACY_DB='$W/e.db' dsar-erase <'$W/erase.ndjson' >/dev/null")
	if [ "$t" != fail ] && [ "$(erased_state "$W/e.db")" != "$base_state" ]; then
		say "erase_tool: the tool and the baseline left different data"
		t="differs from baseline"
	fi
	result erase_tool "$t"
	# a reference, not a target: the tool in one transaction, as the
	# baseline commits
	result erase_tool_one "$(hf erase_tool_one "$(fresh e.db)" \
	    "PRIVACY_DB='$W/e.db' dsar-erase --commit-every $NE <'$W/erase.ndjson' >/dev/null")"
else
	result erase_tool missing
fi
# ... and the floor of the tool's default groups (bench/erase-groups.py)
python3 bench/erase-groups.py "$W/erase.sql" "$W/erase-ids" \
    "$W/erase-groups.sql" "$PRIVACY_NOW"
result erase_groups "$(hf erase_groups "$(fresh e.db)" \
    "sqlite3 -batch '$W/e.db' <'$W/erase-groups.sql' >/dev/null")"

# --- sending -----------------------------------------------------------
say "sending"
if ! command -v smtp-sink >/dev/null 2>&1; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		say "installing postfix for smtp-sink and smtp-source"
		# keep the daemon from starting while it is installed
		prc=/usr/sbin/policy-rc.d
		own_prc=0
		if [ ! -e $prc ]; then
			printf '#!/bin/sh\nexit 101\n' >$prc && chmod 755 $prc
			own_prc=1
		fi
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix \
		    >"$W/apt.log" 2>&1 || { apt-get update -qq >/dev/null 2>&1 &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix \
		    >"$W/apt.log" 2>&1; } || say "postfix install failed: see apt-get"
		[ $own_prc = 0 ] || rm -f $prc
	fi
	# Should a daemon be running after all, stop it the postfix way.
	if command -v postfix >/dev/null 2>&1 && postfix status >/dev/null 2>&1; then
		postfix stop >/dev/null 2>&1 || :
	fi
fi
if command -v smtp-sink >/dev/null 2>&1; then
	PORT=$(free_port)
	smtp-sink -u nobody -c "127.0.0.1:$PORT" 256 >/dev/null 2>&1 &
	SINK_PID=$!
	sleep 0.3
	# -d: many messages per session, as consent-send keeps each of its
	# connections open (without it smtp-source reconnects per message)
	for s in 1 4; do
		t=$(hf "src$s" : "smtp-source -d -s $s -m $SMTP_MSGS -l 3000 \
		    -f bench@salon.example -t kunde@example.com 127.0.0.1:$PORT")
		result "send_base_$s" "$t"
	done
	# the floor of the tools' sending: libcurl alone, the same session
	# (one curl_easy_perform a message, the connection kept), no database
	# and no rendering (bench/smtp-curl.c)
	if [ -x bench/smtp-curl ]; then
		result send_curl_1 "$(hf curl1 : "bench/smtp-curl \
		    smtp://127.0.0.1:$PORT $SMTP_MSGS 3000")"
	else
		result send_curl_1 missing
	fi
	if have consent-send; then
		# privacy-config(5): smtp.url, smtp.tls (none only to loopback),
		# consent.from and the two links (with {token})
		cat >"$W/send.yaml" <<EOF
controller:
  name: Salon Bench GmbH
  address: Hauptstr. 1, 10115 Berlin
  email: datenschutz@salon.example
smtp:
  url: smtp://127.0.0.1:$PORT
  tls: none
  timeout: 30
consent:
  from: bench@salon.example
  confirm_url: https://salon.example/consent/yes?t={token}
  decline_url: https://salon.example/consent/no?t={token}
EOF
		# the audience: every pre-2018 opt-in not yet proven (the
		# bench data has no later events, so one message each)
		n=$(PRIVACY_DB="$W/ready.db" PRIVACY_CONFIG="$W/send.yaml" \
		    consent-send --campaign bench --kind repermission -n \
		    </dev/null | grep -c '"eligible":true') || :
		result send_n "$n"
		for s in 1 4; do
			t=$(hf "send$s" "$(fresh s.db)" \
			    "PRIVACY_DB='$W/s.db' PRIVACY_CONFIG='$W/send.yaml' consent-send \
			       -q --campaign bench --kind repermission --connections $s \
			       </dev/null >/dev/null")
			# the last run's journal: every message sent, once
			sent=$(sqlite3 "$W/s.db" "SELECT count(*) FROM campaign_messages
			    WHERE status = 'sent'")
			if [ "$t" != fail ] && [ "$sent" != "$n" ]; then
				say "send$s: sent $sent messages of $n"
				t="sent $sent of $n"
			fi
			result "send_tool_$s" "$t"
		done
	else
		result send_tool_1 missing; result send_tool_4 missing
	fi
	# notify delivering a full outbox: SMTP_MSGS request.received events
	# (a business mail each), queued by notify itself from piped event
	# records while the locations have no notify-email (so they wait),
	# then delivered by notify --pending over its one connection, against
	# smtp-source with one session.  (Not the erasure's events: a bulk
	# erasure's are one list mail per location.)
	if have notify; then
		cp "$W/ready.db" "$W/outbox.db"
		sed 's/^consent:/mail:\
  from: bench@salon.example\
consent:/' "$W/send.yaml" >"$W/notify.yaml"
		python3 - "$SMTP_MSGS" $LOCS >"$W/events.ndjson" <<'EOF'
import json, sys
n, locs = int(sys.argv[1]), sys.argv[2:]
for i in range(n):
    print(json.dumps({"event": "request.received", "location": locs[i % len(locs)],
                      "type": ("access", "erasure")[i % 2], "channel": "email",
                      "received": "2026-11-15T09:%02d:00Z" % (i % 60),
                      "status": "new", "due": "2026-12-15"}))
EOF
		PRIVACY_DB="$W/outbox.db" PRIVACY_CONFIG="$W/notify.yaml" notify -q \
		    <"$W/events.ndjson" >/dev/null 2>&1 || :
		for slug in $LOCS; do
			PRIVACY_DB="$W/outbox.db" privacyctl settings set "$slug" \
			    "notify-email=team@$slug.example" >/dev/null
		done
		sqlite3 "$W/outbox.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
		n=$(sqlite3 "$W/outbox.db" "SELECT count(*) FROM events
		    WHERE status = 'pending'")
		result notify_n "$n"
		t=$(hf notify "$(fresh n.db outbox.db)" \
		    "PRIVACY_DB='$W/n.db' PRIVACY_CONFIG='$W/notify.yaml' notify -q \
		       --pending </dev/null >/dev/null")
		done_n=$(sqlite3 "$W/n.db" "SELECT count(*) FROM deliveries
		    WHERE channel = 'email' AND status = 'delivered'")
		if [ "$t" != fail ] && { [ "$done_n" != "$n" ] || [ "$n" = 0 ]; }; then
			say "notify: delivered $done_n events of $n"
			t="delivered $done_n of $n"
		fi
		result notify_tool "$t"
		result notify_base "$(hf notify_base : "smtp-source -d -s 1 -m $n -l 3000 \
		    -f bench@salon.example -t kunde@example.com 127.0.0.1:$PORT")"
	else
		result notify_tool missing; result notify_base "not measured"
	fi
	kill "$SINK_PID" 2>/dev/null || :
	wait "$SINK_PID" 2>/dev/null || :
	SINK_PID=
else
	result send_base_1 "no smtp-source"; result send_base_4 "no smtp-source"
	result send_tool_1 missing; result send_tool_4 missing
	result notify_tool missing; result notify_base "no smtp-source"
fi
result send_msgs "$SMTP_MSGS"

# --- start-up ----------------------------------------------------------
say "start-up"
startup() { # KEY CMD
	if hyperfine -N -w 20 -r 300 --style none --export-json "$W/$1.json" "$2" \
	    >"$W/$1.log" 2>&1; then
		python3 -c 'import json,sys
print("%.6f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$W/$1.json"
	else
		echo fail
	fi
}
result start_base "$(startup start_base "sqlite3 :memory: 'select 1'")"
# the floor: what starting any process costs on this machine
result start_true "$(startup start_true "/bin/true")"
for b in privacyctl dsar-export dsar-erase consent-send notify; do
	if [ -x "bin/$b" ]; then
		result "start_$b" "$(startup "start_$b" "bin/$b --version")"
	else
		result "start_$b" missing
	fi
done

# The same three tools linked fully statically (make STATIC=full): their
# link commands, from make -n, into the scratch directory, so that bin/
# stays the default build.
for b in privacyctl dsar-export dsar-erase; do
	cmd=$(make -s -n STATIC=full -W "cmd/$b/main.o" "bin/$b" 2>/dev/null |
	    grep -- "-o bin/$b" || :)
	cmd=$(printf '%s\n' "$cmd" | sed "s|-o bin/$b |-o $W/$b-full |")
	if [ -n "$cmd" ] && eval "$cmd" >"$W/full-$b.log" 2>&1; then
		result "start_full_$b" "$(startup "start_full_$b" "$W/$b-full --version")"
	else
		result "start_full_$b" fail
	fi
done

# --- the report --------------------------------------------------------
python3 bench/report.py "$R" "$SIZE" "$RUNS" "$RESULTS"
