#!/bin/bash
# privacyctl request new|verify|reject|complete|list|show
. "$(dirname "$0")/lib.sh"

export PRIVACY_NOW=2026-03-02T09:00:00Z
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl location add nord --name "Studio Nord" --holidays DE-HH >/dev/null
privacyctl settings set mitte requests=self-service notify-email=team@mitte.example >/dev/null
cust() { # cust LOC XID EMAIL -> id, through the real import
	if [ -n "$3" ]; then
		printf '{"external_id":"%s","first_name":"Erika","email":"%s"}\n' "$2" "$3"
	else
		printf '{"external_id":"%s","first_name":"Erika"}\n' "$2"
	fi | privacyctl customer import --location "$1" >/dev/null
	sql "SELECT c.id FROM customers c JOIN locations l ON l.id = c.location_id WHERE l.slug = '$1' AND c.external_id = '$2'"
}
c1=$(cust mitte k-1 erika@example.org)
c2=$(cust nord n-7 hans@example.org)
c3=$(cust mitte k-3 "")
code_of() { sql "SELECT json_extract(payload, '\$.code') FROM events WHERE request_id = $1 AND type = 'request.verification' ORDER BY id DESC LIMIT 1"; }

# --- intake at a self-service location through the booking form
run privacyctl request new --type erasure --customer "$c1" --channel booking-form
status 0 "a booking-form request at a self-service location"
r1=$(jget request_id <"$out")
is "$(jget status <"$out") $(jget due <"$out") $(jget received <"$out")" "unverified 2026-04-02 2026-03-02T09:00:00Z" "it starts unverified, due in a month"
is "$(sql "SELECT type || ' ' || audience || ' ' || customer_id FROM events WHERE request_id = $r1")" "request.verification customer $c1" "one event: the code, for the customer"
code=$(code_of "$r1")
like "$code" '^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$' "the code is 8 characters people can type (Crockford base32: no I, L, O, U), shown as two halves"
unlike "$(cat "$out" "$err")" "$code" "the code is not printed"
is "$(sql "SELECT verify_hash = lower(verify_hash) AND length(verify_hash) = 64 AND instr(verify_hash, '$code') = 0 FROM requests WHERE id = $r1")" 1 "only a hash of the code is stored"
plain=$(printf '%s' "$code" | tr -d - | sha256sum | cut -c1-64)
is "$(sql "SELECT verify_hash <> '$plain' FROM requests WHERE id = $r1")" 1 "a keyed hash: the plain SHA-256 of the code is not it (40 bits would be guessed from a copy of the database)"
is "$(stat -c %a "$PRIVACY_DB.code-key") $(stat -c %s "$PRIVACY_DB.code-key")" "600 32" "the key lives beside the database, 0600"
is "$(sql "SELECT verify_expires_at FROM requests WHERE id = $r1")" "2026-03-03T09:00:00Z" "the code is valid 24 hours"
unlike "$(sql "SELECT group_concat(detail) FROM audit")" "erika|example.org|Erika|$code" "no personal data or code in the audit log"
is "$(sql "SELECT status || ' ' || note FROM request_history WHERE request_id = $r1")" "unverified booking-form" "history: received through the booking form"

# wrong codes: counted, refused, five at most
snapshot before
run privacyctl request verify "$r1" AAAA-AAAA
status 65 "a wrong code is refused"
is "$(stderr)" "privacyctl: wrong code for request $r1: 4 attempts left" "the refusal counts down"
is "$(sql "SELECT status || ' ' || verify_attempts FROM requests WHERE id = $r1")" "unverified 1" "the attempt is counted, the request still unverified"
is "$(sql "SELECT count(*) FROM audit WHERE action = 'request.verify-failed' AND object = 'request:$r1'")" 1 "the failed attempt is audited"
is "$(sql "SELECT count(*) FROM events WHERE request_id = $r1")" 1 "nobody is told of a wrong code"
for i in 2 3 4; do privacyctl request verify "$r1" WRONG 2>/dev/null; done
run privacyctl request verify "$r1" WRONG
status 65 "the fifth wrong code"
is "$(stderr)" "privacyctl: wrong code for request $r1: no attempts left" "no attempts left"
snapshot before
run privacyctl request verify "$r1" "$code"
status 77 "after five wrong codes even the right one is refused"
is "$(stderr)" "privacyctl: too many wrong codes for request $r1: the code is no longer accepted (request resend-code sends a new one)" "the 6th attempt is refused with its reason"
unchanged before "the refused 6th attempt changes nothing"

