#!/bin/bash
# Crash tests: each scenario runs a command that changes the database and
# kills it with SIGKILL at a point the program reaches (never after a
# random sleep, which a fast run outruns): right before or right after its
# Nth commit (PRIVACY_TEST_KILL_BEFORE_COMMIT, _AFTER_COMMIT), or, for the
# tools that send mail, in the middle of its Nth message, the body handed
# over and the end not (PRIVACY_TEST_KILL_IN_SEND); see HACKING.md.  Then
# it checks what must hold after any crash: PRAGMA integrity_check, an
# intact audit chain, and the scenario's own all-or-nothing rule.  Then
# the next run goes on from whatever state the crash left.
#
# The kill points of a scenario go round: before and after the 1st
# commit (and in the middle of the 1st message), then the same at the
# 2nd, 3rd, 5th, 8th... commit of a run, each run going on from where the
# last one stopped, until a run does fewer commits than its point (it
# finishes); then from the 1st again.  So each kind of transaction
# boundary is a kill point, early and late in a run and everywhere in a
# round of work, in the same order on every machine.
# CRASH_POINTS (default 60; .ci/run sets 200) runs in all, shared by the
# scenarios: 3/40 each for the four short ones, 1/4 for the erasure
# batch, 9/40 for the consent campaign, the rest (9/40) for the notify
# drain.
#
# Scenarios: init (migration of a new database), settings set (several
# keys and their audit entries in one transaction), customer import (a
# batch of customers with their consent events), location add; then, on
# a database of their own, with a test SMTP server (tests/smtpd.py) and
# webhook receiver (tests/httpd.py) on free loopback ports:
#   erasure batch     dsar-erase over rounds of subjects with a retention
#                     policy that deletes, anonymises and retains: each
#                     subject untouched or erased completely (tombstones,
#                     audit entry, event), never reported before its commit;
#   consent campaign  consent-send over rounds of customers: the journal
#                     never says sent for a message the server lacks, each
#                     message has the journal's Message-ID, at most one in
#                     flight, at most one duplicate per run;
#   notify drain      notify --pending over the outbox (the erasure events,
#                     then rounds of new ones), by e-mail and webhook: no
#                     event lost, none marked delivered that did not arrive,
#                     delivered exactly when scrubbed, at most one duplicate
#                     per run.
# After the kills a last run completes the work, and everything is
# checked done exactly once (but the duplicates).
# Besides (tests/fault/killwrite.so, not under the sanitizers): a kill at
# the write of a new tombstone or campaign key leaves no key file or the
# whole key, and the next run goes on.
. "$(dirname "$0")/lib.sh"

f="$TOP/tests/fault/killwrite.so"
[ -e "$f" ] || { echo "Bail out! no $f: make check builds it"; exit 1; }
POINTS=${CRASH_POINTS:-60}
diag "CRASH_POINTS=$POINTS"
export PRIVACY_NOW=2026-03-02T10:00:00Z

# The wall time of each scenario, in the diagnostics.
lap_t=$(date +%s%N)
lap() {
	local t
	t=$(date +%s%N)
	diag "$1: $(((t - lap_t) / 1000000)) ms"
	lap_t=$t
}

# The kill points of a scenario: kp_start KIND... (BEFORE_COMMIT,
# AFTER_COMMIT, IN_SEND) starts at the 1st commit (or message); kill_run
# takes the point kp_kind kp_n and moves on to the next one: the next
# kind at the same N, the first kind at the next N after the last kind
# (1, 2, 3, 5, 8, 12, 18, 27...: early and late points of a run), and
# back to N = 1 after a run that finished before its point.
kp_start() {
	kp_kinds=("$@")
	kp_i=0
	kp_n=1
	kp_kind=${kp_kinds[0]}
}
kp_next() {
	if [ "$outcome" = finished ]; then
		kp_i=0 kp_n=1
	else
		kp_i=$((kp_i + 1))
		if [ "$kp_i" -ge "${#kp_kinds[@]}" ]; then
			kp_i=0 kp_n=$((kp_n + (kp_n + 1) / 2))
		fi
	fi
	kp_kind=${kp_kinds[kp_i]}
}

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

# kill_out FILE COMMAND...: run COMMAND with the kill point
# kp_kind kp_n, its standard output appended to FILE; sets outcome
# (killed, finished or failed) and moves to the next point.  (In a
# subshell whose stderr, where bash reports "Killed", is discarded.)
kill_out() {
	local f=$1 st
	shift
	{ (export "PRIVACY_TEST_KILL_$kp_kind=$kp_n"; exec "$@" >>"$f"); st=$?; } 2>/dev/null
	case $st in
	137) killed=$((killed + 1)) outcome=killed ;;
	0) finished=$((finished + 1)) outcome=finished ;;
	*) diag "not killed and failed ($st) at $kp_kind $kp_n: $*"; bad=$((bad + 1)) outcome=failed ;;
	esac
	[ -z "${CRASH_VERBOSE:-}" ] || diag "$kp_kind $kp_n: $outcome: $*"
	kp_next
}
kill_run() { kill_out /dev/null "$@"; }

