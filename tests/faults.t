#!/bin/bash
# Resource faults: a failing stdout, a full and a read-only file system
# under the database, a database locked by another process, and failing
# allocations.  After each: the status of DESIGN.md, a clear message, and
# a database that is either exactly as before or has the whole change with
# its audit entry (never half of it), passes PRAGMA integrity_check and
# keeps an intact audit chain.
. "$(dirname "$0")/lib.sh"

export PRIVACY_NOW=2026-03-02T10:00:00Z
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null

consistent() {
	is "$(sql 'PRAGMA integrity_check')" "ok" "$1: integrity_check"
	run privacyctl audit verify
	like "$(stdout)" '"intact":true' "$1: audit chain intact"
}

# --- stdout is /dev/full ------------------------------------------------
snapshot s0
run sh -c 'privacyctl location list >/dev/full'
status 74 "/dev/full: a failed write to stdout is exit 74"
like "$(stderr)" "^privacyctl: write error: No space left on device" \
	"/dev/full: the write error is reported"
unchanged s0 "/dev/full: a read-only command changes nothing"

run sh -c 'privacyctl settings set mitte requests=self-service language=en >/dev/full'
status 74 "/dev/full: settings set whose report cannot be written is exit 74"
# The change is made and audited as one; only its report is lost.
is "$(sql "SELECT requests || ',' || language FROM settings s JOIN locations l ON l.id = s.location_id WHERE l.slug = 'mitte'")" \
	"self-service,en" "/dev/full: the change itself is complete"
is "$(sql "SELECT count(*) FROM audit WHERE action = 'settings.set'")" "2" \
	"/dev/full: with one audit entry per changed key"
consistent "/dev/full"

for f in json csv; do
	run sh -c "privacyctl settings show -f $f >/dev/full"
	status 74 "/dev/full: -f $f output is checked too"
done

# --- a locked database ----------------------------------------------------
# Another process holds the write lock (BEGIN IMMEDIATE in sqlite3).
lockfifo="$SCRATCH/lock.fifo"
mkfifo "$lockfifo"
sqlite3 "$PRIVACY_DB" <"$lockfifo" >"$SCRATCH/lock.out" 2>&1 &
_pids="$_pids $!"
exec 7>"$lockfifo"
# The shell waits for the lock if something else holds it for a moment (its
# default is to fail at once), and says when it has it: a file written by
# .system after BEGIN IMMEDIATE succeeded (its stdout to a file is buffered).
printf '%s\n' '.timeout 60000' '.bail on' 'BEGIN IMMEDIATE;' \
	".system touch $SCRATCH/lock.held" >&7
for i in $(seq 1200); do
	[ -e "$SCRATCH/lock.held" ] && break
	sleep 0.05
done
# Locked: another writer gives up at once.
locked=1
sqlite3 -cmd '.timeout 0' "$PRIVACY_DB" 'BEGIN IMMEDIATE; ROLLBACK;' \
	>/dev/null 2>&1 || locked=0
is "$locked" 0 "lock: another process holds the write lock"
snapshot s1
start=$(date +%s%N)
run env PRIVACY_BUSY_TIMEOUT=400 privacyctl settings set mitte marketing=on requests=manual
took=$((($(date +%s%N) - start) / 1000000))
status 75 "lock: a busy database is exit 75 (retry later)"
like "$(stderr)" "database is locked|busy" "lock: the message says the database is busy"
test "$took" -ge 400
ok $? "lock: it waited the busy timeout before giving up (${took} ms >= 400)"
run env PRIVACY_BUSY_TIMEOUT=400 privacyctl location add nord --name "Studio Nord"
status 75 "lock: location add is exit 75 too"
# Readers are not blocked by a writer in WAL mode.
run env PRIVACY_BUSY_TIMEOUT=400 privacyctl settings show mitte
status 0 "lock: reading goes on while another process writes"
echo "ROLLBACK;" >&7
exec 7>&-
wait
unchanged s1 "lock: nothing half-done"
consistent "lock"
run privacyctl settings set mitte marketing=off
status 0 "lock: once released, the same change goes through"

# --- a full file system under the database ----------------------------
MNT="$SCRATCH/mnt"
mkdir -p "$MNT"
if [ "$(id -u)" -ne 0 ] || ! mount -t tmpfs -o size=1m,mode=0700 tmpfs "$MNT" 2>/dev/null; then
	echo "ok $((_n + 1)) # skip full and read-only file system: cannot mount a tmpfs (needs root)"
	_n=$((_n + 1))
