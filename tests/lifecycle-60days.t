#!/bin/bash
# Sixty nights of a salon's life (issue 15, done-when): the crontab of
# privacy(7), run as written (only its export directory is this test's),
# against a booking-system export that changes every day, with erasures,
# a returning customer, a withdrawal, an inactive cleanup with notice, two
# re-permission campaigns, and a backup restored.  Every night: each cron
# line exits 0 and says nothing on stderr; no erased record comes back;
# nobody inside the notice period is erased.  PRIVACY_NOW per day.
. "$(dirname "$0")/lib.sh"

day() { date -u -d "2026-11-01 +$1 days" +%Y-%m-%d; }
export PRIVACY_NOW=$(day 0)T01:00:00Z
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" --timezone Europe/Berlin >/dev/null
privacyctl settings set mitte notify-email=team@salon-mitte.example >/dev/null
mkdir certs export
make_cert certs
start_smtpd smtp --tls certs/cert.pem certs/key.pem
{ salon_config; cat <<EOF; } >config.yaml
smtp:
  url: smtp://127.0.0.1:$SMTP_PORT
  ca_file: $SCRATCH/certs/cert.pem
  timeout: 60
EOF
export PRIVACY_CONFIG=$SCRATCH/config.yaml

# ---- the crontab of privacy(7): its commands, in order of their minute
awk '/^\.Ss Cron/ { on = 1 } on && /^\.Bd/ { lit = 1; next } lit && /^\.Ed/ { exit } lit && !/^#/ && !/^[A-Z_]+=/ && NF' \
	"$TOP/man/privacy.7" >crontab
is "$(wc -l <crontab | tr -d ' ')" "8" "privacy(7) has eight cron lines"
# nightly order: the sync (02:00), notices (03:15), erasures (03:20),
# purge (03:30), expiry (03:45), then the 5-minutely ones, then 07:00
sort -t' ' -k2,2n -k1,1n crontab 2>/dev/null | cut -c14- | sed "s|/srv/export|$SCRATCH/export|" >commands
grep -q 'customer import' commands; ok $? "the sync line is there"

# ---- the booking system: its full export of day N
cat >booking.py <<'PY'
import csv, datetime, sys
d = int(sys.argv[1]); out = sys.argv[2]
start = datetime.date(2026, 11, 1)
D = lambda n: start + datetime.timedelta(days=n)
cust, appt, inv = [], [], []
def c(x, since, email=None, mkt="", at="", src=""):
    cust.append(dict(external_id=x, first_name="Kundin " + x, last_name="Muster",
        email=email if email is not None else x.lower() + "@kunde.example",
        phone="030 55 %s" % x[2:], customer_since=since, notes="Notiz " + x,
        marketing_email=mkt, marketing_opt_in_at=at, marketing_source=src))
def a(x, cx, when, svc="Schnitt"):
    if when <= D(d) + datetime.timedelta(days=14):   # booked up to two weeks ahead
        appt.append(dict(external_id=x, customer_external_id=cx,
            starts_at=when.isoformat() + "T09:00:00Z", service=svc, notes="Kaffee schwarz"))
        if when <= D(d):
            inv.append(dict(number="R-" + x, customer_external_id=cx,
                issued_on=when.isoformat(), total_cents="4500"))
# inactive since 2022 (C-03 books again on day 20, for day 25)
for i in range(1, 7):
    x = "C-%02d" % i
    c(x, "201%d-03-01" % (5 + i % 4))
    a("A-%s-old" % x, x, datetime.date(2022, i, 10))
if d >= 20:
    a("A-C-03-new", "C-03", D(25))
# active customers, some with pre-2018 opt-ins, C-08 with a later one
for i in range(7, 21):
    x = "C-%02d" % i
    mkt = {7: ("yes", "2016-05-01"), 9: ("yes", "2017-02-01"),
           11: ("yes", "2016-11-11"), 8: ("yes", "2021-03-01")}.get(i, ("", ""))
    c(x, "2018-01-01", mkt=mkt[0], at=mkt[1], src="booking-form" if mkt[0] else "")
    a("A-%s-2024" % x, x, datetime.date(2024, 6, i))
    for k in range(5):
        a("A-%s-%d" % (x, k), x, D(i - 20 + 14 * k))
