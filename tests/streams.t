#!/bin/bash
# Streams (issue 17): the summary record that ends a stream and that every
# reader passes over, totals at the end of a -n plan, quiet re-runs of an
# export, one exit-status rule for records that fail, notify -q silent on
# success.  Through the public commands only.
. "$(dirname "$0")/lib.sh"
export PRIVACY_NOW=2026-06-01T10:00:00Z

cat >config.yaml <<EOF
mail:
  from: datenschutz@salon.example
EOF
export PRIVACY_CONFIG=$SCRATCH/config.yaml
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl settings set mitte notify-email=team@salon-mitte.example >/dev/null
{
	echo 'external_id,first_name,last_name,email'
	for i in 1 2 3 4 5 6 7 8; do echo "K-$i,First$i,Last$i,c$i@example.org"; done
	echo 'K-9,No,Mail,'
} >c.csv
privacyctl customer import --location mitte c.csv >/dev/null
privacyctl customer hold 2 --reason "court order" >/dev/null
summary() { grep '^{"summary":' "$out"; }
records() { grep -vc '^{"summary":' "$out"; }

# ---- 1, 2: a plan ends with its totals ---------------------------------
privacyctl customer list --limit 4 >four.ndjson
printf '{"note":"no subject"}\n' >>four.ndjson
snapshot before
run dsar-erase -n four.ndjson
status 1 "a plan with a held customer and a record without subject: 1"
is "$(records)" 4 "one plan record per subject (the held one says so)"
is "$(tail -1 "$out")" '{"summary":{"program":"dsar-erase","dry_run":true,"records":5,"planned":3,"held":1,"failed":1,"deleted":{"customers":3}}}' \
	"the plan ends with its totals: subjects, and rows by table"
is "$(stderr)" "dsar-erase: customer 2: under legal hold, not erased
dsar-erase: four.ndjson:5: no subject: the record has none of request_id, customer_id, external_id, email" \
	"the failures are said on stderr, each once"
unchanged before "a plan changes nothing"
run dsar-erase -n -f json four.ndjson
is "$(/usr/bin/python3 -c 'import json, sys
a = json.load(open(sys.argv[1]))
print(len(a), a[-1]["summary"]["planned"], a[-1]["summary"]["dry_run"])' "$out")" "5 3 True" \
	"-f json: the summary is the array's last element"
run dsar-erase -n -f csv four.ndjson
unlike "$(stdout)" "summary" "-f csv: no summary row among the records"
like "$(stderr)" "^dsar-erase \(dry run\): records 5, planned 3, held 1, failed 1; deleted: customers 3$" \
	"-f csv: the totals are a line on stderr"
run dsar-erase -n -q four.ndjson
unlike "$(stdout)" "summary" "-q: no summary"
run dsar-erase -n </dev/null
status 0 "an empty stream"
is "$(stdout)$(stderr)" "" "nothing to do: nothing said, not even a summary"

# ---- 1: the summary passes through the documented pipes ---------------
mkdir md
privacyctl customer list --limit 3 >three.ndjson
run sh -c 'dsar-erase three.ndjson | notify --transport dir:md'
status 0 "dsar-erase | notify: notify delivers (the held customer is dsar-erase's 1)"
is "$(grep -c '"status":"delivered"' "$out")" 2 "notify delivers the two erasures"
is "$(tail -1 "$out")" '{"summary":{"program":"notify","dry_run":false,"delivered":2,"deferred":0,"failed":0}}' \
	"notify passes over dsar-erase's summary and ends with its own"
unlike "$(stderr)" "notify" "notify says nothing about the summary record"
is "$(ls md/new | wc -l | tr -d ' ')" 1 "one mail to the business for the run's two erasures (bulk-notify.t)"
is "$(sql "SELECT count(*) FROM customers WHERE id IN (1, 3)")" 0 "both erased"
# the array form (-f json) ends in the summary too: the same, silently
privacyctl customer list --name First4 >one.ndjson
dsar-erase -f json one.ndjson >erased.json
run notify --transport dir:md erased.json
status 0 "a JSON array ending in the summary, into notify"
is "$(grep -c '"status":"delivered"' "$out")" 1 "its event delivered"
printf '{"summary":{"program":"dsar-erase","records":0}}\n{"customer_id":5}\n{"summary":{}}\n' >mixed.ndjson
run dsar-erase mixed.ndjson
status 0 "summary records anywhere in the input are passed over"
is "$(records)" 1 "one subject erased"
is "$(summary)" '{"summary":{"program":"dsar-erase","dry_run":false,"records":1,"erased":1,"held":0,"failed":0,"deleted":{"customers":1}}}' \
	"and counted once"

