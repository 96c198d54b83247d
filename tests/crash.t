#!/bin/bash
# Crash tests: each scenario runs a command that changes the database and
# kills it with SIGKILL at a random moment (tests/fault/killer), then
# checks what must hold after any crash: PRAGMA integrity_check, an intact
# audit chain, and the scenario's own all-or-nothing rule.  Then the next
# run goes on from whatever state the crash left.
#
# CRASH_POINTS (default 60; .ci/run sets 200) kill points in all, shared
# by the scenarios;
# CRASH_SEED makes a run repeatable (the seed is printed).
#
# Scenarios: init (migration of a new database), settings set (several
# keys and their audit entries in one transaction), customer import (a
# batch of customers with their consent events), location add.  The
# erasure batch, consent campaign and notify drain join here as those
# tools land (see SECURITY.md).
. "$(dirname "$0")/lib.sh"

KILLER="$TOP/tests/fault/killer"
POINTS=${CRASH_POINTS:-60}
SEED=${CRASH_SEED:-$(date +%s)}
RANDOM=$SEED
diag "CRASH_SEED=$SEED CRASH_POINTS=$POINTS"
export PRIVACY_NOW=2026-03-02T10:00:00Z

# The time a command takes when nothing kills it, in microseconds.
duration() {
	local s e
	s=$(date +%s%N)
	"$@" >/dev/null 2>&1
	e=$(date +%s%N)
	echo $(((e - s) / 1000))
}

# A random delay in [0, max], in microseconds.
delay() { echo $((((RANDOM << 15) | RANDOM) % ($1 + 1))); }

killed=0
finished=0
bad=0

# After every kill: integrity_check (with the scenario's own query, in
# one sqlite3 call: $1 "integrity|..." as printed by q) and, every tenth
# kill and at the end, the audit chain (a break stays in the chain, so a
# later check still finds it).
q() { sql "PRAGMA integrity_check; $1" 2>&1 | tr '\n' '|'; }
check_common() {
	local what=$1 ic=$2
	case $ic in
	ok\|*) ;;
	*) diag "$what: integrity_check: $ic"; bad=$((bad + 1)) ;;
	esac
	if [ $(((killed + finished) % 10)) -eq 0 ] || [ "${3:-}" = last ]; then
		if ! privacyctl audit verify 2>&1 | grep -q '"intact":true'; then
			diag "$what: audit chain broken"
			bad=$((bad + 1))
		fi
	fi
}

kill_run() {
	local us=$1 res
	shift
	res=$("$KILLER" "$us" "$@" 2>/dev/null | tail -n 1)
	case $res in
	killed) killed=$((killed + 1)) ;;
	exited\ 0) finished=$((finished + 1)) ;;
	*) diag "not killed and failed ($res): $*"; bad=$((bad + 1)) ;;
	esac
}

share=$((POINTS / 4))

# --- init: a new database is created and migrated, or not at all --------
max=$(($(duration privacyctl --db "$SCRATCH/probe.db" init) * 3 / 2 + 1000))
for i in $(seq "$share"); do
	rm -f "$PRIVACY_DB" "$PRIVACY_DB-wal" "$PRIVACY_DB-shm" "$PRIVACY_DB.tombstone-key"
	kill_run "$(delay $max)" privacyctl init
	if [ -s "$PRIVACY_DB" ]; then
		r=$(q "PRAGMA user_version; SELECT count(*) FROM sqlite_master WHERE name = 'audit';")
		case $r in
		ok\|0\|0\||ok\|1\|1\|) ;;
		*) diag "init: half-done: $r"; bad=$((bad + 1)) ;;
		esac
	fi
	# Whatever was left, init finishes it.
	if ! privacyctl init >/dev/null 2>"$SCRATCH/init.err"; then
		diag "init after a crash failed: $(cat "$SCRATCH/init.err")"
		bad=$((bad + 1))
	fi
done
check_common "init" "$(q '')" last
is "$(sql 'PRAGMA user_version')" "1" "init: the database is complete after the last run"

