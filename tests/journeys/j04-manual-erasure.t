#!/bin/bash
# J4 manual erasure (issue 14): at a manual location staff check the
# identity and erase with the documented pipe `dsar-erase --request N |
# notify`; the stream form `privacyctl customer list ... | dsar-erase |
# notify` works as README and notify(1) show it.  The customer gets a
# confirmation of what was erased and what is kept, until when and why;
# the business gets the identifiers to erase the person elsewhere.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/journeys/journey.sh"

export PRIVACY_NOW=2026-06-01T09:00:00Z
salon_setup manual de

# A letter arrives; staff record it and check the identity by hand.
run privacyctl request new --type erasure --email aenne@kunde.example \
	--location mitte --channel letter
status 0 "request by letter"
req=$(jget request_id <"$out")
run privacyctl request verify "$req" --verified-by "Ausweis an der Theke"
status 0 "staff checked the identity"
notify --pending >/dev/null
n0=$(nmails)

# The documented pipe (README, notify(1), dsar-erase(1)).
dsar-erase --request "$req" | notify >pipe.out 2>pipe.err
is "${PIPESTATUS[*]}" "0 0" "dsar-erase --request N | notify: both exit 0"
is "$(sql "SELECT status FROM requests WHERE id = $req")" completed "the request is completed"
is "$(sql "SELECT count(*) FROM customers WHERE external_id = 'K-1002'")" 0 "the customer is erased"
is "$(grep -c '"status":"delivered"' pipe.out)" 2 "two mails delivered in that run"

c=$(mail_to aenne@kunde.example)
show_mail "$c"
like "$(mailf "$c" field Subject)" 'gelöscht' "the customer's confirmation: subject"
body=$(mailf "$c" field body)
like "$body" 'Termine' "says what was erased"
like "$body" 'Rechnungen' "says what is kept"
like "$body" '31\. Dezember 2033' "until when, as people write dates"
like "$body" '147 Abs\. 3 AO' "and why"
like "$body" "$req" "names the request"
mail_reads_well "$c" de "the confirmation"

b=$(mail_to team@salon-mitte.example)
show_mail "$b"
bb=$(mailf "$b" field body)
like "$bb" 'Kundennummer: K-1002' "the business gets the external id"
like "$bb" 'E-Mail: aenne@kunde.example' "the e-mail address"
like "$bb" 'Telefon: \+49 30 7654321' "and the phone number, as labelled lines"
unlike "$bb" '[{}]' "no JSON in the business mail"
mail_reads_well "$b" de "the business mail" business
is "$(sql "SELECT count(*) FROM events WHERE status = 'delivered' AND scrubbed = 0")" 0 \
	"every delivered event is scrubbed"
unlike "$(sql "SELECT group_concat(payload) FROM events")" 'aenne|7654321|K-1002' \
	"no identifier of the erased person is left in the outbox"

# The stream form: staff erase a list of customers.
privacyctl customer list --location mitte | grep K-1003 >list.ndjson
privacyctl customer list --location mitte | grep K-1003 | dsar-erase | notify >stream.out 2>stream.err
is "${PIPESTATUS[*]}" "0 0 0 0" "customer list | dsar-erase | notify: every stage exits 0"
b=$(mail_to team@salon-mitte.example)
like "$(mailf "$b" field body)" 'Kundennummer: K-1003' "the business is told of the erasure in the stream"
is "$(sql "SELECT count(*) FROM customers WHERE external_id = 'K-1003'")" 0 "erased"

# A customer under legal hold in the stream: reported, nothing to send.
privacyctl customer hold "$(privacyctl customer list --location mitte | jget customer_id | head -1)" \
	--reason "Rechtsstreit" >/dev/null
privacyctl customer list --location mitte | dsar-erase 2>/dev/null | notify >held.out 2>held.err
is "${PIPESTATUS[*]}" "0 1 0" "a held customer: dsar-erase exits 1, notify has nothing to send"

done_testing
