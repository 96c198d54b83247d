#!/bin/bash
# Tables on a terminal (issue 17 item 1): a listing on a terminal is an
# aligned table of its useful columns, fitted to COLUMNS, coloured unless
# NO_COLOR; one record is laid-out JSON; pipes and files get NDJSON.
. "$(dirname "$0")/lib.sh"
export PRIVACY_NOW=2026-03-02T09:00:00Z
PTY="/usr/bin/python3 $TOP/tests/pty.py"
unset COLUMNS
export NO_COLOR=1

privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl location add nord --name "Studio Nord" --timezone Europe/Vienna >/dev/null
printf 'external_id,first_name,last_name,email,marketing_email,marketing_opt_in_at\n%s\n%s\n%s\n' \
	'K-1,Erika,Mustermann,erika.mustermann@example.org,yes,2016-04-02' \
	'K-2,Jürgen,Müller-Lüdenscheidt-Hohenzollern,j@example.org,no,' \
	"K-3,Eve,Esc$(printf '\033')[31mRed,eve@example.org,no," >c.csv
privacyctl customer import --location mitte c.csv >/dev/null
privacyctl request new --type erasure --customer 1 >/dev/null
privacyctl request new --type access --customer 2 >/dev/null

run $PTY privacyctl location list
status 0 "location list on a terminal"
is "$(stdout)" "LOCATION  NAME         TIMEZONE       REQUESTS  MARKETING
mitte     Salon Mitte  Europe/Berlin  manual    off
nord      Studio Nord  Europe/Vienna  manual    off" "location list is an aligned table (empty columns left out)"

run $PTY privacyctl customer list
status 0 "customer list on a terminal"
[ "$(stdout | head -1 | cut -c1-40)" = "CUSTOMER_ID  LOCATION  EXTERNAL_ID  FIRS" ]
ok $? "customer list has a header of the useful columns"
stdout | grep -q "$(printf '\033')"
ok $((!$?)) "no escape character reaches the terminal from a value (NO_COLOR)"
like "$(stdout | sed -n 4p)" '^3 +mitte +K-3 +Eve +Esc \[31mRed +eve@example.org$' \
	"a control character in a value is shown as a blank"
unlike "$(stdout)" 'marketing_email|MARKETING_EMAIL' "less useful columns are left out"

run $PTY --cols 70 privacyctl customer list
like "$(stdout | sed -n 3p)" '^2 +mitte +K-2 +Jürgen +Müller-.*…' \
	"a terminal 70 columns wide: long values are shortened with an ellipsis"
like "$(stdout | sed -n 3p)" ' Müller-L[^ ]*… ' "a shortened value keeps 10 characters or more"
long=$(stdout | /usr/bin/python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in sys.stdin))')
[ "$long" -le 70 ]; ok $? "no line is wider than the terminal ($long)"
# Narrower than every column's first 10 characters (or its header): no
# table of stumps, but a block of key and value lines for each record.
run $PTY --cols 60 privacyctl customer list
status 0 "customer list on a terminal 60 columns wide"
is "$(stdout | sed -n '1,7p')" "customer_id  1
location     mitte
external_id  K-1
first_name   Erika
last_name    Mustermann
email        erika.mustermann@example.org" "too narrow for the table: a block of key and value lines a customer"
is "$(stdout | sed -n 7p)|$(stdout | sed -n 8p)" "|customer_id  2" "a blank line between the blocks"
like "$(stdout)" 'last_name    Müller-Lüdenscheidt' "the values whole"
unlike "$(stdout)" 'marketing_email' "the block has the table's columns, not every field"
long=$(stdout | /usr/bin/python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in sys.stdin))')
[ "$long" -le 60 ]; ok $? "no line is wider than the terminal ($long)"
COLUMNS=50 run $PTY --cols 200 privacyctl customer list
long=$(stdout | /usr/bin/python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in sys.stdin))')
[ "$long" -le 50 ]; ok $? "COLUMNS beats the terminal's width ($long)"

run $PTY privacyctl request list
status 0 "request list on a terminal"
is "$(stdout)" "REQUEST_ID  LOCATION  CUSTOMER_ID  TYPE     STATUS    DUE         OVERDUE
1           mitte     1            erasure  received  2026-04-02  false
2           mitte     2            access   received  2026-04-02  false" \
	"request list: id, location, customer, type, status, due, overdue"

run $PTY privacyctl audit list
like "$(stdout | head -1)" '^ID +AT +ACTOR +ACTION +OBJECT$' "audit list: no detail or 64-hex hash on a terminal"
unlike "$(stdout)" '[0-9a-f]{64}' "the hashes are left to the records"

run $PTY privacyctl consent list
like "$(stdout | head -2 | tail -1)" '^1 +mitte +marketing-email +needs-repermission +2016-04-02 00:00$' \
	"consent list is a table; a time reads as date and minute"