# Kill points per scenario: the four short ones get 3/40 each, the
# erasure batch 1/4, the consent campaign 9/40 and the notify drain the
# rest (200 points: 15 each, 50, 45, 45).
share=$((POINTS * 3 / 40))
erase_share=$((POINTS / 4))
camp_share=$((POINTS * 9 / 40))
notify_share=$((POINTS - 4 * share - erase_share - camp_share))

# --- init: a new database is created and migrated, or not at all --------
kp_start BEFORE_COMMIT AFTER_COMMIT
for i in $(seq "$share"); do
	rm -f "$PRIVACY_DB" "$PRIVACY_DB-wal" "$PRIVACY_DB-shm" "$PRIVACY_DB.tombstone-key"
	kill_run privacyctl init
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

lap "init"

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
privacyctl settings set mitte $B >/dev/null
privacyctl settings set mitte $A >/dev/null
kp_start BEFORE_COMMIT AFTER_COMMIT
# state: "ok|the five values|audit entries|"
for i in $(seq "$share"); do
	before=$(state)
	audits=${before%|}
	audits=${audits##*|}
	if [ "${before#ok|}" = "$SA|$audits|" ]; then next=$B want=$SB; else next=$A want=$SA; fi
	kill_run privacyctl settings set mitte $next
	now=$(state)
	if [ "$now" != "$before" ] && [ "$now" != "ok|$want|$((audits + 5))|" ]; then
		diag "settings set: half-done: before '$before', now '$now'"
		bad=$((bad + 1))
	fi
	check_common "settings set" "$now" "$([ "$i" = "$share" ] && echo last)"
done

lap "settings set"

# --- customer import: the whole batch with its consents and audit, or none
ROWS=400
batch() {
	echo "external_id,first_name,last_name,email,marketing_email,marketing_opt_in_at,marketing_source"
	for r in $(seq "$ROWS"); do
		if [ $((r % 2)) -eq 0 ]; then m="yes,2019-05-0$((r % 9 + 1)),booking-form"; else m=",,"; fi
		echo "B$1-$r,Vorname$r,Nachname$r,b$1.r$r@example.org,$m"
	done
}
kp_start BEFORE_COMMIT AFTER_COMMIT
for i in $(seq "$share"); do
	batch "$i" >"$SCRATCH/batch.csv"
	done_before=$(sql "SELECT count(*) FROM audit WHERE action = 'customers.import'")
	kill_run privacyctl customer import --location mitte "$SCRATCH/batch.csv"
	r=$(q "SELECT count(*) FROM customers WHERE external_id LIKE 'B$i-%';
	       SELECT count(*) FROM consents k JOIN customers c ON c.id = k.customer_id WHERE c.external_id LIKE 'B$i-%';
	       SELECT count(*) - $done_before FROM audit WHERE action = 'customers.import';")
	case $r in
	"ok|0|0|0|"|"ok|$ROWS|$((ROWS / 2))|1|") ;;
	*) diag "customer import: half-done: $r"; bad=$((bad + 1)) ;;
	esac
	check_common "customer import" "$r" "$([ "$i" = "$share" ] && echo last)"
done

lap "customer import"

# --- location add: the location and its audit entry, or neither -------
kp_start BEFORE_COMMIT AFTER_COMMIT
for i in $(seq "$share"); do
	slug="loc-$i"
	kill_run privacyctl location add "$slug" --name "Location $i"
	r=$(q "SELECT count(*) FROM locations WHERE slug = '$slug';
	       SELECT count(*) FROM settings s JOIN locations l ON l.id = s.location_id WHERE slug = '$slug';
	       SELECT count(*) FROM audit WHERE action = 'location.add' AND object = 'location:$slug';")
	case $r in
	ok\|0\|0\|0\||ok\|1\|1\|1\|) ;;
	*) diag "location add: half-done: $r"; bad=$((bad + 1)) ;;
	esac
	check_common "location add" "$r" "$([ "$i" = "$share" ] && echo last)"
done

lap "location add"

# --- the servers and configuration of the last three scenarios ------
# One test SMTP server (no STARTTLS: tls none towards the loopback) and
# one webhook receiver for all of them; from here on every command reads
# config.yaml, with a retention policy that uses every action.
start_smtpd "$SCRATCH/smtp" --no-starttls
SPOOL="$SCRATCH/smtp/msg"
head -c 32 /dev/urandom | base64 >"$SCRATCH/whsecret"
chmod 600 "$SCRATCH/whsecret"
start_httpd "$SCRATCH/hook" "$SCRATCH/whsecret"
cat >"$SCRATCH/config.yaml" <<EOF
controller:
  name: Salon Beispiel GmbH
  address: Hauptstr. 1, 10115 Berlin
  email: datenschutz@salon.example
smtp:
  url: smtp://127.0.0.1:$SMTP_PORT
  tls: none
  timeout: 60
mail:
  from: datenschutz@salon.example
consent:
  confirm_url: https://salon.example/consent/yes?t={token}
  decline_url: https://salon.example/consent/no?t={token}
webhook:
  secret_file: $SCRATCH/whsecret
