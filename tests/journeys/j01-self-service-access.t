#!/bin/bash
# J1 self-service access and portability (issue 14): a booking-form
# request, the code mail, verify, `request process`, `notify --pending`:
# the customer's mail carries the export as JSON (Art. 20) and as a
# readable HTML report; the request is completed only once that mail was
# accepted by the SMTP server; the business is told.  A refused mail
# leaves the request open and the export in the outbox.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/journeys/journey.sh"

export PRIVACY_NOW=2026-06-01T09:00:00Z
salon_setup self-service de

# The booking form's backend records the request; the cron line sends.
run privacyctl request new --type access --email juergen@kunde.example \
	--location mitte --channel booking-form
status 0 "request from the booking form"
req=$(jget request_id <"$out")
run notify --pending
status 0 "notify --pending sends the code"
m=$(mail_to juergen@kunde.example)
show_mail "$m"
code=$(mailf "$m" field body | sed -n 's/^    \([A-Za-z0-9-]\{4,\}\)$/\1/p' | head -1)
like "$code" '.' "the customer reads the code in the mail"
like "$(mailf "$m" field body)" 'Auskunft \(Art\. 15 DSGVO\)' "the code mail names the request in words"
like "$(mailf "$m" field body)" 'gilt bis 2\. Juni 2026, 11:00 Uhr' "the code's expiry in local time, as people write it"
mail_reads_well "$m" de "the code mail"
run privacyctl request verify "$req" "$code"
status 0 "the customer's code verifies the request"

# The cron lines of privacy(7): process, then notify.
run privacyctl request process
status 0 "request process"
is "$(sql "SELECT status FROM requests WHERE id = $req")" "in-progress" \
	"not completed while the export only waits in the outbox"
n0=$(nmails)
run notify --pending
status 0 "notify --pending delivers the export"
m=$(mail_to juergen@kunde.example)
show_mail "$m"
is "$(mailf "$m" attachments | sort)" "$(printf 'auskunft.html text/html\nauskunft.json application/json')" \
	"the customer's mail carries the export as JSON and as HTML"
/usr/bin/python3 - "$JDIR/mail.py" "$m" <<'PY' >json.check
import json, subprocess, sys
doc = json.loads(subprocess.run(["/usr/bin/python3", sys.argv[1], sys.argv[2],
    "attachment", "auskunft.json"], capture_output=True, text=True).stdout)
c = doc["data"]["customer"]
print(doc["format"], c["external_id"], c["first_name"], c["email"],
      len(doc["data"]["appointments"]))
PY
is "$(cat json.check)" "privacyctl-export/1 K-1001 Jürgen juergen@kunde.example 1" \
	"the JSON attachment is the export document of the customer"
mailf "$m" attachment auskunft.html >report.html
like "$(cat report.html)" 'Jürgen' "the HTML report names the customer"
like "$(cat report.html)" 'Herrenhaarschnitt' "and shows the appointment"
unlike "$(cat report.html)" '<script|src=|href="http|@import|url\(' \
	"the HTML report has no script and no external resource"
like "$(mailf "$m" field body)" 'Anhang' "the mail says what is attached"
like "$(mailf "$m" field body)" 'Salon Beispiel GmbH' "signed with the controller's name"
like "$(mailf "$m" field body)" '\+49 30 999999' "and its contact"
mail_reads_well "$m" de "the export mail"
like "$(cat report.html)" '<html lang="de">' "the report is in the location's language"
like "$(cat report.html)" '1\. Juni 2025, 10:00 Uhr' "appointments dated as people write them, in local time"
is "$(sql "SELECT status FROM requests WHERE id = $req")" "completed" \
	"completed once the server accepted the mail"
is "$(sql "SELECT count(*) FROM events WHERE request_id = $req AND type = 'request.completed' AND audience = 'business'")" 1 \
	"the business is told the request was answered"
run notify --pending
status 0 "notify again"
b=$(mail_to team@salon-mitte.example)
show_mail "$b"
like "$(mailf "$b" field Subject)" "$req" "the business mail names the request"
mail_reads_well "$b" de "the business mail" business

# A second customer's export mail is refused by the server: the request
# stays open, the export stays in the outbox for a retry.
run privacyctl request new --type portability --email aenne@kunde.example \
	--location mitte --verified
req2=$(jget request_id <"$out")
# the booking system's nightly import brings an address the server refuses
sed 's/aenne@kunde/reject-aenne@kunde/' customers.csv >customers2.csv
privacyctl customer import --location mitte customers2.csv >/dev/null
run privacyctl request process
status 0 "process the second request"
run notify --pending
status 69 "the refused mail fails for good"
is "$(sql "SELECT status FROM requests WHERE id = $req2")" "in-progress" \
	"a request whose export mail was refused is not completed"
is "$(sql "SELECT json_type(payload, '\$.export') FROM events WHERE request_id = $req2 AND type = 'export.ready'")" "object" \
	"the export is not scrubbed from the failed event"
run privacyctl request process
is "$(sql "SELECT count(*) FROM events WHERE request_id = $req2 AND type = 'export.ready'")" 1 \
	"process does not queue the export a second time"

# dsar-export -f html: the same report for staff to print or hand over
cust=$(privacyctl customer list --location mitte | grep K-1001 | jget customer_id)
run dsar-export --customer "$cust" -f html
status 0 "dsar-export -f html"
like "$(head -1 "$out")" '^<!DOCTYPE html>' "a page"
like "$(stdout)" '<h1>Ihre Daten bei Salon Beispiel GmbH</h1>' "in the location's language"
like "$(stdout)" 'Herrenhaarschnitt' "with the data"
unlike "$(stdout)" '<script|src=|href=|@import|url\(' "no script, no external resource"
unlike "$(stdout)" '<th[^>]*>[a-z]+(_[a-z]+)*</th>' \
	"every label is a word of the language, no field name (was name, address, recorded_at)"
mkdir pages
run dsar-export --customer "$cust" -f html -o pages
status 0 "-f html -o DIR"
f=$(jget path <"$out")
like "$f" '\.html$' "one .html file"
is "$(stat -c %a "$f")" 600 "readable only by its owner"
snapshot before
run sh -c "privacyctl customer list --location mitte | dsar-export -f html"
status 64 "a stream of pages to stdout is refused"
unchanged before "and changes nothing"
# a value that looks like markup is shown, never run
printf 'external_id,first_name,last_name,email\nK-1001,<script>alert(1)</script>,Müller,juergen@kunde.example\n' >x.csv
privacyctl customer import --location mitte x.csv >/dev/null
run dsar-export --customer "$cust" -f html
like "$(stdout)" '&lt;script&gt;alert\(1\)&lt;/script&gt;' "values are escaped"

done_testing
