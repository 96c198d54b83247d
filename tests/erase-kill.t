#!/bin/bash
# dsar-erase killed with SIGKILL in the middle of a batch, right after
# its Nth commit (PRIVACY_TEST_KILL_AFTER_COMMIT, a point the program
# reaches, not a random sleep, which a fast run outran): every
# subject is either fully erased or untouched, the database is intact, and
# a report was written only for erased subjects.  Running the same input
# again finishes the job.
. "$(dirname "$0")/lib.sh"

export PRIVACY_NOW=2026-06-01T10:00:00Z
N=600
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO customers (id, location_id, external_id, first_name, last_name,
	email, phone, notes, created_at, updated_at)
SELECT i, 1, 'X' || i, 'first' || i, 'last' || i, 'm' || i || '@example.org',
	'+49 30 ' || (100000 + i), 'notes' || i, '2020-01-01T00:00:00Z',
	'2020-01-01T00:00:00Z' FROM n;
INSERT INTO appointments (location_id, customer_id, external_id, starts_at, notes)
SELECT 1, id, 'A' || id || '-' || k, '2024-0' || k || '-10T10:00:00Z', 'n' || id
FROM customers, (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3);
INSERT INTO invoices (location_id, customer_id, number, issued_on, total_cents, billing_name)
SELECT 1, id, 'R' || id || '-' || k, '202' || (3 + k) || '-03-10', 1000 * k, 'b' || id
FROM customers, (SELECT 1 AS k UNION ALL SELECT 2);
INSERT INTO consents (customer_id, purpose, event, at, source, recorded_at)
SELECT id, 'marketing-email', 'granted', '2019-01-01T00:00:00Z', 'import',
	'2019-01-01T00:00:00Z' FROM customers;
INSERT INTO requests (id, location_id, customer_id, type, channel, status,
	received_at, due_on, created_at, updated_at)
SELECT id, 1, id, 'erasure', 'email', 'verified', '2026-05-30T08:00:00Z',
	'2026-06-30', '2026-05-30T08:00:00Z', '2026-05-30T08:00:00Z' FROM customers;"
seq 1 $N | sed 's/.*/{"customer_id":&}/' >subjects.ndjson

# Customers that are neither untouched nor fully erased.
inconsistent() {
	sql "WITH RECURSIVE ids(c) AS (SELECT 1 UNION ALL SELECT c + 1 FROM ids WHERE c < $N),
	s AS (SELECT c,
		(SELECT count(*) FROM customers WHERE id = c) AS cu,
		(SELECT count(*) FROM appointments WHERE location_id = 1 AND
			external_id IN ('A' || c || '-1', 'A' || c || '-2', 'A' || c || '-3')) AS ap,
		(SELECT count(*) FROM appointments WHERE customer_id = c) AS apc,
		(SELECT count(*) FROM invoices WHERE location_id = 1 AND
			number IN ('R' || c || '-1', 'R' || c || '-2')) AS inv,
		(SELECT count(*) FROM consents WHERE customer_id = c) AS co,
		(SELECT count(*) FROM retained WHERE record_key IN
			('R' || c || '-1', 'R' || c || '-2')) AS re,
		(SELECT customer_id FROM requests WHERE id = c) AS rq,
		(SELECT count(*) FROM audit WHERE action = 'customer.erase' AND
			object = 'customer:' || c) AS au,
		(SELECT count(*) FROM events WHERE customer_id = c) AS ev
		FROM ids)
	SELECT c FROM s WHERE NOT (
		(cu = 1 AND ap = 3 AND apc = 3 AND inv = 2 AND co = 1 AND re = 0
		 AND rq = c AND au = 0 AND ev = 0) OR
		(cu = 0 AND ap = 0 AND apc = 0 AND inv = 0 AND co = 0 AND re = 2
		 AND rq IS NULL AND au = 1 AND ev = 1))"
}

erased_before=0
kills=0
round=0
for after in 3 9 1 14 6 20; do
	round=$((round + 1))
	# (in a shell of its own, whose "Killed" goes to errors.txt)
	PRIVACY_TEST_KILL_AFTER_COMMIT=$after bash -c 'dsar-erase \
		--commit-every 5 subjects.ndjson >>reports.ndjson; echo $? >rc' \
		2>>errors.txt
	[ "$(cat rc)" -eq 137 ] && kills=$((kills + 1))
	is "$(sql "PRAGMA integrity_check")" "ok" "round $round: integrity_check ok"
	is "$(sql "PRAGMA foreign_key_check")" "" "round $round: no dangling references"
	is "$(inconsistent | head -5 | tr '\n' ' ')" "" "round $round: every subject fully erased or untouched"
	erased=$(sql "SELECT $N - count(*) FROM customers")
	is "$erased" "$((erased_before + 5 * after))" "round $round: killed after commit $after: its $after batches of five kept"
	erased_before=$erased
	is "$(sql "SELECT count(*) FROM tombstones")" "$((3 * erased))" "round $round: three tombstones per erased subject"
	# every report names an erased subject (a report follows its commit)
	# (a line cut by the kill is not a report: parse whole lines only)
	ids=$(/usr/bin/python3 -c 'import json, sys
for line in sys.stdin:
    try:
        print(json.loads(line)["customer_id"], end=",")
    except ValueError:
        pass' <reports.ndjson)
	reported_alive=$(sql "SELECT id FROM customers WHERE id IN (${ids}0) LIMIT 3")
	is "$reported_alive" "" "round $round: no report for a subject that was not erased"
done
diag "killed $kills of 6 runs; $erased_before of $N subjects erased by then"
is "$kills" 6 "every run was killed mid-way"

# the same input again finishes the job; those erased before are reported
# as gone (exit 1), the rest are erased
run dsar-erase subjects.ndjson
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; ok $? "a final run completes (exit $rc)"
is "$(sql "SELECT count(*) FROM customers")" "0" "every subject is erased in the end"
is "$(inconsistent | head -5 | tr '\n' ' ')" "" "every subject is consistently erased"
is "$(sql "SELECT count(*) FROM retained")" "$((2 * N))" "every invoice is retained once"
is "$(sql "PRAGMA integrity_check")" "ok" "integrity_check ok at the end"
run privacyctl audit verify
status 0 "the audit chain survived the kills"
[ ! -s "$PRIVACY_DB-wal" ]; ok $? "the WAL is truncated after a completed run"
done_testing