retention:
  appointments:
    action: anonymise
  invoices:
    action: retain
    years: 8
    basis: "§ 147 Abs. 3 AO"
  consents:
    action: delete
EOF
export PRIVACY_CONFIG="$SCRATCH/config.yaml"
# ... and a database of their own, without the thousands of customers of
# the import scenario: integrity_check after every kill stays cheap.
export PRIVACY_DB="$SCRATCH/batch.db"
privacyctl init >/dev/null

# The checks of the campaign and notify scenarios read the SMTP spool,
# the webhook log and the database at once, in a Python process that
# stays up (a start per kill would cost more than the kill): verdict WHAT
# camp|notify PREV KILLS [EVENTS] sends it one request; it answers with
# the duplicates received so far ("extra N"), one line per violation, and
# a line ".".  verdict sets extra and counts a violation as damage.
cat >"$SCRATCH/checker.py" <<'PY'
import glob, hashlib, hmac, json, re, sqlite3, sys
spool, hooklog, dbpath = sys.argv[1:4]
cache = {}

def event_ids(head):
    """The notify events a message tells of, as a tuple: its
    X-Privacy-Event-Id, or the ranges of a list mail's X-Privacy-Event-Ids
    ("12-40 45", a bulk erasure's one mail per location); or None."""
    head = re.sub(r"\r\n[ \t]+", " ", head)
    one = re.search(r"^X-Privacy-Event-Id: (\d+)", head, re.M)
    if one:
        return (int(one.group(1)),)
    many = re.search(r"^X-Privacy-Event-Ids: ([\d -]+)", head, re.M)
    if not many:
        return None
    ids = []
    for part in many.group(1).split():
        lo, _, hi = part.partition("-")
        ids.extend(range(int(lo), int(hi or lo) + 1))
    return tuple(ids)

def messages():
    """(recipient, Message-ID, notify event ids) of each message received;
    a file, once there, never changes: each is read once."""
    out = []
    for f in sorted(glob.glob(spool + "/*.eml")):
        if f not in cache:
            with open(f, "rb") as fh:
                data = fh.read().decode("utf-8", "replace")
            head = data.split("\r\n\r\n", 1)[0]
            rcpt = re.search(r"^X-Test-Rcpt-To: (\S+)", head, re.M).group(1)
            mid = re.search(r"^Message-ID:\s*<([^>]*)>", head, re.M | re.I)
            cache[f] = (rcpt, mid and mid.group(1), event_ids(head))
        out.append(cache[f])
    return out

def camp(db, bad):
    got = [(r, m) for r, m, _ in messages() if r.endswith("@camp.example")]
    journal = {}
    for email, mid, status in db.execute(
            "SELECT c.email, m.message_id, m.status FROM campaign_messages m"
            " JOIN customers c ON c.id = m.customer_id"
            " WHERE c.email LIKE '%@camp.example'"):
        journal[email] = (mid, status)
    rcpts = set(r for r, _ in got)
    for r, m in got:
        if r not in journal:
            bad.append("%s received a message the journal does not know" % r)
        elif journal[r][0] != m:
            bad.append("%s received Message-ID %s, the journal has %s"
                       % (r, m, journal[r][0]))
    for r, (m, s) in journal.items():
        if s == "sent" and r not in rcpts:
            bad.append("%s: the journal says sent, the server has nothing" % r)
    unsent = [r for r in rcpts if r in journal and journal[r][1] != "sent"]
    if len(unsent) > 1 or any(journal[r][1] != "sending" for r in unsent):
        bad.append("received but not journalled as sent: %s"
                   % ", ".join("%s (%s)" % (r, journal[r][1]) for r in unsent))
    sending = sum(1 for m, s in journal.values() if s == "sending")
    if sending > 1:
        bad.append("%d messages in 'sending'" % sending)
    if any(s not in ("queued", "sending", "sent") for m, s in journal.values()):
        bad.append("journal states: %s"
                   % sorted(set(s for m, s in journal.values())))
    return len(got) - len(rcpts)

