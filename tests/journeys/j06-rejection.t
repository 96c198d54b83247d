#!/bin/bash
# J6 rejection (issue 14): the customer's mail states the reason and the
# remedies of Art. 12(4) (a complaint to a supervisory authority, a
# judicial remedy), in the location's language, as people write.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/journeys/journey.sh"

export PRIVACY_NOW=2026-06-01T09:00:00Z
salon_setup manual en
run privacyctl request new --type erasure --email juergen@kunde.example \
	--location mitte --channel letter
req=$(jget request_id <"$out")
notify --pending >/dev/null
snapshot before
run privacyctl request reject "$req"
status 64 "a rejection needs a reason"
unchanged before "nothing changed"
run privacyctl request reject "$req" --reason "The invoices of the last eight years must be kept by law; everything else was already erased."
status 0 "reject with the reason"
run notify --pending
status 0 "notify"
m=$(mail_to juergen@kunde.example)
show_mail "$m"
body=$(mailf "$m" field body)
like "$body" 'Reason: The invoices of the last eight years must be kept by law' "the reason"
like "$body" 'complaint with a data protection supervisory authority \(Art\. 77 GDPR\)' "the complaint (Art. 12(4))"
like "$body" 'judicial remedy \(Art\. 79 GDPR\)' "the judicial remedy"
like "$body" 'Your request: erasure \(Art\. 17 GDPR\)' "the request type in words"
like "$body" 'Salon Beispiel GmbH' "signed by the controller"
mail_reads_well "$m" en "the rejection"
is "$(sql "SELECT status FROM requests WHERE id = $req")" rejected "the request is rejected"

done_testing
