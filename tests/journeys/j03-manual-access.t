#!/bin/bash
# J3 manual access (issue 14): a request by letter at a manual location;
# the customer gets a receipt with the deadline; staff check the identity
# and answer with the one documented command `dsar-export --request N |
# notify`: the customer's mail carries the export (JSON and HTML), and
# the request is completed when the server accepted it.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/journeys/journey.sh"

export PRIVACY_NOW=2026-06-01T09:00:00Z
salon_setup manual de

run privacyctl request new --type access --email juergen@kunde.example \
	--location mitte --channel letter
status 0 "the letter is recorded"
req=$(jget request_id <"$out")
run notify --pending
status 0 "the cron line sends what waits"
r=$(mail_to juergen@kunde.example)
show_mail "$r"
like "$(mailf "$r" field Subject)" 'erhalten' "the customer gets a receipt"
like "$(mailf "$r" field body)" "Anfrage Nr\\.: $req" "with the request number"
like "$(mailf "$r" field body)" 'Art: Auskunft \(Art\. 15 DSGVO\)' "the request type in words"
like "$(mailf "$r" field body)" 'Antwort spätestens bis: 1\. Juli 2026' "and the deadline as people write it"
mail_reads_well "$r" de "the receipt"
b=$(mail_to team@salon-mitte.example)
like "$(mailf "$b" field body)" 'Eingang über: Brief' "the business is told, the channel in words"
mail_reads_well "$b" de "the business's notice" business

# No receipt for a customer without an address.
run privacyctl request new --type access --external-id K-1003 \
	--location mitte --channel letter
status 0 "a request for a customer without an e-mail address"
is "$(sql "SELECT count(*) FROM events WHERE type = 'request.receipt' AND request_id = $(jget request_id <"$out")")" 0 \
	"no receipt without an address"

run privacyctl request verify "$req" --verified-by "Unterschrift geprüft"
status 0 "staff check the identity"
n0=$(nmails)
dsar-export --request "$req" | notify >pipe.out 2>pipe.err
is "${PIPESTATUS[*]}" "0 0" "dsar-export --request N | notify: both exit 0"
m=$(mail_to juergen@kunde.example)
show_mail "$m"
is "$(mailf "$m" attachments | sort)" "$(printf 'auskunft.html text/html\nauskunft.json application/json')" \
	"the customer's mail carries the export as JSON and HTML"
is "$(mailf "$m" attachment auskunft.json | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["customer"]["external_id"])')" "K-1001" \
	"the JSON attachment is the customer's export document"
like "$(mailf "$m" attachment auskunft.html)" 'Friedrichstraße 12' "the HTML report shows the data"
mail_reads_well "$m" de "the export mail"
is "$(sql "SELECT status FROM requests WHERE id = $req")" completed \
	"completed once the mail was delivered"
b=$(mail_to team@salon-mitte.example)
like "$(mailf "$b" field Subject)" "Nr\\. $req erledigt" "the business is told it is answered"
is "$(sql "SELECT count(*) FROM events WHERE request_id = $req AND type = 'export.ready' AND scrubbed = 1")" 1 \
	"the export left the outbox after delivery"

# Piped twice: the request is answered once.
dsar-export --request "$req" | notify >again.out 2>again.err
is "${PIPESTATUS[*]}" "65 0" "a completed request is not exported again"

done_testing