def notify(db, bad, want):
    # a message (one event, or a bulk erasure's list) is the unit that a
    # kill may repeat or leave undelivered
    mails = [e for r, m, e in messages() if r.startswith("team@") and e]
    hooks = []
    try:
        for line in open(hooklog):
            rec = json.loads(line)
            # only what was accepted (a body cut by a kill fails its
            # signature: not a delivery; a real refusal fails the event)
            if rec["status"] == 204:
                hooks.append(int(rec["delivery"].rsplit("-", 1)[1]))
    except FileNotFoundError:
        pass
    ev, chans = {}, {}
    for i, s, sc, em, wh in db.execute(
            "SELECT e.id, e.status, e.scrubbed, s.notify_email IS NOT NULL,"
            " s.notify_webhook IS NOT NULL FROM events e"
            " LEFT JOIN settings s ON s.location_id = e.location_id"):
        ev[i] = (s, sc)
        chans[i] = [ch for ch, on in (("email", em), ("webhook", wh)) if on]
    if len(ev) != want:
        bad.append("%d events in the outbox, %d were enqueued" % (len(ev), want))
    deliv = {}
    for i, ch, s in db.execute("SELECT event_id, channel, status FROM deliveries"):
        deliv[(i, ch)] = s
    got = {"email": set(i for m in mails for i in m), "webhook": set(hooks)}
    inflight = []
    for i, (s, sc) in ev.items():
        if s not in ("pending", "delivered"):
            bad.append("event %d is %s" % (i, s))
        done = all(deliv.get((i, ch)) == "delivered" for ch in chans[i])
        if (not chans[i] or (s == "delivered") != done
                or (s == "delivered") != (sc == 1)):
            bad.append("event %d: status %s, scrubbed %d, deliveries %s"
                       % (i, s, sc, [deliv.get((i, ch)) for ch in got]))
        for ch in got:
            d = deliv.get((i, ch))
            if ch not in chans[i]:
                if d is not None or i in got[ch]:
                    bad.append("event %d went to %s, not one of its channels"
                               % (i, ch))
                continue
            if d not in (None, "pending", "delivered"):
                bad.append("event %d %s: %s" % (i, ch, d))
            if d == "delivered" and i not in got[ch]:
                bad.append("event %d %s: delivered, the server has nothing"
                           % (i, ch))
            if d != "delivered" and i in got[ch]:
                inflight.append((i, ch))
    for ch in got:
        for i in got[ch] - set(ev):
            bad.append("%s received event %d, not in the outbox" % (ch, i))
    msgs = set(m for m in mails for i, ch in inflight
               if ch == "email" and i in m)
    msgs |= set((i,) for i, ch in inflight if ch == "webhook")
    if len(msgs) > 1:
        bad.append("received but not delivered: %s"
                   % " ".join("%d/%s" % x for x in inflight))
    return len(mails) - len(set(mails)) + len(hooks) - len(set(hooks))

def sql(text):
    """The rows of each statement, columns and rows separated by "|" like
    q's sqlite3 | tr '\\n' '|'."""
    db = sqlite3.connect("file:%s?mode=ro" % dbpath, uri=True)
    rows, stmt = [], ""
    try:
        for part in text.split(";"):
            stmt += part + ";"
            if not sqlite3.complete_statement(stmt):
                continue
            if stmt.strip() != ";":
                for row in db.execute(stmt):
                    rows.append("|".join("" if c is None else str(c) for c in row))
            stmt = ""
    except sqlite3.Error as e:
        rows.append("error: %s" % e)
    db.close()
    return "".join(r + "|" for r in rows)

for line in sys.stdin:
    a = line.split()
    bad = []
    if a[0] == "sql":
        print(sql(line[4:]))
        print(".", flush=True)
        continue
    if a[0] == "tomb":
        # subjects LO..HI (those with i % 1000 in 1..M) of location SLUG:
        # how many lack their three tombstones (external id, e-mail,
        # phone) though erased, or have one though not erased
        lo, hi, m, slug = int(a[1]), int(a[2]), int(a[3]), a[4]
        try:
            key = open(dbpath + ".key", "rb").read()
        except FileNotFoundError:
            key = None
        db = sqlite3.connect("file:%s?mode=ro" % dbpath, uri=True)
        tombs = set(h for (h,) in db.execute("SELECT hash FROM tombstones"))
        alive = set(i for (i,) in db.execute(
            "SELECT id FROM customers WHERE id BETWEEN ? AND ?", (lo, hi)))
        db.close()
        wrong = 0
        for i in range(lo, hi + 1):
            if not 1 <= i % 1000 <= m:
                continue
            n = sum(hmac.new(key, v.encode(), hashlib.sha256).hexdigest() in tombs
                    for v in ("external_id:%s:X%d" % (slug, i),
                              "email:m%d@example.org" % i, "phone:+4930%d" % i)
                    ) if key else 0
            wrong += n != (0 if i in alive else 3)
        print(wrong)
        print(".", flush=True)
        continue
    if a[0] == "ids":
        with open(a[1]) as fh:
            ids = set(re.findall(r'"customer_id":(\d+)', fh.read()))
        print("".join(i + "," for i in sorted(ids)))
        print(".", flush=True)
        continue
    try:
        db = sqlite3.connect("file:%s?mode=ro" % dbpath, uri=True)
        prev, kills = int(a[1]), int(a[2])
        extra = camp(db, bad) if a[0] == "camp" else notify(db, bad, int(a[3]))
        db.close()
        if extra - prev > 1:
            bad.append("%d duplicates from one run" % (extra - prev))
        if extra > kills:
            bad.append("%d duplicates after %d kills" % (extra, kills))
        print("extra", extra)
    except Exception as e:
        bad.append("checker: %r" % e)
    for b in bad[:10]:
        print(b)
    print(".", flush=True)
PY
coproc CHECKER { exec /usr/bin/python3 "$SCRATCH/checker.py" "$SPOOL" \
	"$SCRATCH/hook/log" "$PRIVACY_DB" 2>&1; }