# expiry
run privacyctl request new --type access --email erika@example.org --location mitte --channel booking-form
r2=$(jget request_id <"$out")
code=$(code_of "$r2")
snapshot before
PRIVACY_NOW=2026-03-03T09:00:00Z run privacyctl request verify "$r2" "$code"
status 77 "a code 24 hours old is refused"
is "$(stderr)" "privacyctl: the code for request $r2 has expired (valid 24 hours; request resend-code sends a new one)" "the expiry is explained"
unchanged before "the expired code changes nothing"

# the right code, typed loosely
run privacyctl request new --type portability --external-id k-1 --location mitte --channel booking-form
r3=$(jget request_id <"$out")
code=$(code_of "$r3")
loose=$(printf '%s' "$code" | tr -d - | tr 'A-Z01' 'a-zol' | sed 's/^\(..\)/\1 /')
printf '%s\n' "$loose" >loose.txt
PRIVACY_NOW=2026-03-03T08:59:59Z run privacyctl request verify "$r3" <loose.txt
status 0 "the right code on stdin (lower case, a space, o and l for 0 and 1) within 24 hours"
is "$(jget status <"$out")" "verified" "the request is verified"
is "$(sql "SELECT coalesce(verify_hash, 'NULL') || ' ' || coalesce(verify_expires_at, 'NULL') FROM requests WHERE id = $r3")" "NULL NULL" "the code is gone: single use"
is "$(sql "SELECT type || ' ' || audience || ' ' || json_extract(payload, '\$.location') FROM events WHERE request_id = $r3 ORDER BY id DESC LIMIT 1")" "request.received business mitte" "now the business is told"
is "$(sql "SELECT detail FROM audit WHERE action = 'request.verify' AND object = 'request:$r3'")" '{"by":"code"}' "the verification is audited"
snapshot before
run privacyctl request verify "$r3" "$code"
status 65 "a code is single use"
is "$(stderr)" "privacyctl: request $r3 is verified, not waiting for a code" "a used code is refused"
run privacyctl request verify "$r1" </dev/null
status 64 "an unverified request needs its code"
is "$(stderr | head -1)" "privacyctl: no code: give the customer's code on stdin or in PRIVACY_CODE, or say how staff checked the identity with --verified-by METHOD" "it says where the code goes"
run privacyctl request verify 999 ABC
status 66 "an unknown request"
unchanged before "refusals change nothing"

# no address on file: no code can be sent
snapshot before
run privacyctl request new --type access --customer "$c3" --channel booking-form
status 65 "a customer without an address cannot get a code"
like "$(stderr)" "customer $c3 has no e-mail address on file" "the refusal names the customer by id"
unchanged before "nothing recorded"
run privacyctl request new --type access --customer "$c3" --channel booking-form --verified
status 0 "--verified: the caller vouches (customer logged in)"
is "$(jget status <"$out")" verified "verified at once"
rc3=$(jget request_id <"$out")
is "$(sql "SELECT type || ' ' || audience FROM events WHERE request_id = $(jget request_id <"$out")")" "request.received business" "the business is told"

# other channels, manual location
run privacyctl request new --type rectification --customer "$c2" --channel letter --received 2026-02-27T16:00:00Z
status 0 "a letter at a manual location"
r4=$(jget request_id <"$out")
is "$(jget status <"$out") $(jget due <"$out") $(jget location <"$out")" "received 2026-03-27 nord" "received, due a month after receipt"
is "$(sql "SELECT json_extract(payload, '\$.due') || ' ' || audience FROM events WHERE request_id = $r4 AND audience = 'business'")" "2026-03-27 business" "the business is told the due date"
is "$(sql "SELECT type FROM events WHERE request_id = $r4 AND audience = 'customer'")" "request.receipt" "the customer gets a receipt at a manual location"
run privacyctl request new --type restriction --customer "$c1"
is "$(jget status <"$out") $(jget channel <"$out")" "received email" "the default channel is email; not the booking form, so no code"
r5=$(jget request_id <"$out")

