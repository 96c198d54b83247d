#!/bin/bash
# Progress and summary in every long stream (issue 17 item 3): customer
# import, consent-send, dsar-erase, dsar-export and notify draw a progress
# line on standard error when it is a terminal (cleared at the end; never
# with -q, never without a terminal, as under cron) and end with a record
# of their counts.  The line is drawn first after 0.2 s and at most five
# times a second, so only its clearing is certain in a short test.
. "$(dirname "$0")/lib.sh"
export PRIVACY_NOW=2026-06-01T10:00:00Z
PTY="/usr/bin/python3 $TOP/tests/pty.py"
salon_config >config.yaml
export PRIVACY_CONFIG=$SCRATCH/config.yaml

privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl settings set mitte notify-email=team@salon-mitte.example >/dev/null
{
	echo 'external_id,first_name,last_name,email,marketing_email,marketing_opt_in_at'
	for i in 1 2 3 4 5 6 7 8; do echo "K-$i,F$i,L$i,c$i@example.org,yes,2016-01-01"; done
} >c.csv
{
	echo 'external_id,first_name,last_name,email'
	for i in 9 10 11; do echo "K-$i,F$i,L$i,c$i@example.org"; done
} >d.csv
mkdir md

# cleared: the progress line was cleared; escape: anything was drawn
cleared() { grep -q $'\r\033\[K' "$err"; }
escape() { grep -q $'\033' "$err"; }

run $PTY --ctty $'\n' privacyctl customer import --location mitte c.csv
status 0 "customer import with stderr a terminal"
cleared; ok $? "customer import: the progress line is cleared at the end"
is "$(jget inserted <"$out")" 8 "customer import: its summary record counts the rows"
run $PTY --ctty $'\n' privacyctl -q customer import --location mitte d.csv
status 0 "customer import -q"
escape; ok $((! $?)) "customer import -q: no progress"
run privacyctl customer import --location mitte d.csv
escape; ok $((! $?)) "customer import without a terminal: no progress"
is "$(sql "SELECT count(*) FROM customers")" 11 "eleven customers"

run $PTY --ctty $'\n' consent-send --campaign r1 --kind repermission --transport dir:md
status 0 "consent-send with stderr a terminal"
cleared; ok $? "consent-send: the progress line is cleared at the end"
is "$(tail -1 "$out")" '{"summary":{"program":"consent-send","dry_run":false,"queued":8,"skipped":0,"sent":8,"deferred":0,"failed":0}}' \
	"consent-send: ends with its summary record"
is "$(ls md/new | wc -l | tr -d ' ')" 8 "eight mails written"
run $PTY --ctty $'\n' consent-send -q --campaign r2 --kind repermission --transport dir:md
status 0 "consent-send -q"
escape; ok $((! $?)) "consent-send -q: no progress"
run consent-send --campaign r3 --kind repermission --transport dir:md
escape; ok $((! $?)) "consent-send without a terminal: no progress"

privacyctl customer list --limit 3 >three.ndjson
mkdir out
run $PTY --ctty $'\n' dsar-export -o out <three.ndjson
status 0 "dsar-export with stderr a terminal"
cleared; ok $? "dsar-export: the progress line is cleared at the end"
like "$(tail -1 "$out")" '^\{"summary":\{"program":"dsar-export",.*"exported":3,' "dsar-export: ends with its summary record"

run $PTY --ctty $'\n' dsar-erase <three.ndjson
status 0 "dsar-erase with stderr a terminal (three subjects: no question)"
cleared; ok $? "dsar-erase: the progress line is cleared at the end"
like "$(tail -1 "$out")" '^\{"summary":\{"program":"dsar-erase",.*"erased":3,' "dsar-erase: ends with its summary record"
is "$(sql "SELECT count(*) FROM customers")" 8 "three erased"

run $PTY --ctty $'\n' notify --pending --transport dir:md
status 0 "notify with stderr a terminal"
cleared; ok $? "notify: the progress line is cleared at the end"
like "$(tail -1 "$out")" '^\{"summary":\{"program":"notify",.*"delivered":[1-9]' "notify: ends with its summary record"
is "$(sql "SELECT count(*) FROM events WHERE status IN ('pending', 'deferred')")" 0 "everything delivered"

# events that wait for a location's notification address: 78, and still
# the summary, counting them as pending (privacy-records(5))
privacyctl location add nord --name "Studio Nord" >/dev/null
printf 'external_id,first_name,email\nN-1,Nora,nora@example.org\n' >n.csv
privacyctl customer import --location nord n.csv >/dev/null
privacyctl request new --type access --external-id N-1 --location nord >/dev/null
run notify --pending --transport dir:md
status 78 "notify: an event for a location without notify-email is 78"
like "$(stderr)" "^notify: 1 events wait: their location has no notify-email or notify-webhook$" "and says so"
like "$(tail -1 "$out")" '^\{"summary":\{"program":"notify",.*"pending":1\}\}$' \
	"the run still ends with its summary record, the waiting event as pending (there was none)"
run notify -q --pending --transport dir:md
status 78 "-q: still 78"
is "$(stdout)" "" "-q: no summary"

done_testing
