#!/bin/bash
# J8 unknown person: a request from an address we hold nothing about is
# recorded (not 66), tracked to its deadline and answered at the address
# that asked ("we hold no data about you", "nothing to erase"), and at
# intake it looks exactly like a customer's request, so that nobody
# learns from it whether someone is a customer.  From an empty database,
# public commands only, mails through the real SMTP server, read as MIME.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/journeys/requests.sh"

export PRIVACY_NOW=2026-03-02T09:00:00Z
journey_setup
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl location add nord --name "Studio Nord" --holidays DE-HH >/dev/null
privacyctl settings set mitte requests=self-service \
	notify-email=team@salon-mitte.example >/dev/null
privacyctl settings set nord notify-email=office@studio-nord.example \
	language=en >/dev/null
printf '%s\n' '{"external_id":"K-1","first_name":"Erika","email":"erika@kunde.example"}' |
	privacyctl customer import --location mitte >/dev/null

# --- intake through the booking form: a customer and a stranger alike
run privacyctl request new --type access --email erika@kunde.example \
	--location mitte --channel booking-form
status 0 "a customer's request"
rk=$(jget request_id <"$out")
known_keys=$(/usr/bin/python3 -c 'import json,sys; print(sorted(json.load(sys.stdin)))' <"$out")
known_err=$(stderr)
run privacyctl request new --type access --email unknown@anders.example \
	--location mitte --channel booking-form
status 0 "a request from an address we hold nothing about is recorded (not 66)"
ru=$(jget request_id <"$out")
is "$(/usr/bin/python3 -c 'import json,sys; print(sorted(json.load(sys.stdin)))' <"$out")" "$known_keys" "the same record as for a customer"
is "$(stderr)" "$known_err" "the same (empty) diagnostics"
is "$(jget status <"$out") $(jget due <"$out") $(jget customer_id <"$out")" "unverified 2026-04-02 null" "unverified, due in a month, no customer"
is "$(sql "SELECT requester_email FROM requests WHERE id = $ru") $(sql "SELECT count(*) FROM requests WHERE id = $rk AND requester_email IS NULL")" "unknown@anders.example 1" "the address that asked is kept only for the stranger"
unlike "$(sql "SELECT group_concat(detail) FROM audit")" "anders|unknown" "the audit log does not name the address"

run notify --pending
status 0 "the code mails go out"
mk=$(mails_to erika@kunde.example | tail -1)
mu=$(mails_to unknown@anders.example | tail -1)
[ -n "$mk" ] && [ -n "$mu" ]
ok $? "both addresses get a code mail"
is "$(mail "$mu" subject)" "$(mail "$mk" subject)" "the same subject"
is "$(mail "$mu" body | sed 's/[0-9A-Z]\{4\}-[0-9A-Z]\{4\}/CODE/; s/event [0-9]*/event N/')" \
	"$(mail "$mk" body | sed 's/[0-9A-Z]\{4\}-[0-9A-Z]\{4\}/CODE/; s/event [0-9]*/event N/')" \
	"the same text, but for the code"
is "$(nmails)" 2 "nobody else is mailed before the identity is checked"

# --- the stranger enters the code; the cron lines answer
code=$(code_in "$mu")
run privacyctl request verify "$ru" <<<"$code"
status 0 "the code from the mail verifies the request"
run privacyctl request process
status 0 "request process"
is "$(jget request_id <"$out") $(jget status <"$out")" "$ru completed" "the stranger's request is answered and completed"
is "$(sql "SELECT json_extract(result, '\$.held') FROM requests WHERE id = $ru")" nothing "the request records that nothing is held"
run notify --pending
status 0 "notify"
is "$(nmails_to unknown@anders.example)" 2 "the answer goes to the address that asked"
ma=$(mails_to unknown@anders.example | tail -1)
like "$(mail "$ma" body)" "keine Daten über Sie gespeichert" "\"we hold no data about you\", in the location's language"
like "$(mail "$ma" subject)" "Anfrage $ru" "naming the request"
is "$(mail "$ma" attachments)" "" "with no attachment"
bm=$(mails_to team@salon-mitte.example | tail -1)
like "$(mail "$bm" subject)" "$ru" "the business is told the request was answered"

# --- an erasure request by e-mail at a manual location: tracked, answered
run privacyctl request new --type erasure --email nobody@anders.example \
	--location nord --received 2026-03-02T08:00:00Z
status 0 "an erasure request from an unknown address at a manual location"
re=$(jget request_id <"$out")
is "$(jget status <"$out") $(jget due <"$out")" "received 2026-04-02" "received, with its deadline"
PRIVACY_NOW=2026-03-27T09:00:00Z run privacyctl request list --due-within 7d
like "$(jget request_id <"$out" | tr '\n' ' ')" "(^| )$re( |$)" "it shows among the requests due this week"
PRIVACY_NOW=2026-04-03T09:00:00Z run privacyctl request list --overdue
like "$(jget request_id <"$out" | tr '\n' ' ')" "(^| )$re( |$)" "and as overdue if nobody answers"
run privacyctl request complete "$re"
status 65 "nobody checked who asked: not answered without a word"
run privacyctl request verify "$re" --verified-by "answered our reply from that address"
status 0 "staff check the address"
run privacyctl request complete "$re" --note "no customer with this address"
status 0 "staff complete it"
is "$(jget status <"$out")" completed "completed"
run notify --pending
status 0 "notify"
is "$(nmails_to nobody@anders.example)" 2 "two mails to the address that asked: the receipt of a manual location (J3), then the answer"
mn=$(mails_to nobody@anders.example | tail -1)
like "$(mail "$mn" body)" "nothing to erase" "\"nothing to erase\", in English as the location"
unlike "$(mail "$mn" body)" "Erika|erika|K-1" "it names no customer"
PRIVACY_NOW=2026-04-03T09:00:00Z run privacyctl request list --overdue
unlike "$(jget request_id <"$out" | tr '\n' ' ')" "(^| )$re( |$)" "answered: no longer overdue"

# --- nothing went to anybody else
is "$(grep -h '^X-Test-Rcpt-To:' "$SCRATCH"/smtp/msg/*.eml | tr -d '\r' | sed 's/^X-Test-Rcpt-To: //' | sort -u | tr '\n' ' ')" \
	"erika@kunde.example nobody@anders.example office@studio-nord.example team@salon-mitte.example unknown@anders.example " \
	"mail went only to the addresses that asked and to the businesses"
run privacyctl audit verify
status 0 "the audit chain is intact"

done_testing