# new customers: inside any notice period, never erased
for i in range(21, 26):
    c("C-%02d" % i, "2026-10-%02d" % (i - 20))
if d >= 3:
    c("C-26", D(3).isoformat())
# C-10 erased on day 5 comes back on day 12 under a new id, same e-mail
if d >= 12:
    c("C-40", D(12).isoformat(), email="c-10@kunde.example")
    a("A-C-40-1", "C-40", D(14))
def w(name, rows, cols):
    with open("%s/%s" % (out, name), "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        wr.writeheader(); wr.writerows(rows)
w("customers.csv", cust, list(cust[0].keys()))
w("appointments.csv", appt, ["external_id", "customer_external_id", "starts_at", "service", "notes"])
w("invoices.csv", inv, ["number", "customer_external_id", "issued_on", "total_cents"])
PY

# the database has a single location: the export needs no --location
erased=""        # external ids that must never come back
protected="C-03 C-21 C-22 C-23 C-24 C-25"   # inside the period, or booked again
bad_nights=""; loud_nights=""; back=""; early=""
cron_night() {  # $1: day
	local n=0
	/usr/bin/python3 booking.py "$1" export
	while IFS= read -r cmd; do
		n=$((n + 1))
		PRIVACY_NOW=$(day "$1")T02:0${n}:00Z sh -c "$cmd" >"night.out" 2>"night.err"
		local rc=$?
		[ $rc -eq 0 ] || bad_nights="$bad_nights day$1:line$n:rc$rc"
		[ -s night.err ] && loud_nights="$loud_nights day$1:line$n:$(head -c 200 night.err)"
	done <commands
	local here=" $(sql "SELECT group_concat(external_id, ' ') FROM customers") "
	for x in $erased; do
		case $here in *" $x "*) back="$back day$1:$x" ;; esac
	done
	for x in $protected; do
		case $here in *" $x "*) ;; *) early="$early day$1:$x" ;; esac
	done
}
staff() { PRIVACY_NOW=$(day "$1")T10:00:00Z "${@:2}"; }
id_of() { sql "SELECT id FROM customers WHERE external_id = '$1'"; }

for d in $(seq 0 59); do
	cron_night "$d"
	case $d in
	0)
		is "$(sql "SELECT count(*) FROM customers")" "25" "night 0: the export is in (25 customers)"
		is "$(sql "SELECT count(*) FROM audit WHERE action = 'customer.inactive-notice'")" "6" \
			"night 0: the six inactive customers get their notice, not the new ones"
		;;
	1)
		# notify runs before the notices of the night: they go out the next
		is "$(/usr/bin/python3 -c '
