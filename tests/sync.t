#!/bin/bash
# The nightly sync (issue 15, item 1): a re-import of the booking system's
# full export exits 0, and -q keeps it quiet, when the only differences are
# the expected ones (erased customers skipped, consents known better here
# kept), counted in the summary record; real errors still fail.
. "$(dirname "$0")/lib.sh"
export PRIVACY_NOW=2026-11-29T12:00:00Z

privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
cat >customers.csv <<'CSV'
external_id,first_name,last_name,email,phone,marketing_email,marketing_opt_in_at,marketing_source
K-1,Erika,Muster,erika@example.org,+49 30 1111,yes,2021-03-01,booking-form
K-2,Hans,Gone,hans@example.org,+49 30 2222,no,,
K-3,Ida,Stays,ida@example.org,,yes,2022-01-01,booking-form
CSV
cat >appointments.csv <<'CSV'
external_id,customer_external_id,starts_at,service
T-1,K-1,2026-01-10T09:00:00Z,Schnitt
T-2,K-2,2026-02-10T09:00:00Z,Farbe
T-3,K-3,2026-03-10T09:00:00Z,Schnitt
CSV
cat >invoices.csv <<'CSV'
number,customer_external_id,issued_on,total_cents
R-1,K-1,2026-01-10,3500
R-2,K-2,2026-02-10,8000
CSV
sync() {
	for k in customer appointment invoice; do
		privacyctl $k import "$@" --location mitte ${k}s.csv >"sum-$k" 2>>sync.err || return $?
	done
}
: >sync.err
sync; ok $? "the first sync"
id2=$(sql "SELECT id FROM customers WHERE external_id = 'K-2'")
id3=$(sql "SELECT id FROM customers WHERE external_id = 'K-3'")
dsar-erase --customer "$id2" >/dev/null; ok $? "erase K-2"
privacyctl consent withdraw "$id3" --purpose marketing-email >/dev/null; ok $? "K-3 withdraws here"

# the next night: the same full export
snapshot before
run privacyctl -q customer import --location mitte customers.csv
status 0 "customer import after an erasure and a withdrawal: exit 0 (was 1)"
is "$(cat "$err")" "" "-q: nothing on stderr"
is "$(jget skipped <"$out") $(jget kept_withdrawn <"$out") $(jget inserted <"$out")" "1 1 0" \
	"the summary counts the erased customer skipped and the consent kept"
run privacyctl -q appointment import --location mitte appointments.csv
status 0 "appointment import with an erased customer's row: exit 0 (was 65)"
is "$(cat "$err")" "" "-q: nothing on stderr"
is "$(jget skipped <"$out") $(jget unchanged <"$out")" "1 2" "one row skipped, two unchanged"
run privacyctl -q invoice import --location mitte invoices.csv
status 0 "invoice import with an erased customer's row: exit 0 (was 65)"
is "$(jget skipped <"$out")" "1" "counted as skipped"
is "$(sql "SELECT count(*) FROM customers WHERE external_id = 'K-2'") $(sql "SELECT count(*) FROM appointments WHERE external_id = 'T-2'") $(sql "SELECT count(*) FROM invoices WHERE number = 'R-2'")" \
	"0 0 0" "nothing of the erased customer comes back"
is "$(sql "SELECT event FROM consents WHERE customer_id = $id3 ORDER BY at DESC, id DESC LIMIT 1")" "withdrawn" "the withdrawal here is kept"

# without -q the notices are shown, with file:line and no personal data
run privacyctl appointment import --location mitte appointments.csv
status 0 "without -q: exit 0 too"
is "$(cat "$err")" "privacyctl: appointments.csv:3: customer_external_id: a customer erased earlier: row skipped" "the notice names the row"
run privacyctl customer import --location mitte customers.csv
like "$(stderr)" "customers.csv:4: marketing_email: customer $id3 has withdrawn" "the kept consent is a notice"
unlike "$(stderr)" "Hans|hans@|Ida|ida@" "no personal data"
is "$(sql "SELECT detail FROM audit WHERE action = 'appointments.import' ORDER BY id DESC LIMIT 1")" \
	'{"inserted":0,"updated":0,"unchanged":2,"rejected":0,"skipped":1,"consents_granted":0,"consents_withdrawn":0}' \
	"the audited summary counts the skipped row"

# real errors still fail as before
snapshot before_bad
printf 'external_id,customer_external_id,starts_at\nT-9,K-404,2026-04-01T09:00:00Z\n' >unknown.csv
run privacyctl -q appointment import --location mitte unknown.csv
status 65 "a customer that never was here is still bad input"
like "$(stderr)" "^privacyctl: unknown.csv:2: customer_external_id: unknown customer$" "reported even with -q"
unchanged before_bad "nothing imported"
printf 'number,customer_external_id,issued_on,total_cents\nR-9,K-2,2026-13-01,100\n' >bad.csv
run privacyctl -q invoice import --location mitte bad.csv
status 65 "a bad date in an erased customer's row is still bad input"
unchanged before_bad "nothing imported"

done_testing