# ---- 3: a re-run of an export into a directory is quiet ----------------
mkdir out
privacyctl customer list >all.ndjson
run dsar-export -o out all.ndjson
status 0 "export the rest into files"
is "$(jget status <"$out" | sort -u)" "written" "each file written"
is "$(summary)" '{"summary":{"program":"dsar-export","dry_run":false,"records":5,"exported":5,"exists":0,"failed":0}}' \
	"the summary counts the documents"
n=$(sql "SELECT count(*) FROM audit")
cp -r out keep
run dsar-export -o out all.ndjson
status 0 "the same export again the same day: 0"
is "$(stderr)" "" "no error per file"
is "$(jget status <"$out" | sort -u)" "exists" "each record says the file exists"
is "$(summary)" '{"summary":{"program":"dsar-export","dry_run":false,"records":5,"exported":0,"exists":5,"failed":0}}' \
	"nothing exported twice"
diff -r keep out >/dev/null; ok $? "the files are untouched"
is "$(sql "SELECT count(*) FROM audit")" "$n" "nothing audited again"
run dsar-export -o out --customer 6
status 0 "one subject named again: 0 too"
is "$(jget status <"$out")" "exists" "its record says exists"
PRIVACY_NOW=2026-06-02T10:00:00Z run dsar-export -o out --customer 6
is "$(jget status <"$out")" "written" "the next day is a new file"

# ---- progress on a terminal, the same in every long stream --------------
# (drawn at most five times a second after the first 0.2 s, so only its
# clearing at the end is certain in a short test)
PTY="/usr/bin/python3 $TOP/tests/pty.py"
mkdir out3
run $PTY --ctty $'\n' dsar-export -o out3 <all.ndjson
status 0 "dsar-export with stderr a terminal"
grep -q $'\r\033\[K' "$err"; ok $? "dsar-export: the progress line is cleared at the end"
run $PTY --ctty $'\n' dsar-export -q -o out3 <all.ndjson
grep -q $'\033\[K' "$err"; ok $((! $?)) "dsar-export -q: no progress"
run dsar-export -o out3 all.ndjson
grep -q $'\033' "$err"; ok $((! $?)) "no terminal (cron): no progress"
privacyctl request new --customer 6 --type access >/dev/null
run $PTY --ctty $'\n' notify --pending --transport dir:md
status 0 "notify with stderr a terminal"
grep -q $'\r\033\[K' "$err"; ok $? "notify: the progress line is cleared at the end"

# ---- 4: one exit status for a record that fails -------------------------
printf '{"customer_id":6}\n{"note":"no subject"}\n' >bad.ndjson
run dsar-export bad.ndjson
status 1 "dsar-export: a record without a subject is 1 (was 65)"
is "$(stderr)" "dsar-export: bad.ndjson:2: no subject: the record has none of request_id, customer_id, external_id, email" \
	"reported with file:line"
is "$(jget subject.customer_id <"$out")" 6 "the good record is exported"
snapshot before
printf '{"note":"no subject"}\n' >none.ndjson
run dsar-erase none.ndjson
status 1 "dsar-erase: a record without a subject is 1, the same"
unchanged before "nothing erased"
run notify --transport dir:md none.ndjson
status 65 "notify takes its input as a whole: a bad record is 65"
unchanged before "nothing queued"
privacyctl request new --customer 7 --type access --channel letter >/dev/null
rid=$(sql "SELECT max(id) FROM requests")
privacyctl request verify "$rid" --verified-by "id card" >/dev/null
run privacyctl request verify "$rid" --verified-by "id card"
status 65 "request verify of a verified request: 65, not a usage error"
like "$(stderr)" "request $rid is verified, not waiting for an identity check" "says why"
run privacyctl request verify "$rid" 123456
status 65 "a code for a request that waits for none: 65"
run privacyctl customer list --name nobody
status 1 "a listing that matched nothing: 1"

# ---- 5: notify -q is silent on success ----------------------------------
privacyctl request new --customer 8 --type access >/dev/null
run notify -q --pending --transport dir:md
status 0 "notify -q delivers"
is "$(stdout)$(stderr)" "" "and says nothing (no cron mail)"
is "$(sql "SELECT count(*) FROM events WHERE status = 'pending'")" 0 "everything delivered"
run notify -q --transport dir:md <<<'{"event":"request.rejected","location":"mitte","audience":"customer","customer_id":9,"reason":"r"}'
status 69 "-q: a delivery that failed for good is 69"
is "$(stdout)" "" "no records on stdout"
like "$(stderr)" "^notify: event [0-9]+ \(request.rejected\): not delivered by email$" "the failure is said on stderr, without personal data"
run notify -q --pending --transport dir:md
status 0 "the next run: nothing new"
is "$(stdout)$(stderr)" "" "the failure is not said again"

done_testing