import email, glob
from email import policy
print(sum(str(email.message_from_bytes(open(f, "rb").read(), policy=policy.default)["Subject"])
          == "Ihre Daten bei Salon Mitte werden am 1. Dezember 2026 gelöscht" for f in glob.glob("smtp/msg/*.eml")))')" "6" \
			"night 1: six notice mails, for 1 December"
		;;
	3)
		protected="$protected C-26"
		;;
	2)
		staff 2 consent-send --campaign reperm-1 --kind repermission --transport dir:reperm1 >reperm1.out 2>&1
		ok $? "day 2: the first re-permission campaign"
		;;
	5)
		staff 5 dsar-erase --customer "$(id_of C-10)" >/dev/null
		ok $? "day 5: C-10 erased on request (the booking system keeps exporting it)"
		erased="$erased C-10"
		;;
	12)
		c40=$(id_of C-40)
		[ -n "$c40" ]; ok $? "night 12: the same person under a new booking id is a new customer ($c40)"
		is "$(sql "SELECT count(*) FROM audit WHERE action = 'customer.returning' AND object = 'customer:$c40'")" "1" "audited as returning"
		;;
	15)
		staff 15 privacyctl consent withdraw "$(id_of C-08)" --purpose marketing-email >/dev/null
		ok $? "day 15: C-08 withdraws here (the export still says yes)"
		;;
	29)
		is "$(sql "SELECT count(*) FROM customers WHERE external_id IN ('C-01','C-02','C-04','C-05','C-06')")" "5" \
			"night 29: the day before the announced one, nobody is erased yet"
		;;
	30)
		is "$(sql "SELECT count(*) FROM customers WHERE external_id IN ('C-01','C-02','C-04','C-05','C-06')")" "0" \
			"night 30 (1 December, the announced day): the inactive customers whose notice passed are erased"
		is "$(id_of C-03 | wc -l | tr -d ' ')" "1" "C-03, who booked again, is not"
		erased="$erased C-01 C-02 C-04 C-05 C-06"
		;;
	35)
		sqlite3 "$PRIVACY_DB" ".backup backup.db"; ok $? "day 35: a backup"
		;;
	38)
		staff 38 dsar-erase --customer "$(id_of C-12)" >/dev/null
		ok $? "day 38: C-12 erased"
		;;
	40)
		rm -f "$PRIVACY_DB-wal" "$PRIVACY_DB-shm"
		cp backup.db "$PRIVACY_DB"
		is "$(id_of C-12 | wc -l | tr -d ' ')" "1" "day 40: the backup of day 35 is restored: C-12 is back"
		;;
	41)
		staff 41 privacyctl check -f json >check.json 2>/dev/null
		like "$(cat check.json)" '"event": "erasure.restored-customers"' "day 41: check reports the restored customer"
		staff 41 dsar-erase --replay-tombstones >replay.out
		ok $? "staff re-apply the erasures"
		erased="$erased C-12"
		;;
	45)
		staff 45 consent-send --campaign reperm-2 --kind repermission --transport dir:reperm2 >reperm2.out 2>&1
		ok $? "day 45: a second re-permission campaign"
		;;
	esac
done

is "$bad_nights" "" "every cron line exited 0 on all 60 nights"
is "$loud_nights" "" "and said nothing on stderr"
is "$back" "" "no erased record came back on any night"
is "$early" "" "nobody inside the notice period (or who booked again) was erased"
is "$(wc -l <"$HOME/privacy-sync.ndjson" | tr -d ' ')" "180" "the sync logged three summaries a night"
is "$(/usr/bin/python3 - "$HOME/privacy-sync.ndjson" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
last = [r for r in rows if r["import"] == "customers"][-1]
print(last["skipped"], last["kept_withdrawn"], sum(r["rejected"] for r in rows))
PY
)" "7 4 0" "the last night counts 7 erased customers skipped, 4 consents known better here (the withdrawal, 3 lapsed re-permissions), and no night rejected a row"

# the returning customer is there, without the old data
c40=$(id_of C-40)
is "$(sql "SELECT count(*) FROM appointments WHERE customer_id = $c40") $(sql "SELECT count(*) FROM consents WHERE customer_id = $c40") $(sql "SELECT count(*) FROM invoices WHERE customer_id = $c40")" \
	"1 0 1" "C-40 has its own appointment and invoice, none of C-10's, and no consents"
is "$(sql "SELECT count(*) FROM retained WHERE subject_ref IS NOT NULL AND record_key LIKE 'R-A-C-40%'")" "0" "C-10's retained invoices are not C-40's"
# the withdrawal was kept every night
is "$(sql "SELECT event FROM consents WHERE customer_id = $(id_of C-08) ORDER BY at DESC, id DESC LIMIT 1")" "withdrawn" "C-08 stays withdrawn"
# nobody asked twice
/usr/bin/python3 - reperm1 reperm2 <<'PY' >asked
import email, os, sys
from collections import Counter
from email import policy
n = Counter()
for d in sys.argv[1:]:
    for root, _, files in os.walk(d):
        for f in files:
            if "/new" in root:
                m = email.message_from_bytes(open(os.path.join(root, f), "rb").read(), policy=policy.default)
                n[str(m["To"])] += 1
print(len(n), max(n.values()) if n else 0)
PY
is "$(cat asked)" "3 1" "three customers were asked for re-permission, none twice across both campaigns"
unlike "$(cat reperm1.out reperm2.out)" "c-10@" "the erased customer was not asked"

done_testing
