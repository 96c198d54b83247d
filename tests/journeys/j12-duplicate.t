#!/bin/bash
# J12 a duplicate: the same open request again (same type, same subject)
# is linked to the first: no second request, no second deadline, no
# second round of mails; the caller is told.  From an empty database,
# public commands only, mails through the real SMTP server, read as MIME.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/journeys/requests.sh"

export PRIVACY_NOW=2026-03-02T09:00:00Z
journey_setup
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl location add nord --name "Studio Nord" >/dev/null
privacyctl settings set mitte requests=self-service \
	notify-email=team@salon-mitte.example >/dev/null
privacyctl settings set nord notify-email=office@studio-nord.example >/dev/null
printf '%s\n' '{"external_id":"K-1","first_name":"Erika","email":"erika@kunde.example"}' |
	privacyctl customer import --location mitte >/dev/null
printf '%s\n' '{"external_id":"N-7","first_name":"Hans","email":"hans@kunde.example"}' |
	privacyctl customer import --location nord >/dev/null
nreq() { sql "SELECT count(*) FROM requests"; }

# --- the booking form sends the same access request twice (a double click)
run privacyctl request new --type access --email erika@kunde.example \
	--location mitte --channel booking-form
status 0 "the first request"
r1=$(jget request_id <"$out")
is "$(jget duplicate <"$out")" false "it is no duplicate"
notify --pending >/dev/null
is "$(nmails_to erika@kunde.example)" 1 "one code mail"
PRIVACY_NOW=2026-03-02T09:00:05Z run privacyctl request new --type access \
	--email erika@kunde.example --location mitte --channel booking-form
status 0 "the same request again is no error"
is "$(jget request_id <"$out") $(jget duplicate <"$out")" "$r1 true" "the caller gets the first request, marked as a duplicate"
is "$(stderr)" "privacyctl: request $r1 of this type is open for this subject already: linked to it, no second deadline" "and is told so"
is "$(nreq)" 1 "no second request"
run notify --pending
status 0 "notify"
is "$(nmails_to erika@kunde.example)" 1 "no second code mail"
is "$(sql "SELECT count(*) FROM audit WHERE action = 'request.duplicate' AND object = 'request:$r1' AND detail = '{\"channel\":\"booking-form\"}'")" 1 "the repeat is audited"
run privacyctl request show "$r1"
like "$(jget history <"$out")" "asked again \\(booking-form\\): linked to this request, no second deadline" "and in the first request's history"

# --- a letter, then the same erasure by e-mail a week later (manual location)
run privacyctl request new --type erasure --customer "$(privacyctl customer list --email hans@kunde.example | jget customer_id)" \
	--channel letter --received 2026-03-02T08:00:00Z
r2=$(jget request_id <"$out")
is "$(jget due <"$out")" 2026-04-02 "the letter's deadline"
notify --pending >/dev/null
is "$(nmails_to office@studio-nord.example)" 1 "the business is told once"
PRIVACY_NOW=2026-03-09T10:00:00Z run privacyctl -q request new --type erasure \
	--email hans@kunde.example --channel email
status 0 "the same erasure by e-mail"
is "$(jget request_id <"$out") $(jget duplicate <"$out") $(jget due <"$out")" "$r2 true 2026-04-02" "linked to the letter; the first deadline stands"
is "$(stderr)" "" "-q keeps the note off stderr"
PRIVACY_NOW=2026-03-09T10:00:00Z notify --pending >/dev/null
is "$(nmails_to office@studio-nord.example)" 1 "no second mail to the business"
PRIVACY_NOW=2026-03-27T10:00:00Z run privacyctl request list --due-within 7d
is "$(jget request_id <"$out" | grep -c "^$r2$")" 1 "one deadline in the list, not two"

# --- another type is another request
run privacyctl request new --type access --email hans@kunde.example
status 0 "an access request of the same customer"
r3=$(jget request_id <"$out")
[ "$r3" != "$r2" ]
ok $? "is a request of its own"
is "$(jget duplicate <"$out")" false "not a duplicate"

# --- once the first is closed, asking again is a new request
privacyctl request verify "$r2" --verified-by "signature on the letter" >/dev/null
dsar-erase --request "$r2" >/dev/null
is "$(sql "SELECT status FROM requests WHERE id = $r2")" completed "the erasure is done"
run privacyctl request new --type access --email erika@kunde.example \
	--location mitte --channel booking-form
is "$(jget request_id <"$out")" "$r1" "Erika's access request is still open: linked again"
code=$(code_in "$(mails_to erika@kunde.example | tail -1)")
privacyctl request verify "$r1" <<<"$code" >/dev/null
privacyctl request process >/dev/null
notify --pending >/dev/null
is "$(sql "SELECT status FROM requests WHERE id = $r1")" completed "answered"
run privacyctl request new --type access --email erika@kunde.example \
	--location mitte --channel booking-form
status 0 "a month later she asks again"
r4=$(jget request_id <"$out")
[ "$r4" != "$r1" ]
ok $? "a closed request is not reused: a new one"
is "$(jget duplicate <"$out")" false "not a duplicate"

# --- an address we hold nothing about, twice
run privacyctl request new --type access --email Fremd@anders.example --location mitte
ru=$(jget request_id <"$out")
run privacyctl request new --type access --email fremd@ANDERS.example --location mitte
is "$(jget request_id <"$out") $(jget duplicate <"$out")" "$ru true" "the same unknown address (in other case) is linked too"

run privacyctl audit verify
status 0 "the audit chain is intact"

done_testing
