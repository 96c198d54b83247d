#!/bin/bash
# J10 a failed notification (issue 14): a mail the server refuses for
# good can be sent again once its cause is fixed (`notify --retry ID`,
# `notify --retry-failed`), and every fix that `privacyctl check` prints
# is a command that works: this test runs each one as printed.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/journeys/journey.sh"

export PRIVACY_NOW=2026-06-01T09:00:00Z
salon_setup self-service de
# a typo in the business address: the server refuses it
privacyctl settings set mitte notify-email=reject-team@salon-mitte.example >/dev/null

# A verified access request from the booking form whose customer's
# address is refused too.
sed 's/juergen@kunde/reject-juergen@kunde/' customers.csv >c2.csv
privacyctl customer import --location mitte c2.csv >/dev/null
run privacyctl request new --type access --email reject-juergen@kunde.example \
	--location mitte --verified
req=$(jget request_id <"$out")
privacyctl request process >/dev/null
run notify --pending
status 69 "refused for good: exit 69"
exp=$(sql "SELECT id FROM events WHERE type = 'export.ready' AND request_id = $req")
biz=$(sql "SELECT id FROM events WHERE type = 'request.received' AND request_id = $req")
is "$(sql "SELECT status FROM events WHERE id IN ($exp, $biz) GROUP BY status")" failed "both failed"
is "$(sql "SELECT status FROM requests WHERE id = $req")" in-progress "the request is not completed"

# notify --pending does nothing for them (the old advice of check)
run notify --pending
status 0 "--pending has nothing to send"
is "$(sql "SELECT status FROM events WHERE id = $exp")" failed "still failed"

# check names the finding and its fix; the fix is run as printed
export PRIVACY_NOW=2026-06-03T09:00:00Z
run privacyctl check
fix=$(grep '"outbox.failed"' "$out" | jget fix)
is "$fix" "notify --retry-failed" "check recommends a retry of the failed events"

# the customer's address is corrected by the booking system's import
privacyctl customer import --location mitte customers.csv >/dev/null
snapshot before
run notify --retry 999
status 66 "--retry: an unknown event"
run notify --retry "$biz" --retry-failed
status 64 "--retry and --retry-failed together"
run notify --retry abc
status 64 "--retry: not an id"
unchanged before "bad retries change nothing"
run notify --retry "$exp"
status 69 "notify --retry ID sends the export again (exit 69: the business's notice still fails, its address is not fixed yet)"
is "$(jget status <"$out" | head -1)" delivered "the export is delivered"
m=$(mail_to juergen@kunde.example)
is "$(mailf "$m" attachments | wc -l | tr -d ' ')" 2 "the customer gets the export"
is "$(sql "SELECT status FROM requests WHERE id = $req")" completed "and the request is completed"
is "$(sql "SELECT count(*) FROM audit WHERE action = 'notify.retry' AND object = 'event:$exp'")" 1 "the retry is audited"
run notify --retry "$exp"
status 65 "a delivered event is not retried"

# the business address is fixed as check says, then its fix
run privacyctl check
fix=$(grep '"outbox.failed"' "$out" | jget fix)
privacyctl settings set mitte notify-email=team@salon-mitte.example >/dev/null
n0=$(nmails)
eval "$fix" >fix.out 2>fix.err
is "$?" 0 "'$fix' runs"
is "$(sql "SELECT count(*) FROM events WHERE status = 'failed'")" 0 "nothing failed is left"
b=$(mail_to team@salon-mitte.example)
like "$(mailf "$b" field Subject)" "Nr\\. $req" "the business gets its mails"

# --- every other fix that check prints works as printed ---------------
# outbox.undelivered: a location without an address, then fixed
privacyctl location add nord --name "Studio Nord" >/dev/null
privacyctl settings set nord requests=self-service >/dev/null
printf 'external_id,first_name,last_name,email\nN-1,Ann,Lee,ann@kunde.example\n' >n.csv
privacyctl customer import --location nord n.csv >/dev/null
privacyctl request new --type erasure --email ann@kunde.example --location nord --verified >/dev/null
notify --pending >/dev/null 2>&1
export PRIVACY_NOW=2026-06-05T09:00:00Z
run privacyctl check
fix=$(grep '"settings.notify-email-missing"' "$out" | jget fix)
is "$fix" "privacyctl settings set nord notify-email=ADDRESS" "check names the location in its fix"
eval "${fix/ADDRESS/office@nord.example}" >/dev/null
is "$?" 0 "the settings fix runs with the address filled in"
run privacyctl check
fix=$(grep '"outbox.undelivered"' "$out" | jget fix)
is "$fix" "notify --pending" "waiting events: notify --pending"
eval "$fix" >/dev/null 2>&1
is "$?" 0 "'$fix' runs"
run privacyctl check
unlike "$(stdout)" 'outbox\.' "no outbox finding is left"

# security.insecure-permissions
chmod 644 "$PRIVACY_DB"
# (every tool refuses such a database, 77, naming the same fix; check
# reports it as a finding with the documented override)
PRIVACY_DB_SHARED=1 run privacyctl check
fix=$(grep '"security.insecure-permissions"' "$out" | head -1 | jget fix)
like "$fix" "^chmod 600 '" "the fix names the file"
eval "$fix"
is "$?" 0 "'chmod 600 FILE' runs"
is "$(stat -c %a "$PRIVACY_DB")" 600 "and fixes it"

# retention.expired: the invoice kept after an erasure, years later
privacyctl request process >/dev/null
dsar-erase --customer "$(privacyctl customer list --location mitte | grep K-1002 | jget customer_id)" >/dev/null
export PRIVACY_NOW=2034-01-02T09:00:00Z
run privacyctl check
fix=$(grep '"retention.expired"' "$out" | jget fix)
is "$fix" "dsar-erase --purge-expired" "expired records: the purge"
eval "$fix" >/dev/null
is "$?" 0 "'$fix' runs"
is "$(sql "SELECT count(*) FROM retained")" 0 "and purges them"

done_testing