run $PTY privacyctl consent show 1
status 0 "consent show on a terminal"
is "$(stdout)" "LEDGER_ID  PURPOSE          EVENT    AT                SOURCE
1          marketing-email  granted  2016-04-02 00:00  import" \
	"consent show: a customer's consent history as a table (was 13 columns of 6 characters)"

run $PTY privacyctl settings show mitte
like "$(stdout | head -1)" '^LOCATION +REQUESTS +MARKETING +LANGUAGE$' "settings show is a table"

# one record: laid-out JSON
run $PTY privacyctl request show 1
status 0 "request show on a terminal"
is "$(stdout | head -3)" '{
  "request_id": 1,
  "location": "mitte",' "show is pretty-printed JSON on a terminal"
stdout | /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)'
ok $? "and still JSON"

# asked for explicitly
run $PTY privacyctl request list -f ndjson
like "$(stdout | head -1)" '^\{"request_id":1,' "-f ndjson on a terminal gives records"
run privacyctl location list -f table
like "$(stdout | head -1)" '^LOCATION +NAME' "-f table gives a table on a pipe too"
run privacyctl location show mitte -f table
like "$(stdout)" 'timezone +Europe/Berlin' "-f table of one record lists key and value"

# colour: the header in bold, unless NO_COLOR
NO_COLOR= run $PTY privacyctl location list
like "$(stdout | head -1 | cat -v)" '^\^\[\[1mLOCATION' "on a terminal the header is bold"
run privacyctl location list -f table
unlike "$(stdout | cat -v)" '\^\[' "no colour on a pipe, even with -f table"

# nothing changes for pipes, files and cron
run privacyctl request list
like "$(stdout | head -1)" '^\{"request_id":1,"location":"mitte"' "a pipe gets NDJSON records"
privacyctl customer list >out.ndjson
is "$(head -c 16 out.ndjson)" '{"customer_id":1' "a file gets NDJSON records"
run privacyctl request show 1
is "$(wc -l <"$out")" 1 "show on a pipe is one NDJSON line"

# the other listings of the issue: what is retained, what check found
printf 'number,customer_external_id,issued_on,total_cents\nRE-1,K-3,2019-02-01,3500\n' >i.csv
privacyctl invoice import --location mitte i.csv >/dev/null
dsar-erase -q --customer 3 >/dev/null
run $PTY privacyctl retention list
status 0 "retention list on a terminal"
is "$(stdout)" "ID  LOCATION  KIND      RECORD_KEY  RETAIN_UNTIL  BASIS
1   mitte     invoices  RE-1        2027-12-31    § 147 Abs. 3 AO, § 14b UStG" \
	"retention list: what is kept, until when and why"
PRIVACY_NOW=2026-04-10T09:00:00Z run $PTY --cols 120 privacyctl check
status 1 "check on a terminal: findings are exit 1"
is "$(stdout)" "EVENT               LOCATION  REQUEST_ID  TYPE     DUE         EVENTS  OLDEST            FIX
request.overdue     mitte     1           erasure  2026-04-02
request.overdue     mitte     2           access   2026-04-02
outbox.undelivered  mitte                                      5       2026-03-02 09:00  notify --pending" \
	"check: one finding a line, the command that fixes it last"
PRIVACY_NOW=2026-04-10T09:00:00Z run $PTY privacyctl check
status 1 "check on a terminal of 80 columns"
is "$(stdout | sed -n '1,6p')" "event       request.overdue
location    mitte
request_id  1
type        erasure
due         2026-04-02" "80 columns are too narrow for check's table: a block a finding, the dates whole"
is "$(stdout | sed -n '/outbox/,$p')" "event       outbox.undelivered
location    mitte
events      5
oldest      2026-03-02 09:00
fix         notify --pending" "the outbox's finding names the command that fixes it, whole"
run $PTY privacyctl marketing audience
status 1 "marketing audience on a terminal, nobody: exit 1"
unlike "$(stdout)" '[{]' "no records on the terminal"
like "$(stderr)" '^privacyctl: nobody may receive marketing now' "and says so"

# every listing still gives records on a pipe
for cmd in "location list" "customer list" "request list" "consent list" \
	"audit list" "retention list" "settings show mitte" "check"; do
	PRIVACY_NOW=2026-04-10T09:00:00Z run privacyctl -q $cmd
	like "$(stdout | head -1)" '^\{"[a-z_]+":' "$cmd on a pipe: NDJSON records"
	is "$(stdout | /usr/bin/python3 -c 'import json, sys
print(all(isinstance(json.loads(l), dict) for l in sys.stdin))')" True "$cmd on a pipe: every line is a JSON object"
done

run privacyctl location list -f tabel
status 64 "an unknown format is a usage error"
like "$(stderr)" "ndjson, json, csv, table" "which names the formats"

done_testing