_pids="$_pids $CHECKER_PID"
# ask the checker: checker_ask WORDS... prints its answer
checker_ask() {
	local l="$*" line
	echo "${l//$'\n'/ }" >&"${CHECKER[1]}"
	while IFS= read -r line <&"${CHECKER[0]}" && [ "$line" != . ]; do
		echo "$line"
	done
}
# q without a sqlite3 process: "integrity_check|rows of SQL|"
cq() { checker_ask sql "PRAGMA integrity_check; $1"; }
verdict() {
	local what=$1 line res=
	shift
	extra=
	echo "$*" >&"${CHECKER[1]}"
	while IFS= read -r line <&"${CHECKER[0]}" && [ "$line" != . ]; do
		case $line in
		extra\ *) extra=${line#extra } ;;
		*) res="$res$line; " ;;
		esac
	done
	if [ -z "$extra" ] || [ -n "$res" ]; then
		diag "$what: ${res:-no answer from the checker}"
		bad=$((bad + 1))
		extra=${extra:-0}
	fi
}

# --- erasure batch: each subject erased by the policy completely, or not
# at all.  Round R adds ER_M subjects (ids 1000000 + 1000 R + k) to
# location ers, each with three appointments (the policy anonymises them),
# two invoices (retained), a consent (deleted) and an erasure request
# (kept, unlinked).  Each kill point erases what is left of the round, in
# groups of 1, 5 or 25 per commit; a new round starts when it is done.
privacyctl location add ers --name "Salon Erase" >/dev/null
ERS=$(sql "SELECT id FROM locations WHERE slug = 'ers'")
ER_M=40
er_round=0
new_erase_round() {
	er_round=$((er_round + 1))
	local lo=$((1000000 + 1000 * er_round + 1)) hi=$((1000000 + 1000 * er_round + ER_M))
	sql "INSERT INTO customers (id, location_id, external_id, first_name,
		last_name, email, phone, notes, created_at, updated_at)
	WITH RECURSIVE n(i) AS (SELECT $lo UNION ALL SELECT i + 1 FROM n WHERE i < $hi)
	SELECT i, $ERS, 'X' || i, 'first' || i, 'last' || i, 'm' || i || '@example.org',
		'+49 30 ' || i, 'notes' || i, '2020-01-01T00:00:00Z',
		'2020-01-01T00:00:00Z' FROM n;
	INSERT INTO appointments (location_id, customer_id, external_id, starts_at, notes)
	SELECT $ERS, id, 'A' || id || '-' || k, '2024-0' || k || '-10T10:00:00Z', 'n' || id
	FROM customers, (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3)
	WHERE id BETWEEN $lo AND $hi;
	INSERT INTO invoices (location_id, customer_id, number, issued_on, total_cents, billing_name)
	SELECT $ERS, id, 'R' || id || '-' || k, '202' || (3 + k) || '-03-10', 1000 * k, 'b' || id
	FROM customers, (SELECT 1 AS k UNION ALL SELECT 2) WHERE id BETWEEN $lo AND $hi;
	INSERT INTO consents (customer_id, purpose, event, at, source, recorded_at)
	SELECT id, 'marketing-email', 'granted', '2019-01-01T00:00:00Z', 'import',
		'2019-01-01T00:00:00Z' FROM customers WHERE id BETWEEN $lo AND $hi;
	INSERT INTO requests (id, location_id, customer_id, type, channel, status,
		received_at, due_on, created_at, updated_at)
	SELECT id, $ERS, id, 'erasure', 'email', 'verified', '2026-02-28T08:00:00Z',
		'2026-03-30', '2026-02-28T08:00:00Z', '2026-02-28T08:00:00Z'
	FROM customers WHERE id BETWEEN $lo AND $hi;"
}
# The subjects of rounds $1 to $2 that are untouched, erased, in all:
# "untouched|erased|all".  Untouched: the customer with all its rows.
# Erased: no customer, its appointments kept without link and notes, its
# invoices only in restricted storage (with basis, end and subject
# reference), no consent, its request kept but unlinked, exactly one
# audit entry and one erasure.completed event.
er_state() {
	echo "WITH RECURSIVE n(i) AS (SELECT $((1000000 + 1000 * $1 + 1)) UNION ALL
		SELECT CASE WHEN i % 1000 < $ER_M THEN i + 1 ELSE i + 1001 - $ER_M END
		FROM n WHERE i < $((1000000 + 1000 * $2 + ER_M))),
	re AS (SELECT CAST(substr(record_key, 2, instr(record_key, '-') - 2) AS INTEGER) AS i,
			count(*) AS re FROM retained
		WHERE location_id = $ERS AND kind = 'invoices' AND basis = '§ 147 Abs. 3 AO'
			AND retain_until >= '2032-12-31' AND subject_ref IS NOT NULL GROUP BY 1),
	au AS (SELECT CAST(substr(object, 10) AS INTEGER) AS i, count(*) AS au FROM audit
		WHERE action = 'customer.erase' GROUP BY 1),
	ev AS (SELECT customer_id AS i, count(*) AS ev FROM events
		WHERE type = 'erasure.completed' GROUP BY 1),
	s AS (SELECT n.i,
		(SELECT count(*) FROM customers WHERE id = n.i) AS cu,
		(SELECT count(*) FROM appointments WHERE location_id = $ERS AND
			external_id IN ('A' || n.i || '-1', 'A' || n.i || '-2', 'A' || n.i || '-3')) AS ap,
		(SELECT count(*) FROM appointments WHERE customer_id = n.i) AS apc,
		(SELECT count(*) FROM appointments WHERE location_id = $ERS AND notes IS NOT NULL AND
			external_id IN ('A' || n.i || '-1', 'A' || n.i || '-2', 'A' || n.i || '-3')) AS apn,
		(SELECT count(*) FROM invoices WHERE location_id = $ERS AND
			number IN ('R' || n.i || '-1', 'R' || n.i || '-2')) AS inv,
		ifnull(re, 0) AS re,
		(SELECT count(*) FROM consents WHERE customer_id = n.i) AS co,
		(SELECT count(*) FROM requests WHERE id = n.i) AS rqn,
		(SELECT customer_id FROM requests WHERE id = n.i) AS rq,
		ifnull(au, 0) AS au, ifnull(ev, 0) AS ev
		FROM n LEFT JOIN re USING (i) LEFT JOIN au USING (i) LEFT JOIN ev USING (i))
	SELECT ifnull(sum(cu = 1 AND ap = 3 AND apc = 3 AND apn = 3 AND inv = 2 AND re = 0
			AND co = 1 AND rqn = 1 AND rq = i AND au = 0 AND ev = 0), 0),
		ifnull(sum(cu = 0 AND ap = 3 AND apc = 0 AND apn = 0 AND inv = 0 AND re = 2
			AND co = 0 AND rqn = 1 AND rq IS NULL AND au = 1 AND ev = 1), 0),
		count(*) FROM s;"
}
er_left() {
	local ids
	ids=$(checker_ask sql "SELECT id FROM customers WHERE location_id = $ERS ORDER BY id")
	ids=${ids//|/ }
	[ -n "$ids" ] || return 1
	printf '{"customer_id":%s}\n' $ids >"$SCRATCH/er-in.ndjson"
}
# Every subject named in a report (even a line cut by the kill) was
# erased: a report is written only after its subject's commit.
new_erase_round
er_left

# A kill while a key file is written (tests/fault/killwrite.so kills the
# process at its first write to it): then there is no key file, or the
# whole key, never one cut short, which would stop every later erasure or
# campaign (exit 78) until someone deleted it.  On a copy of the database.
# key_kill KEYFILE-SUFFIX WHAT COMMAND...
key_kill() {
	local sfx=$1 what=$2 key
	shift 2
	key="$SCRATCH/keytest.db$sfx"
	rm -f "$SCRATCH"/keytest.db*
	sql ".backup '$SCRATCH/keytest.db'"
	{ LD_PRELOAD="$TOP/tests/fault/killwrite.so" KILLWRITE_NAME=key "$@"; rc=$?; } >/dev/null 2>&1
	is "$rc" 137 "$what: killed at the write of its new key"
	[ ! -e "$key" ] || [ "$(wc -c <"$key")" -eq 32 ]
	ok $? "$what: no key file, or a whole one"
	run "$@"
	status 0 "$what: the next run goes on"
	is "$(wc -c <"$key" | tr -d ' ')" 32 "$what: with a key of 32 bytes"
	rm -f "$SCRATCH"/keytest.db*
}
if sanitized dsar-erase; then
	diag "skipped the key file kills: a sanitizer build"
else
	key_kill .key "tombstone key" dsar-erase --db "$SCRATCH/keytest.db" \
		--customer $((1000000 + 1000 + 1))
fi

# groups of 1, 5 and 25 in turn, each run killed before or after one of
# its commits
er_kills=0
: >"$SCRATCH/er-reports"
kp_start BEFORE_COMMIT AFTER_COMMIT
groups=(1 5 25)
for i in $(seq "$erase_share"); do
	er_left || { new_erase_round; er_left; }
	ce=${groups[i % 3]}
	kill_out "$SCRATCH/er-reports" dsar-erase \
		--commit-every "$ce" "$SCRATCH/er-in.ndjson"
	[ "$outcome" = killed ] && er_kills=$((er_kills + 1))
	# "ok|untouched|erased|subjects|tombstones|audits|reported alive|"
	r=$(cq "$(er_state $er_round $er_round)
	       SELECT count(*) FROM tombstones;
	       SELECT count(*) FROM audit WHERE action = 'customer.erase';
	       SELECT count(*) FROM customers WHERE id IN
		($(checker_ask ids "$SCRATCH/er-reports")0);")
	IFS='|' read -r _ u e n t a alive _ <<<"$r"
	if [ "$n" != "$ER_M" ] || [ $((u + e)) -ne "$ER_M" ] || [ "$t" != $((3 * a)) ]; then
		diag "erasure batch: half-erased: $r (untouched|erased|subjects|tombstones|audits)"
		bad=$((bad + 1))
	fi
	if [ "$alive" != 0 ]; then
		diag "erasure batch: $alive reported as erased, but not erased"
		bad=$((bad + 1))
	fi
	tw=$(checker_ask tomb $((1000000 + 1000 * er_round + 1)) $((1000000 + 1000 * er_round + ER_M)) $ER_M ers)
	if [ "$tw" != 0 ]; then
		diag "erasure batch: $tw subjects whose tombstones do not match their state"
		bad=$((bad + 1))
	fi
	check_common "erasure batch" "$r" "$([ "$i" = "$erase_share" ] && echo last)"
done
# the same command to the end: every subject of every round erased once
if er_left; then
	run dsar-erase "$SCRATCH/er-in.ndjson"
	status 0 "erasure batch: a last run erases the rest of the round"
fi
er_total=$((er_round * ER_M))
is "$(sql "$(er_state 1 $er_round)")" "0|$er_total|$er_total" \
	"erasure batch: $er_total subjects in $er_round rounds, each erased exactly once ($er_kills kills)"
is "$(sql "SELECT count(*) FROM tombstones; SELECT count(*) FROM retained WHERE kind = 'invoices'" | tr '\n' ' ')" \
	"$((3 * er_total)) $((2 * er_total)) " "erasure batch: three tombstones and two retained invoices each"
is "$(checker_ask tomb 1001001 $((1000000 + 1000 * er_round + ER_M)) $ER_M ers)" 0 \
	"erasure batch: each subject's own three tombstones (external id, e-mail, phone)"
test "$er_kills" -ge $((erase_share / 10 + 1))
ok $? "erasure batch: $er_kills of $erase_share runs were killed mid-way"

lap "erasure batch"

# --- consent campaign: nobody mailed twice but the one in flight --------
# Round R: CM customers of location camp (ids 2000000 + 1000 R + k) with a
# pre-2018 opt-in, and a re-permission campaign camp-R over them, resumed
# by each kill point until the journal has sent them all.  After every
# kill (checker camp): each message received has the journal's Message-ID
# for its recipient; no journal entry says sent for a message the server
# does not have; at most one received message is not yet journalled as
# sent, and it is 'sending' (in flight); each run adds at most one
# duplicate, and there are no more duplicates than kills.
privacyctl location add camp --name "Salon Kampagne" >/dev/null
CAMP=$(sql "SELECT id FROM locations WHERE slug = 'camp'")
CM=30
camp_round=0
new_camp_round() {
	camp_round=$((camp_round + 1))
	local lo=$((2000000 + 1000 * camp_round + 1)) hi=$((2000000 + 1000 * camp_round + CM))
	sql "INSERT INTO customers (id, location_id, external_id, first_name,
		last_name, email, created_at, updated_at)
	WITH RECURSIVE n(i) AS (SELECT $lo UNION ALL SELECT i + 1 FROM n WHERE i < $hi)
	SELECT i, $CAMP, 'K' || i, 'Vor' || i, 'Nach' || i, 'c' || i || '@camp.example',
		'2016-01-01T00:00:00Z', '2016-01-01T00:00:00Z' FROM n;
	INSERT INTO consents (customer_id, purpose, event, at, source, recorded_at)
	SELECT id, 'marketing-email', 'granted', '2016-05-01', 'import',
		'2016-01-01T00:00:00Z' FROM customers WHERE id BETWEEN $lo AND $hi;"
	seq "$lo" "$hi" | sed 's/.*/{"customer_id":&}/' >"$SCRATCH/camp.ndjson"
}
# "ok|how many of this round's messages the journal has sent|"
camp_q() {
	cq "SELECT count(*) FROM campaign_messages m JOIN campaigns g ON g.id = m.campaign_id
	   WHERE g.name = 'camp-$camp_round' AND m.status = 'sent';"
}
new_camp_round
if ! sanitized consent-send; then
	key_kill .campaign-key "campaign key" consent-send --db "$SCRATCH/keytest.db" \
		--campaign keytest --kind repermission --location camp "$SCRATCH/camp.ndjson"
fi
rm -f "$SPOOL"/*.eml
kp_start BEFORE_COMMIT AFTER_COMMIT IN_SEND
camp_kills=0
r=
extra=0
for i in $(seq "$camp_share"); do
	[ "$r" = "ok|$CM|" ] && new_camp_round
	kill_run consent-send --campaign "camp-$camp_round" \
		--kind repermission --location camp "$SCRATCH/camp.ndjson"
	[ "$outcome" = killed ] && camp_kills=$((camp_kills + 1))
	verdict "consent campaign" camp "$extra" "$camp_kills"
	r=$(camp_q)
	check_common "consent campaign" "$r" "$([ "$i" = "$camp_share" ] && echo last)"
done
run consent-send --campaign "camp-$camp_round" --kind repermission --location camp "$SCRATCH/camp.ndjson"
status 0 "consent campaign: a last run finishes the round"
verdict "consent campaign, the end" camp "$extra" "$camp_kills"
camp_total=$((camp_round * CM))
is "$(sql "SELECT count(*) FROM campaign_messages m JOIN customers c ON c.id = m.customer_id
	WHERE c.location_id = $CAMP AND m.status = 'sent'")" "$camp_total" \
	"consent campaign: $camp_total journalled as sent in $camp_round rounds"
is "$(grep -ah '^X-Test-Rcpt-To: c[0-9]*@camp.example' "$SPOOL"/*.eml | sort -u | wc -l)" "$camp_total" \
	"consent campaign: each of them received it ($extra duplicates after $camp_kills kills)"
test "$camp_kills" -ge $((camp_share / 10 + 1))
ok $? "consent campaign: $camp_kills of $camp_share runs were killed mid-way"

lap "consent campaign"

# --- notify drain: no event lost, none delivered twice but the one in
# flight.  Both channels: e-mail to the location's notify-email and the
# webhook.  The outbox starts with the erasure.completed events of the
# erasure batch (with the personal data that delivery scrubs); when it is
# drained, a round of NM request.received events is enqueued.  After every
# kill (checker notify): every event enqueued is still there, pending or
# delivered; delivered on both channels is exactly status delivered and
# scrubbed; nothing is marked delivered that the server (or the webhook)
# did not get; at most one message received is not marked delivered; each
# run adds at most one duplicate, and no more duplicates than kills.
privacyctl location add ntf --name "Salon Notify" >/dev/null
privacyctl settings set ers notify-email=team@ers.example >/dev/null
privacyctl settings set ntf notify-email=team@ntf.example \
	notify-webhook="http://127.0.0.1:$HTTP_PORT/ntf" >/dev/null
NTF=$(sql "SELECT id FROM locations WHERE slug = 'ntf'")
NM=20
n_want=$(sql 'SELECT count(*) FROM events')
new_notify_round() {
	n_want=$((n_want + NM))
	sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $NM)
	INSERT INTO events (type, at, location_id, request_id, audience, payload)
	SELECT 'request.received', '2026-03-02T08:00:00Z', $NTF, i, 'business', '{}' FROM n;
	UPDATE events SET payload = json_object('id', id, 'event', type, 'at', at,
		'location', 'ntf', 'request_id', request_id, 'audience', audience)
	WHERE payload = '{}';"
}
new_notify_round
rm -f "$SPOOL"/*.eml "$SCRATCH/hook/log"
kp_start BEFORE_COMMIT AFTER_COMMIT IN_SEND
n_kills=0
r=
extra=0
for i in $(seq "$notify_share"); do
	[ "$r" = "ok|0|" ] && new_notify_round
	kill_run notify --pending
	[ "$outcome" = killed ] && n_kills=$((n_kills + 1))
	verdict "notify drain" notify "$extra" "$n_kills" "$n_want"
	# "ok|events not delivered yet|"
	r=$(cq "SELECT count(*) FROM events WHERE status <> 'delivered';")
	check_common "notify drain" "$r" "$([ "$i" = "$notify_share" ] && echo last)"
done
n_events=$n_want
run notify --pending
status 0 "notify drain: a last run delivers the rest"
verdict "notify drain, the end" notify "$extra" "$n_kills" "$n_events"
is "$(sql "SELECT count(*) FROM events WHERE status = 'delivered' AND scrubbed = 1")" "$n_events" \
	"notify drain: all $n_events events delivered and scrubbed"
is "$(/usr/bin/python3 - "$SPOOL" <<'PY'
import glob, re, sys
ids = set()
for f in glob.glob(sys.argv[1] + "/*.eml"):
    head = open(f, "rb").read().decode("utf-8", "replace").split("\r\n\r\n", 1)[0]
    head = re.sub(r"\r\n[ \t]+", " ", head)
    for v in re.findall(r"^X-Privacy-Event-Ids?: ([\d -]+)", head, re.M):
        for part in v.split():
            lo, _, hi = part.partition("-")
            ids.update(range(int(lo), int(hi or lo) + 1))
print(len(ids))
PY
)" "$n_events" \
	"notify drain: each reached the mail server"
is "$(grep -o '"delivery": "[a-z]*-[0-9]*"' "$SCRATCH/hook/log" | sort -u | wc -l)" \
	"$(sql "SELECT count(*) FROM events WHERE location_id = $NTF")" \
	"notify drain: and the webhook ($extra duplicates after $n_kills kills)"
is "$(sql "SELECT count(*) FROM audit WHERE action = 'notify.deliver'")" \
	"$(sql "SELECT count(*) FROM deliveries WHERE status = 'delivered'")" \
	"notify drain: each delivery audited once"
test "$n_kills" -ge $((notify_share / 10 + 1))
ok $? "notify drain: $n_kills of $notify_share runs were killed mid-way"

lap "notify drain"

is "$bad" 0 "$POINTS kill points: no damage after any of them"
test "$killed" -ge $((POINTS / 4))
ok $? "many runs were really killed mid-way ($killed killed, $finished finished)"
test "$finished" -ge 1 || test "$POINTS" -lt 50
ok $? "and some finished, so the kill points span the whole run"
is "$(sql 'PRAGMA integrity_check')" "ok" "integrity_check at the end"
run privacyctl audit verify
like "$(stdout)" '"intact":true' "audit chain intact at the end"

done_testing
