#!/bin/bash
# Inactive cleanup with a notice period (issue 15, item 3): the booking
# system's customer_since is imported and used with the last appointment;
# a customer created within the period is never selected; the optional
# notice mail goes N days ahead, in the location's language; only those
# whose notice passed without a new booking are selected.
. "$(dirname "$0")/lib.sh"
export PRIVACY_NOW=2026-11-29T12:00:00Z

privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl location add nord --name "Studio Nord" >/dev/null
privacyctl settings set nord language=en >/dev/null
mkdir certs
make_cert certs
start_smtpd smtp --tls certs/cert.pem certs/key.pem
cat >config.yaml <<EOF
smtp:
  url: smtp://127.0.0.1:$SMTP_PORT
  ca_file: $SCRATCH/certs/cert.pem
  timeout: 60
mail:
  from: datenschutz@salon.example
EOF
export PRIVACY_CONFIG=$SCRATCH/config.yaml

cat >customers.csv <<'CSV'
external_id,first_name,email,customer_since
K-OLD,Olga,olga@example.org,2019-04-01
K-NEW,Nina,nina@example.org,
K-SINCE,Sina,sina@example.org,2026-01-15
K-BACK,Bert,bert@example.org,2018-02-01
K-NOMAIL,Norbert,,2017-06-01
CSV
# K-NEW has no customer_since: created here today
run privacyctl customer import --location mitte customers.csv
status 0 "import with customer_since"
is "$(sql "SELECT customer_since FROM customers WHERE external_id = 'K-OLD'")" "2019-04-01" "customer_since stored"
printf 'external_id,customer_external_id,starts_at\nT-1,K-OLD,2020-05-01T09:00:00Z\nT-2,K-BACK,2021-05-01T09:00:00Z\n' >appointments.csv
privacyctl appointment import --location mitte appointments.csv >/dev/null
printf 'external_id,first_name,email,customer_since\nN-1,Nora,nora@example.org,2015-01-01\n' >nord.csv
privacyctl customer import --location nord nord.csv >/dev/null

ids() { /usr/bin/python3 -c 'import json,sys; print(" ".join(json.loads(l)["external_id"] for l in open(sys.argv[1]) if l.strip()))' "$1"; }

# ---- a customer created within the period is never selected
run privacyctl customer list --inactive-since 3y
status 0 "inactive customers"
is "$(ids "$out")" "K-OLD K-BACK K-NOMAIL N-1" "not K-NEW (created today, no appointment; was selected) nor K-SINCE (a customer since January)"

# ---- the notice, 30 days ahead
snapshot before
run privacyctl customer notice -n --inactive-since 3y --days 30
status 0 "dry run"
unchanged before "the dry run changes nothing"
run privacyctl customer notice --inactive-since 3y --days 30
status 0 "the notice"
is "$(/usr/bin/python3 -c 'import json,sys; print(" ".join("%d:%s:%s" % (r["customer_id"], r["erase_on"], r["mailed"]) for r in map(json.loads, open(sys.argv[1]))))' "$out")" \
	"$(sql "SELECT group_concat(id || ':2026-12-29:' || CASE WHEN email IS NULL THEN 'False' ELSE 'True' END, ' ') FROM (SELECT id, email FROM customers WHERE external_id IN ('K-OLD', 'K-BACK', 'K-NOMAIL', 'N-1') ORDER BY id)")" \
	"announced for 29 December, mailed where there is an address"
is "$(sql "SELECT count(*) FROM events WHERE type = 'customer.inactive-notice' AND audience = 'customer'")" "3" "three notices in the outbox"
is "$(sql "SELECT count(*) FROM audit WHERE action = 'customer.inactive-notice'")" "4" "four audit entries"
run privacyctl customer notice --inactive-since 3y --days 30
is "$(cat "$out")" "" "a second run notices nobody twice"
run notify --pending
status 0 "notify delivers the notices"
mail_for() { grep -l "^X-Test-Rcpt-To: .*$1" smtp/msg/*.eml | head -1; }
mailget() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import email, sys
from email import policy
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=policy.default)
sys.stdout.write(m.get_body(("plain",)).get_content() if sys.argv[2] == "body" else str(m[sys.argv[2]]))
PY
}
m=$(mail_for olga@example.org)
is "$(mailget "$m" subject)" "Ihre Daten bei Salon Mitte werden am 29. Dezember 2026 gelöscht" "a German subject for mitte"
like "$(mailget "$m" body)" "löschen wir Ihre Kundendaten am 29. Dezember 2026, wenn Sie bis dahin keinen neuen Termin buchen" "the German text says what and when"
m=$(mail_for nora@example.org)
is "$(mailget "$m" subject)" "Your data at Studio Nord will be deleted on 29 December 2026" "English for nord"
like "$(mailget "$m" body)" "deleted on 29 December 2026 unless you book again" "the English text"
is "$(ls smtp/msg/*.eml | wc -l | tr -d ' ')" "3" "three mails, none to the customer without an address"

# ---- only those whose notice passed without a new booking
PRIVACY_NOW=2026-12-28T12:00:00Z run privacyctl -q customer list --inactive-since 3y --notice-passed
status 1 "the day before: nobody"
is "$(cat "$out" "$err")" "" "and -q says nothing"
printf 'external_id,customer_external_id,starts_at\nT-3,K-BACK,2027-01-10T09:00:00Z\n' >booked.csv
PRIVACY_NOW=2026-12-20T12:00:00Z privacyctl appointment import --location mitte booked.csv >/dev/null
export PRIVACY_NOW=2026-12-29T08:00:00Z
run privacyctl customer list --inactive-since 3y --notice-passed
status 0 "on the announced day"
is "$(ids "$out")" "K-OLD K-NOMAIL N-1" "K-BACK booked again: not selected"
privacyctl customer list --inactive-since 3y --notice-passed | dsar-erase >erased.out
ok $? "the list feeds dsar-erase"
is "$(sql "SELECT group_concat(external_id, ' ') FROM (SELECT external_id FROM customers ORDER BY id)")" "K-NEW K-SINCE K-BACK" "the three are erased, the rest kept"
run privacyctl customer list --inactive-since 3y --notice-passed
status 1 "nothing left to erase"

# ---- bad input
run privacyctl customer list --notice-passed
status 64 "--notice-passed without --inactive-since"
run privacyctl customer notice --days 30
status 64 "notice without --inactive-since"
run privacyctl customer notice --inactive-since 3y --days 0
status 64 "--days 0"
printf 'external_id,customer_since\nK-X,2020-02-30\n' >bad.csv
snapshot before_bad
run privacyctl customer import --location mitte bad.csv
status 65 "a bad customer_since"
like "$(stderr)" "bad.csv:2: customer_since: " "names the field"
unchanged before_bad "nothing imported"

done_testing