# staff verification of a received request
snapshot before
run privacyctl request complete "$r5"
status 65 "a request nobody checked the identity of is not completed"
is "$(stderr)" "privacyctl: request $r5: the identity of the person who asked was never checked: check it first (request verify --verified-by METHOD) or say --unverified-ok" "it says what to do"
run privacyctl request verify "$r5" --verified-by ""
status 64 "--verified-by needs the method"
run privacyctl request verify "$r5" ABCD-EFGH --verified-by "ID card"
status 64 "a code and --verified-by exclude each other"
unchanged before "refusals change nothing"
run privacyctl request verify "$r5" --verified-by "ID card at the counter"
status 0 "staff confirm the identity"
is "$(jget status <"$out") $(jget verified_by <"$out")" "verified ID card at the counter" "verified by staff, the method recorded"
is "$(jget history.1.note <"$out")" "identity checked by staff: ID card at the counter" "and in the history"
is "$(sql "SELECT detail FROM audit WHERE action = 'request.verify' AND object = 'request:$r5'")" '{"by":"staff"}' "audited as a staff check, without the free text"

# bad intake
snapshot before
run privacyctl request new --customer "$c1"
status 64 "missing --type"
run privacyctl request new --type forget --customer "$c1"
status 64 "unknown type"
like "$(stderr)" "--type: must be one of access, portability, erasure, rectification, restriction, objection" "the types are listed"
run privacyctl request new --type access --customer "$c1" --channel fax
status 64 "unknown channel"
like "$(stderr)" "--channel: must be one of booking-form, email, phone, letter, in-person" "the channels are listed"
run privacyctl request new --type access
status 64 "no subject"
run privacyctl request new --type access --customer "$c1" --email erika@example.org
status 64 "two subjects"
run privacyctl request new --type access --customer 4242
status 66 "unknown customer"
is "$(stderr)" "privacyctl: no such customer: 4242" "named by id"
run privacyctl request new --type access --external-id k-1
status 64 "--external-id needs --location"
run privacyctl request new --type access --customer "$c1" --location nord
status 64 "--location must be the customer's"
run privacyctl request new --type access --customer "$c1" --received 2026-03-03T00:00:00Z
status 64 "a receipt in the future"
like "$(stderr)" "--received: lies in the future" "explained"
run privacyctl request new --type access --customer "$c1" --received yesterday
status 64 "a malformed receipt time"
unchanged before "bad intake records nothing"
# an address we hold nothing about: recorded all the same (J8)
run privacyctl request new --type access --email nobody@example.org
status 0 "an unknown address is recorded, not refused"
is "$(jget customer_id <"$out") $(jget location <"$out") $(jget status <"$out")" "null mitte received" "no customer; the first location when none is named"
unlike "$(stderr)" "nobody@example.org" "the address is not echoed"
r8=$(jget request_id <"$out")
is "$(sql "SELECT json_extract(payload, '\$.customer') FROM events WHERE request_id = $r8 AND type = 'request.received'")" "none with the address that asked" "the business learns that nobody matched"
run privacyctl request new --type access --email nobody@example.org --location sued
status 66 "an unknown location"

# reject and complete
snapshot before
run privacyctl request reject "$r4"
status 64 "a rejection needs a reason"
like "$(stderr)" "--reason is required" "the missing reason is named"
run privacyctl request reject "$r4" --reason ""
status 64 "an empty reason is no reason"
run privacyctl request complete "$r1"
status 65 "an unverified request cannot be completed"
is "$(stderr)" "privacyctl: request $r1 is unverified: check the identity first (request verify)" "explained"
run privacyctl request complete 999
status 66 "complete: unknown request"
unchanged before "refusals change nothing"
run privacyctl request reject "$r4" --reason "Die Daten sind korrekt."
status 0 "reject with a reason"
is "$(jget status <"$out") $(jget reject_reason <"$out")" "rejected Die Daten sind korrekt." "rejected, reason kept"
is "$(sql "SELECT type || ' ' || audience || ' ' || json_extract(payload, '\$.reason') FROM events WHERE request_id = $r4 ORDER BY id DESC LIMIT 1")" "request.rejected customer Die Daten sind korrekt." "the customer is told why"
is "$(sql "SELECT count(*) FROM audit WHERE action = 'request.reject' AND object = 'request:$r4' AND detail IS NULL")" 1 "audited, without the reason text"
snapshot before
run privacyctl request reject "$r4" --reason "again"
status 65 "a rejected request cannot be rejected again"
is "$(stderr)" "privacyctl: request $r4 is rejected already: it cannot be rejected" "explained"
run privacyctl request complete "$r4"
status 65 "a rejected request cannot be completed"
run privacyctl request extend "$r4" --by 1 --reason x
status 65 "a rejected request cannot be extended"
unchanged before "nothing changed"
run privacyctl request complete "$r5" --note "sent by post"
status 0 "complete by hand"
is "$(jget status <"$out") $(jget note <"$out")" "completed sent by post" "completed with the note"
is "$(sql "SELECT group_concat(status, ',') FROM request_history WHERE request_id = $r5")" "received,verified,completed" "the history has every step"
run privacyctl request new --type portability --customer "$c2" --channel phone
r7=$(jget request_id <"$out")
run privacyctl request complete "$r7" --note "sent on a USB stick" --unverified-ok
status 0 "--unverified-ok: staff complete a request they did not check"
is "$(sql "SELECT detail FROM audit WHERE action = 'request.complete' AND object = 'request:$r7'")" '{"by":"hand","identity":"unchecked"}' "audited as completed unchecked"

