#!/bin/bash
# J7 a lost code: a self-service request whose code mail went astray gets
# a fresh code (limited), staff verify by other means with the method on
# record, a withdrawn request is cancelled without a rejection mail, and
# a request whose identity nobody checked is neither exported, erased nor
# completed unless staff say so.  From an empty database, public commands
# only, every mail through the real SMTP server and read back as MIME.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/journeys/requests.sh"

export PRIVACY_NOW=2026-03-02T09:00:00Z
journey_setup
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl settings set mitte requests=self-service \
	notify-email=team@salon-mitte.example >/dev/null
printf '%s\n' \
	'{"external_id":"K-1","first_name":"Erika","last_name":"Muster","email":"erika@kunde.example"}' \
	'{"external_id":"K-2","first_name":"Hans","last_name":"Lang","email":"hans@kunde.example"}' \
	'{"external_id":"K-3","first_name":"Jo","last_name":"Brief","email":"jo@kunde.example"}' |
	privacyctl customer import --location mitte >/dev/null

# --- the booking form files an access request; the code mail is sent
run privacyctl request new --type access --email erika@kunde.example \
	--location mitte --channel booking-form
status 0 "the booking form files a request"
r1=$(jget request_id <"$out")
is "$(jget status <"$out")" unverified "it waits for the customer's code"
run notify --pending
status 0 "the cron line sends the code"
is "$(nmails_to erika@kunde.example)" 1 "one mail for the customer"
m1=$(mails_to erika@kunde.example | tail -1)
c1=$(code_in "$m1")
like "$c1" '^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$' \
	"the mail carries a code of 8 characters a person can type, without I, L, O, U"
like "$(mail "$m1" body)" "$c1" "in the body the customer reads"

# --- the customer lost the mail: staff send a fresh code
run privacyctl request resend-code "$r1"
status 0 "resend-code"
is "$(jget status <"$out")" unverified "still waiting for a code"
notify --pending >/dev/null
is "$(nmails_to erika@kunde.example)" 2 "a second code mail arrives"
c2=$(code_in "$(mails_to erika@kunde.example | tail -1)")
like "$c2" '^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$' "with a fresh code"
[ "$c1" != "$c2" ]
ok $? "the fresh code is another one"
is "$(sql "SELECT count(*) FROM audit WHERE action = 'request.resend-code' AND object = 'request:$r1'")" 1 "the resend is audited"
unlike "$(sql "SELECT group_concat(detail) FROM audit")" "$c1|$c2|erika" "no code and no address in the audit log"

# the old code died with the resend (from the environment, as a web
# form's back end passes it: no code in argv)
PRIVACY_CODE="$c1" run privacyctl request verify "$r1"
status 65 "the first code no longer works"
like "$(stderr)" "wrong code for request $r1" "refused as a wrong code"
is "$(sql "SELECT status || ' ' || verify_attempts FROM requests WHERE id = $r1")" "unverified 1" "and counted"

# the new one on standard input, as README and privacyctl(1) show it
CODE=$c2
printf '%s\n' "$CODE" | privacyctl request verify "$r1" >"$SCRATCH/v.out"
is "${PIPESTATUS[1]}" 0 "the fresh code, on standard input"
is "$(jget status <"$SCRATCH/v.out")" verified "the request is verified"
notify --pending >/dev/null
bm=$(mails_to team@salon-mitte.example | tail -1)
like "$(mail "$bm" subject)" "$r1" "the business is told the request arrived"
is "$(nmails_to erika@kunde.example)" 2 "the customer gets no further mail for the check"

# --- resends are limited: three fresh codes, then staff check otherwise
run privacyctl request new --type erasure --email hans@kunde.example \
	--location mitte --channel booking-form
r2=$(jget request_id <"$out")
for i in 1 2 3; do
	run privacyctl request resend-code "$r2"
	status 0 "resend $i of 3"
done
snapshot before
run privacyctl request resend-code "$r2"
status 77 "a fourth resend is refused"
is "$(stderr)" "privacyctl: request $r2: 3 codes were sent again already: check the identity otherwise (request verify --verified-by)" "it says what to do instead"
unchanged before "the refusal changes nothing"
notify --pending >/dev/null
is "$(nmails_to hans@kunde.example)" 4 "the customer received four codes in all"

