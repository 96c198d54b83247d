#!/bin/bash
# J5 extension (issue 14): the customer's mail states the NEW deadline
# (it gave the old one: the template used {{due}}), dates as people
# write them, the reason, no machine words.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/journeys/journey.sh"

export PRIVACY_NOW=2026-06-01T09:00:00Z
salon_setup manual de
run privacyctl request new --type access --email juergen@kunde.example \
	--location mitte --channel letter
req=$(jget request_id <"$out")
privacyctl request verify "$req" --verified-by "Unterschrift geprüft" >/dev/null
notify --pending >/dev/null
export PRIVACY_NOW=2026-06-20T09:00:00Z
run privacyctl request extend "$req" --by 2 --reason "Die Daten liegen in drei Systemen, die wir einzeln prüfen."
status 0 "extend by two months"
run notify --pending
status 0 "notify"
m=$(mail_to juergen@kunde.example)
show_mail "$m"
body=$(mailf "$m" field body)
like "$body" 'verlängern wir die Frist bis zum 1\. September 2026\.' "the new deadline"
like "$body" 'Bisher lief die Frist bis zum 1\. Juli 2026\.' "the old one, named as the old one"
like "$body" 'Grund der Verlängerung: Die Daten liegen in drei Systemen' "the reason"
like "$body" 'Art der Anfrage: Auskunft \(Art\. 15 DSGVO\)' "the request type in words"
like "$(mailf "$m" field Subject)" "Nr\\. $req" "the subject names the request"
mail_reads_well "$m" de "the extension mail"

done_testing
