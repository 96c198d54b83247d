#!/bin/bash
# J11 objection, restriction, rectification: an objection to direct
# marketing (Art. 21(2)) withdraws every marketing consent and keeps the
# person out of audiences and campaigns; a restriction (Art. 18) marks the
# customer and keeps them out of marketing; a rectification is recorded
# with what staff corrected; both marks are in the export.  From an empty
# database, public commands only, mails through the real SMTP server.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/journeys/requests.sh"

export PRIVACY_NOW=2026-03-02T09:00:00Z
journey_setup
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl settings set mitte requests=self-service \
	notify-email=team@salon-mitte.example >/dev/null
printf '%s\n' \
	'{"external_id":"K-1","first_name":"Erika","email":"erika@kunde.example"}' \
	'{"external_id":"K-2","first_name":"Hans","email":"hans@kunde.example"}' \
	'{"external_id":"K-3","first_name":"Jo","email":"jo@kunde.example"}' \
	'{"external_id":"K-4","first_name":"Lena","email":"lena@kunde.example","phone":"030 1234"}' |
	privacyctl customer import --location mitte >/dev/null
id_of() { privacyctl customer list --email "$1" | jget customer_id; }
erika=$(id_of erika@kunde.example)
hans=$(id_of hans@kunde.example)
jo=$(id_of jo@kunde.example)
lena=$(id_of lena@kunde.example)
# signed paper forms: valid consent; then marketing may go on
privacyctl consent grant "$erika" --purpose marketing-email --source paper --document "Formular 17" >/dev/null
privacyctl consent grant "$erika" --purpose marketing-sms --source paper --document "Formular 17" >/dev/null
privacyctl consent grant "$hans" --purpose marketing-email --source paper --document "Formular 18" >/dev/null
privacyctl settings set mitte marketing=on >/dev/null
# Jo ticked a box at the counter: unproven, a double opt-in is due
privacyctl consent grant "$jo" --purpose marketing-email --source staff >/dev/null
audience() { privacyctl marketing audience 2>/dev/null | jget customer_id | sort -n | tr '\n' ' '; }
is "$(audience)" "$erika $hans " "Erika and Hans may receive marketing"
doi() { consent-send --campaign doi-1 --kind double-opt-in --dry-run 2>/dev/null |
	/usr/bin/python3 -c 'import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r.get("customer_id") == int(sys.argv[1]):
        print(r.get("eligible"), r.get("reason"))' "$1"; }
like "$(doi "$jo")" "^True" "Jo would be asked in a double opt-in campaign"

# --- Erika objects to direct marketing, by e-mail; staff complete it
run privacyctl request new --type objection --customer "$erika" --channel email
re=$(jget request_id <"$out")
run privacyctl request verify "$re" --verified-by "reply from the address on file"
status 0 "staff check the identity"
run privacyctl request complete "$re"
status 0 "completing an objection carries it out"
is "$(jget status <"$out")" completed "completed"
is "$(jget result.withdrawn <"$out")" '["marketing-email", "marketing-sms"]' "every marketing consent that stood was withdrawn"
is "$(privacyctl consent show "$erika" | jget event | tail -2 | tr '\n' ' ')" "withdrawn withdrawn " "the ledger has the withdrawals"
is "$(audience)" "$hans " "Erika is out of the audience"
is "$(sql "SELECT count(*) FROM audit WHERE object = 'customer:$erika' AND detail LIKE '%withdrawn%'")" 2 "the withdrawals are audited"
# a later grant (an import, a form) does not bring her back
privacyctl consent grant "$erika" --purpose marketing-email --source paper --document "Formular 99" >/dev/null
is "$(audience)" "$hans " "a later grant does not put her back into the audience: the objection stands"
run notify --pending
status 0 "notify"
bm=$(mails_to team@salon-mitte.example | tail -1)
like "$(mail "$bm" subject)" "$re" "the business is told the objection was carried out"
like "$(mail "$bm" body)" "Alle Einwilligungen in Werbung sind widerrufen" "with what was done, in the location's language"

# --- Jo objects through the booking form (logged in); the cron line does it
run privacyctl request new --type objection --customer "$jo" --channel booking-form --verified
rj=$(jget request_id <"$out")
run privacyctl request process
status 0 "request process"
is "$(jget request_id <"$out") $(jget status <"$out")" "$rj completed" "the objection is carried out at once (Art. 21(3))"
unlike "$(doi "$jo")" "True" "Jo is left out of the double opt-in campaign"

# --- Hans asks for restriction (Art. 18)
run privacyctl request new --type restriction --customer "$hans" --channel booking-form --verified
rh=$(jget request_id <"$out")
run privacyctl request process
is "$(jget request_id <"$out") $(jget status <"$out")" "$rh completed" "the restriction is recorded"
is "$(audience)" "" "Hans is out of the audience although his consent stands"
run dsar-export --customer "$hans"
status 0 "Hans's export"
is "$(/usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); c=d["data"]["customer"]; print(c["restricted_at"], c["objected_at"], [(r["type"], r["status"]) for r in d["data"]["requests"]])' <"$out")" \
	"2026-03-02T09:00:00Z None [('restriction', 'completed')]" "the export shows the restriction and its request"
run dsar-export --customer "$erika"
is "$(/usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); c=d["data"]["customer"]; print(c["objected_at"], [(r["type"], r["status"]) for r in d["data"]["requests"]])' <"$out")" \
	"2026-03-02T09:00:00Z [('objection', 'completed')]" "Erika's export shows the objection"

# --- Lena's phone number was wrong: rectification by staff
run privacyctl request new --type rectification --customer "$lena" --channel phone
rl=$(jget request_id <"$out")
privacyctl request verify "$rl" --verified-by "called back on the number on file" >/dev/null
run privacyctl request process
is "$(sql "SELECT status FROM requests WHERE id = $rl")" verified "process leaves a rectification to staff"
snapshot before
run privacyctl request complete "$rl"
status 64 "completing a rectification needs what was corrected"
like "$(stderr)" "--note is required: say what was corrected" "it says so"
unchanged before "nothing changed"
run privacyctl request complete "$rl" --note "phone number corrected in the booking system"
status 0 "staff record the correction"
is "$(jget status <"$out") | $(jget note <"$out") | $(jget result.corrected <"$out")" \
	"completed | phone number corrected in the booking system | true" "completed with what was corrected"
run notify --pending
like "$(mail "$(mails_to team@salon-mitte.example | tail -1)" body)" "wurden berichtigt" "the business is told"

run privacyctl audit verify
status 0 "the audit chain is intact"

done_testing