# --- settings set: every key with its audit entry, or none ------------
privacyctl location add mitte --name "Salon Mitte" >/dev/null
# Two sets of values; each run switches to the other one.
A="requests=manual marketing=off language=de notify-email=a@mitte.example notify-webhook=https://hooks.example/a"
B="requests=self-service marketing=on language=en notify-email=b@mitte.example notify-webhook=https://hooks.example/b"
state() {
	q "SELECT requests || '|' || marketing || '|' || language || '|' || ifnull(notify_email, '') || '|' || ifnull(notify_webhook, '')
	   FROM settings s JOIN locations l ON l.id = s.location_id WHERE slug = 'mitte';
	   SELECT count(*) FROM audit WHERE action = 'settings.set';"
}
SA="manual|off|de|a@mitte.example|https://hooks.example/a"
SB="self-service|on|en|b@mitte.example|https://hooks.example/b"
privacyctl settings set mitte $A >/dev/null
max=$(($(duration privacyctl settings set mitte $B) * 3 / 2 + 1000))
privacyctl settings set mitte $A >/dev/null
# state: "ok|the five values|audit entries|"
for i in $(seq "$share"); do
	before=$(state)
	audits=${before%|}
	audits=${audits##*|}
	if [ "${before#ok|}" = "$SA|$audits|" ]; then next=$B want=$SB; else next=$A want=$SA; fi
	kill_run "$(delay $max)" privacyctl settings set mitte $next
	now=$(state)
	if [ "$now" != "$before" ] && [ "$now" != "ok|$want|$((audits + 5))|" ]; then
		diag "settings set: half-done: before '$before', now '$now'"
		bad=$((bad + 1))
	fi
	check_common "settings set" "$now" "$([ "$i" = "$share" ] && echo last)"
done

# --- customer import: the whole batch with its consents and audit, or none
ROWS=400
batch() {
	echo "external_id,first_name,last_name,email,marketing_email,marketing_opt_in_at,marketing_source"
	for r in $(seq "$ROWS"); do
		if [ $((r % 2)) -eq 0 ]; then m="yes,2019-05-0$((r % 9 + 1)),booking-form"; else m=",,"; fi
		echo "B$1-$r,Vorname$r,Nachname$r,b$1.r$r@example.org,$m"
	done
}
batch probe >"$SCRATCH/probe.csv"
max=$(($(duration privacyctl customer import --location mitte "$SCRATCH/probe.csv") * 3 / 2 + 1000))
for i in $(seq "$share"); do
	batch "$i" >"$SCRATCH/batch.csv"
	done_before=$(sql "SELECT count(*) FROM audit WHERE action = 'customers.import'")
	kill_run "$(delay $max)" privacyctl customer import --location mitte "$SCRATCH/batch.csv"
	r=$(q "SELECT count(*) FROM customers WHERE external_id LIKE 'B$i-%';
	       SELECT count(*) FROM consents k JOIN customers c ON c.id = k.customer_id WHERE c.external_id LIKE 'B$i-%';
	       SELECT count(*) - $done_before FROM audit WHERE action = 'customers.import';")
	case $r in
	"ok|0|0|0|"|"ok|$ROWS|$((ROWS / 2))|1|") ;;
	*) diag "customer import: half-done: $r"; bad=$((bad + 1)) ;;
	esac
	check_common "customer import" "$r" "$([ "$i" = "$share" ] && echo last)"
done

# --- location add: the location and its audit entry, or neither -------
max=$(($(duration privacyctl location add probe --name Probe) * 3 / 2 + 1000))
rest=$((POINTS - 3 * share))
for i in $(seq "$rest"); do
	slug="loc-$i"
	kill_run "$(delay $max)" privacyctl location add "$slug" --name "Location $i"
	r=$(q "SELECT count(*) FROM locations WHERE slug = '$slug';
	       SELECT count(*) FROM settings s JOIN locations l ON l.id = s.location_id WHERE slug = '$slug';
	       SELECT count(*) FROM audit WHERE action = 'location.add' AND object = 'location:$slug';")
	case $r in
	ok\|0\|0\|0\||ok\|1\|1\|1\|) ;;
	*) diag "location add: half-done: $r"; bad=$((bad + 1)) ;;
	esac
	check_common "location add" "$r" "$([ "$i" = "$rest" ] && echo last)"
done

is "$bad" 0 "$POINTS kill points: no damage after any of them"
test "$killed" -ge $((POINTS / 4))
ok $? "many runs were really killed mid-way ($killed killed, $finished finished)"
test "$finished" -ge 1 || test "$POINTS" -lt 50
ok $? "and some finished, so the kill points span the whole run"
is "$(sql 'PRAGMA integrity_check')" "ok" "integrity_check at the end"
run privacyctl audit verify
like "$(stdout)" '"intact":true' "audit chain intact at the end"

done_testing