# show and list
run privacyctl request show "$r5"
status 0 "show"
is "$(jget history.2.note <"$out")" "sent by post" "show has the history"
run privacyctl request show 999
status 66 "show: unknown request"
run privacyctl request show x
status 64 "show: bad id"
run privacyctl request list
status 0 "list"
is "$(wc -l <"$out")" 8 "every request"
run privacyctl request list --status verified --location mitte
is "$(jget request_id <"$out" | tr '\n' ' ')" "$r3 $rc3 " "by status and location"
run privacyctl request list --type rectification
is "$(jget request_id <"$out")" "$r4" "by type"
run privacyctl request list -f csv --location nord
like "$(head -1 "$out")" "^request_id,location,customer_id,type,channel,status,received,due," "CSV with a header"
PRIVACY_NOW=2026-04-03T08:00:00Z run privacyctl request list --overdue
status 0 "list --overdue"
is "$(jget request_id <"$out" | sort -n | tr '\n' ' ')" "$r1 $r2 $r3 $rc3 $r8 " "open requests past 2 Apr (in Berlin)"
is "$(jget event <"$out" | sort -u) $(jget at <"$out" | sort -u)" "request.overdue 2026-04-03T08:00:00Z" "records carry event and at for notify"
PRIVACY_NOW=2026-04-02T21:59:59Z run privacyctl request list --overdue
is "$(wc -l <"$out")" 0 "23:59:59 in Berlin on the due date: not yet overdue"
PRIVACY_NOW=2026-03-27T10:00:00Z run privacyctl request list --due-within 7d
is "$(jget request_id <"$out" | sort -n | tr '\n' ' ')" "$r1 $r2 $r3 $rc3 $r8 " "due within 7 days"
PRIVACY_NOW=2026-03-20T10:00:00Z run privacyctl request list --due-within 7d
is "$(wc -l <"$out")" 0 "nothing due within 7 days of 20 Mar"
run privacyctl request list --status done
status 64 "unknown status"
run privacyctl request list --due-within soon
status 64 "bad duration"
run privacyctl request list --location sued
status 66 "unknown location"
run privacyctl request list --overdue --due-within 7d
status 64 "--overdue and --due-within exclude each other"

# resend-code and cancel: refusals
snapshot before
run privacyctl request resend-code "$r3"
status 65 "resend-code: a verified request waits for no code"
is "$(stderr)" "privacyctl: request $r3 is verified, not waiting for a code" "explained"
run privacyctl request resend-code 999
status 66 "resend-code: unknown request"
run privacyctl request resend-code x
status 64 "resend-code: bad id"
run privacyctl request cancel 999 --reason x
status 66 "cancel: unknown request"
run privacyctl request cancel "$r5" --reason x
status 65 "cancel: a completed request is closed"
is "$(stderr)" "privacyctl: request $r5 is completed already: it cannot be cancelled" "explained"
run privacyctl request cancel "$r1" --reason "  "
status 64 "cancel: a blank reason is no reason"
PRIVACY_CODE="" run privacyctl request verify "$r2" </dev/null
status 64 "verify: an empty PRIVACY_CODE and no stdin is no code"
head -c 300 /dev/zero | tr '\0' A >long.txt
run privacyctl request verify "$r2" <long.txt
status 65 "verify: an overlong line on stdin is refused"
is "$(stderr)" "privacyctl: code on standard input: too long" "explained"
unchanged before "refusals change nothing"
run privacyctl request list --status cancelled
status 1 "list --status cancelled: nothing matched is 1 (issue 17)"
is "$(wc -l <"$out")" 0 "none yet"

run privacyctl audit verify
status 0 "the audit chain is intact"
is "$(sql "SELECT count(*) FROM requests r WHERE NOT EXISTS (SELECT 1 FROM audit a WHERE a.object = 'request:' || r.id AND a.action = 'request.new')")" 0 "every request's intake is audited"

done_testing
