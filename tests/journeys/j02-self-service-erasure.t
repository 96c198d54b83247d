#!/bin/bash
# J2 self-service erasure (issue 14): a booking-form request, the code,
# `request process`, `notify --pending`: the customer gets a confirmation
# of what was erased and what is kept, until when and why; the business
# gets the identifiers it needs to erase the person in its other systems.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/journeys/journey.sh"

export PRIVACY_NOW=2026-06-01T09:00:00Z
salon_setup self-service en

run privacyctl request new --type erasure --email aenne@kunde.example \
	--location mitte --channel booking-form
status 0 "request from the booking form"
req=$(jget request_id <"$out")
notify --pending >/dev/null
m=$(mail_to aenne@kunde.example)
show_mail "$m"
like "$(mailf "$m" field body)" 'erasure \(Art\. 17 GDPR\)' "the code mail names the request in words"
like "$(mailf "$m" field body)" 'valid until 2 June 2026, 11:00' "its expiry as people write it"
mail_reads_well "$m" en "the code mail"
code=$(mailf "$m" field body | sed -n 's/^    \([A-Za-z0-9-]\{4,\}\)$/\1/p' | head -1)
printf '%s\n' "$code" | privacyctl request verify "$req" >/dev/null
is "$?" 0 "the customer's code verifies the request"

run privacyctl request process
status 0 "request process erases"
run notify --pending
status 0 "notify --pending"
c=$(mail_to aenne@kunde.example)
show_mail "$c"
body=$(mailf "$c" field body)
like "$(mailf "$c" field Subject)" 'has been erased' "the confirmation"
like "$body" 'Appointments' "what was erased"
like "$body" 'Invoices \(1\) until 31 December 2033' "what is kept, until when"
like "$body" 'legal duty to keep them \(§ 147 Abs\. 3 AO' "and why"
like "$body" 'Salon Beispiel GmbH' "signed by the controller"
mail_reads_well "$c" en "the confirmation"
b=$(mail_to team@salon-mitte.example)
show_mail "$b"
bb=$(mailf "$b" field body)
like "$bb" 'Customer number: K-1002' "the business gets the booking-system id"
like "$bb" 'E-mail: aenne@kunde.example' "the e-mail address"
like "$bb" 'Phone: \+49 30 7654321' "the phone number"
mail_reads_well "$b" en "the business mail" business
is "$(sql "SELECT status FROM requests WHERE id = $req")" completed "the request is completed"
unlike "$(sql "SELECT group_concat(payload) FROM events")" 'aenne|7654321' \
	"nothing of the person is left in the outbox"

# --- the erased person asks again: their invoice is still kept
# (restricted), so the answer is not "we hold no data about you" but what
# is kept, until when and why (J8's answer for an erased person)
nb=$(nmails)
run privacyctl request new --type access --email aenne@kunde.example \
	--location mitte --channel booking-form
status 0 "an access request from the erased customer's address"
r2=$(jget request_id <"$out")
is "$(jget customer_id <"$out")" null "no customer has the address any more"
notify --pending >/dev/null
m=$(mail_to aenne@kunde.example)
code=$(mailf "$m" field body | sed -n 's/^    \([A-Za-z0-9-]\{4,\}\)$/\1/p' | head -1)
printf '%s\n' "$code" | privacyctl request verify "$r2" >/dev/null
is "$?" 0 "the code verifies it"
run privacyctl request process
status 0 "request process answers it"
is "$(sql "SELECT status, json_extract(result, '\$.held') FROM requests WHERE id = $r2")" \
	"completed|retained" "completed; the request records that records are kept"
run notify --pending
status 0 "notify --pending"
a=$(mail_to aenne@kunde.example)
show_mail "$a"
body=$(mailf "$a" field body)
unlike "$body" 'We hold no data about you' "not told that we hold no data"
like "$body" 'already erased your customer data' "told that the customer data is erased"
like "$body" 'Invoices \(1\) until 31 December 2033: a legal duty to keep them \(§ 147 Abs\. 3 AO' \
	"what is kept, until when and why"
like "$body" 'restricted \(Art\. 18 GDPR\)' "and that it is restricted"
mail_reads_well "$a" en "the answer"
b=$(mail_to team@salon-mitte.example)
like "$(mailf "$b" field body)" 'Result: the customer.s data is erased; only records kept under a legal duty remain' \
	"the business hears how the request was answered"
mail_reads_well "$b" en "the business mail" business
is "$(( $(nmails) - nb ))" 4 "code mail, answer, and the business's two mails: nothing else"
unlike "$(sql "SELECT group_concat(payload) FROM events WHERE status = 'delivered'")" 'aenne' \
	"the address is scrubbed from the outbox after delivery"

done_testing