# Hans comes to the salon with his ID card
run privacyctl request verify "$r2" --verified-by "ID card at the counter"
status 0 "staff verify by other means"
is "$(jget status <"$out") | $(jget verified_by <"$out")" "verified | ID card at the counter" "the method is on the request"
run privacyctl request show "$r2"
like "$(jget history <"$out")" "identity checked by staff: ID card at the counter" "and in its history"
is "$(sql "SELECT verify_hash IS NULL FROM requests WHERE id = $r2")" 1 "the pending code died"
c_hans=$(code_in "$(mails_to hans@kunde.example | tail -1)")
run privacyctl request verify "$r2" <<<"$c_hans"
status 65 "a code after the staff check is refused"
run privacyctl request process
status 0 "the cron line fulfils the verified erasure"
is "$(sql "SELECT status FROM requests WHERE id = $r2")" completed "erased and completed"

# --- the customer withdraws a request: cancelled, no rejection mail
run privacyctl request new --type access --email jo@kunde.example \
	--location mitte --channel booking-form
r3=$(jget request_id <"$out")
notify --pending >/dev/null
before_jo=$(nmails_to jo@kunde.example)
before_team=$(nmails_to team@salon-mitte.example)
snapshot before
run privacyctl request cancel "$r3"
status 64 "cancel needs a reason"
unchanged before "nothing changed"
run privacyctl request cancel "$r3" --reason "Kundin hat am Telefon zurückgezogen"
status 0 "cancel with the reason"
is "$(jget status <"$out") | $(jget cancel_reason <"$out")" "cancelled | Kundin hat am Telefon zurückgezogen" "cancelled, the reason kept"
is "$(sql "SELECT count(*) FROM audit WHERE action = 'request.cancel' AND object = 'request:$r3' AND detail IS NULL")" 1 "audited, without the reason text"
is "$(sql "SELECT verify_hash IS NULL FROM requests WHERE id = $r3")" 1 "its code died"
run notify --pending
status 0 "notify"
is "$(nmails_to jo@kunde.example)" "$before_jo" "no mail to the customer: no rejection for a withdrawn request"
is "$(nmails_to team@salon-mitte.example)" "$((before_team + 1))" "the business is told"
tm=$(mails_to team@salon-mitte.example | tail -1)
like "$(mail "$tm" body)" "Kundin hat am Telefon zurückgezogen" "with the reason"
is "$(sql "SELECT count(*) FROM events WHERE request_id = $r3 AND type = 'request.rejected'")" 0 "no rejection event at all"
snapshot before
run privacyctl request cancel "$r3" --reason again
status 65 "a cancelled request is closed"
run privacyctl request reject "$r3" --reason "x"
status 65 "and cannot be rejected afterwards"
c3=$(code_in "$(mails_to jo@kunde.example | tail -1)")
run privacyctl request verify "$r3" <<<"$c3"
status 65 "nor verified with its old code"
unchanged before "nothing changed"
PRIVACY_NOW=2026-05-01T09:00:00Z run privacyctl request list --overdue
unlike "$(jget request_id <"$out" | tr '\n' ' ')" "(^| )$r3( |$)" "a cancelled request is never overdue"

# --- a letter nobody checked: refused by export, erasure, completion
run privacyctl request new --type erasure --email jo@kunde.example \
	--location mitte --channel letter
r4=$(jget request_id <"$out")
is "$(jget status <"$out")" received "a letter arrives as received"
snapshot before
run dsar-export --request "$r4"
status 65 "dsar-export refuses it"
is "$(stdout)" "" "no document"
like "$(stderr)" "request $r4: the identity of the person who asked was never checked" "it says why"
run dsar-erase --request "$r4"
status 65 "dsar-erase refuses it"
like "$(stderr)" "--unverified-ok" "and names the explicit way"
run privacyctl request complete "$r4"
status 65 "request complete refuses it"
unchanged before "nothing exported, erased or completed"
is "$(privacyctl customer list --email jo@kunde.example | grep -c .)" 1 "Jo is still a customer"
run dsar-erase --request "$r4" --unverified-ok
status 0 "staff say so explicitly: --unverified-ok"
is "$(sql "SELECT status FROM requests WHERE id = $r4")" completed "the erasure completes the request"
is "$(privacyctl customer list --email jo@kunde.example 2>/dev/null | grep -c .)" 0 "Jo is erased"

run privacyctl audit verify
status 0 "the audit chain is intact"
unlike "$(ps -o args= -u "$(id -u)")" "$c2" "no code in any process's arguments"

done_testing