else
	_cleanup_mnt() { umount "$MNT" 2>/dev/null; _cleanup; }
	trap _cleanup_mnt EXIT
	(
		export PRIVACY_DB="$MNT/privacy.db"
		privacyctl init >/dev/null
		privacyctl location add mitte --name "Salon Mitte" >/dev/null
		snapshot s2
		dd if=/dev/zero of="$MNT/fill" bs=4k 2>/dev/null
		run privacyctl location add nord --name "Studio Nord"
		status 74 "full: location add on a full file system is exit 74"
		like "$(stderr)" "database: (disk I/O error|database or disk is full)" \
			"full: the message names the database"
		run privacyctl settings set mitte requests=self-service marketing=on
		status 74 "full: settings set is exit 74"
		rm -f "$MNT/fill"
		unchanged s2 "full: nothing half-done"
		consistent "full"
		run privacyctl settings set mitte requests=self-service
		status 0 "full: with space again, the change goes through"

		mount -o remount,ro "$MNT"
		snapshot s3
		run privacyctl settings set mitte requests=manual
		status 74 "read-only: settings set on a read-only file system is exit 74"
		like "$(stderr)" "cannot write database '.*privacy.db': read-only file system" "read-only: the message says so"
		run privacyctl location list
		status 0 "read-only: reading still works"
		like "$(stdout)" '"slug":"mitte"|"location":"mitte"' "read-only: and shows the data"
		unchanged s3 "read-only: database unchanged"
		echo "$_n $_failed" >"$SCRATCH/sub.count"
	)
	read -r _n sub_failed <"$SCRATCH/sub.count"
	_failed=$((_failed + sub_failed))
	umount "$MNT"
fi

# --- failing allocations ----------------------------------------------
SHIM="$TOP/tests/fault/failmalloc.so"
if sanitized privacyctl; then
	echo "ok $((_n + 1)) # skip failing allocations: the sanitizer build has its own allocator"
	_n=$((_n + 1))
else
	LD_PRELOAD="$SHIM" FAILMALLOC_COUNT="$SCRATCH/calls" \
		privacyctl -n settings show mitte >/dev/null 2>&1
	LD_PRELOAD="$SHIM" FAILMALLOC_COUNT="$SCRATCH/calls" \
		privacyctl settings set mitte requests=self-service language=de notify-email=team@mitte.example >/dev/null
	total=$(cat "$SCRATCH/calls")
	test "$total" -gt 100
	ok $? "allocations: settings set makes $total allocations"
	privacyctl settings set mitte requests=manual language=en notify-email= >/dev/null
	snapshot s4
	audits=$(sql "SELECT count(*) FROM audit")
	step=$((total / 100 + 1))
	bad=0 runs=0 failed_runs=0
	for at in $(seq 1 20) $(seq 21 "$step" "$total") $((total * 3)); do
		cp "$PRIVACY_DB" "$SCRATCH/before.db"
		LD_PRELOAD="$SHIM" FAILMALLOC_AT=$at privacyctl settings set mitte \
			requests=self-service language=de notify-email=team@mitte.example \
			>"$SCRATCH/.o" 2>"$SCRATCH/.e"
		st=$?
		runs=$((runs + 1))
		case $st in
		0) ;;
		70|74) failed_runs=$((failed_runs + 1))
		       grep -q 'out of memory' "$SCRATCH/.e" ||
			{ diag "at $at: status $st without 'out of memory': $(cat "$SCRATCH/.e")"; bad=1; } ;;
		*) diag "at $at: status $st: $(head -c 300 "$SCRATCH/.e")"; bad=1 ;;
		esac
		now=$(sql "SELECT requests || ',' || language || ',' || ifnull(notify_email, '') FROM settings s JOIN locations l ON l.id = s.location_id WHERE l.slug = 'mitte'")
		n=$(sql "SELECT count(*) FROM audit")
		if [ "$now" = "manual,en," ] && [ "$n" = "$audits" ]; then
			[ $st -ne 0 ] || { diag "at $at: success without the change"; bad=1; }
		elif [ "$now" = "self-service,de,team@mitte.example" ] && [ "$n" = $((audits + 3)) ]; then
			# done: put it back for the next run
			cp "$SCRATCH/before.db" "$PRIVACY_DB"
			rm -f "$PRIVACY_DB-wal" "$PRIVACY_DB-shm"
		else
			diag "at $at: half-done: '$now' with $n audit entries (was $audits)"
			bad=1
			break
		fi
		[ "$(sql 'PRAGMA integrity_check')" = ok ] || { diag "at $at: integrity"; bad=1; break; }
	done
	is "$bad" 0 "allocations: $runs runs failing from the Nth allocation on: each exit 0 or 70/74 'out of memory', all or nothing"
	test "$failed_runs" -gt 0 && test "$failed_runs" -lt "$runs"
	ok $? "allocations: the failures were real ($failed_runs of $runs runs failed)"
	unchanged s4 "allocations: database as before"
	consistent "allocations"
fi

done_testing
