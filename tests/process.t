#!/bin/bash
# privacyctl request process: automatic fulfilment at self-service
# locations; manual locations are left alone.
. "$(dirname "$0")/lib.sh"

export PRIVACY_NOW=2026-03-02T09:00:00Z
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl location add nord --name "Studio Nord" >/dev/null
privacyctl settings set mitte requests=self-service notify-email=team@mitte.example >/dev/null
privacyctl settings set nord notify-email=info@nord.example >/dev/null
cust() { # cust LOC XID
	sql "INSERT INTO customers (location_id, external_id, first_name, last_name, email, phone, created_at, updated_at) SELECT id, '$2', 'Erika', 'Muster$2', 'e$2@example.org', '+49 30 1234$2', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z' FROM locations WHERE slug = '$1'; SELECT last_insert_rowid();"
}
c1=$(cust mitte 1)
c2=$(cust mitte 2)
c3=$(cust nord 3)
sql "INSERT INTO appointments (location_id, customer_id, external_id, starts_at, service) VALUES (1, $c1, 'a1', '2025-06-01T10:00:00Z', 'Schnitt')"
sql "INSERT INTO invoices (location_id, customer_id, number, issued_on, total_cents, billing_name) VALUES (1, $c1, 'R-2025-1', '2025-06-01', 4500, 'Erika Muster1')"

newreq() { # newreq TYPE CUSTOMER [opts] -> id
	t=$1 c=$2
	shift 2
	privacyctl request new --type "$t" --customer "$c" "$@" | jget request_id
}
r1=$(newreq erasure "$c1" --channel booking-form)
r3=$(newreq erasure "$c3" --verified)

run privacyctl request process
status 0 "nothing verified at a self-service location yet"
is "$(stdout)" "" "nothing done"
is "$(sql "SELECT status FROM requests WHERE id = $r1")" "unverified" "an unverified request waits for its code"

code=$(sql "SELECT json_extract(payload, '\$.code') FROM events WHERE request_id = $r1 AND type = 'request.verification'")
privacyctl request verify "$r1" "$code" >/dev/null

snapshot before
run privacyctl request process --dry-run
status 0 "dry run"
is "$(jget status <"$out") $(jget request_id <"$out")" "planned $r1" "the plan names the request"
unchanged before "a dry run changes nothing"

run privacyctl request process
status 0 "process"
is "$(jget request_id <"$out") $(jget status <"$out")" "$r1 completed" "the verified erasure request is completed"
is "$(jget result.status <"$out")" "erased" "the result is the erasure report"
is "$(sql "SELECT count(*) FROM customers WHERE id = $c1") $(sql "SELECT count(*) FROM appointments")" "0 0" "the customer and the appointment are gone"
is "$(sql "SELECT kind || ' ' || record_key || ' ' || request_id FROM retained")" "invoices R-2025-1 $r1" "the invoice is retained for the request"
is "$(sql "SELECT status || ' ' || coalesce(customer_id, 'NULL') || ' ' || json_extract(result, '\$.deleted.customers') FROM requests WHERE id = $r1")" "completed NULL 1" "the request is completed with its result, unlinked from the person"
is "$(sql "SELECT group_concat(status, ',') FROM request_history WHERE request_id = $r1")" "unverified,verified,completed" "history"
is "$(sql "SELECT type || ' ' || audience FROM events WHERE request_id = $r1 AND audience = 'business' ORDER BY id DESC LIMIT 1")" "erasure.completed business" "the business is told"
is "$(sql "SELECT type || ' ' || audience FROM events WHERE request_id = $r1 ORDER BY id DESC LIMIT 1")" "erasure.confirmation customer" "and the customer gets a confirmation"
is "$(sql "SELECT count(*) FROM audit WHERE action = 'request.result' AND object = 'request:$r1'")" 1 "the result is audited"
is "$(sql "SELECT status FROM requests WHERE id = $r3") $(sql "SELECT count(*) FROM customers WHERE id = $c3")" "verified 1" "the manual location is left alone"
is "$(sql "SELECT count(*) FROM requests r JOIN customers c ON c.id = r.customer_id")" 1 "only the manual one still points at a customer"
unlike "$(cat "$PRIVACY_DB"-wal 2>/dev/null | strings | grep -c Muster1)" "^[1-9]" "no copy of the name in the WAL"

snapshot before
run privacyctl request process
status 0 "process again"
is "$(stdout)" "" "running twice does nothing twice"
unchanged before "the second run changes nothing"

# an error leaves the request retryable: legal hold
r2=$(newreq erasure "$c2" --verified)
privacyctl customer hold "$c2" --reason "lawsuit pending" >/dev/null
run privacyctl request process
status 1 "a request that cannot be fulfilled: exit 1"
is "$(jget status <"$out") $(jget request_id <"$out")" "in-progress $r2" "reported as in progress"
like "$(stderr)" "customer $c2 is under legal hold: erasure refused" "the reason, by id"
unlike "$(stderr)" "lawsuit|Erika|example.org" "no personal data in the message"
is "$(sql "SELECT status || ' ' || (error IS NOT NULL) FROM requests WHERE id = $r2")" "in-progress 1" "the request says so"
is "$(sql "SELECT count(*) FROM customers WHERE id = $c2")" 1 "the customer is kept"
h=$(sql "SELECT count(*) FROM request_history WHERE request_id = $r2")
snapshot before
run privacyctl request process
status 1 "retried, still held"
unchanged before "the same error again adds nothing"
run privacyctl request process -q
status 1 "cron (-q): still exit 1"
is "$(stdout)$(stderr)" "" "cron (-q): the same legal-hold error as the last run is not said again (issue 17)"
privacyctl customer unhold "$c2" >/dev/null
run privacyctl request process --location mitte --limit 5
status 0 "after the hold ends the retry succeeds"
is "$(sql "SELECT status || ' ' || coalesce(error, 'NULL') FROM requests WHERE id = $r2")" "completed NULL" "completed, error cleared"
is "$(sql "SELECT group_concat(status, ',') FROM request_history WHERE request_id = $r2")" "verified,in-progress,completed" "the history shows the failed try"

# options
snapshot before
run privacyctl request process --location sued
status 66 "unknown location"
run privacyctl request process --limit 0
status 64 "--limit must be positive"
unchanged before "nothing changed"

# access and portability: the export goes to the customer through the outbox
ca=$(cust mitte 7)
sql "INSERT INTO appointments (location_id, customer_id, external_id, starts_at, service) VALUES (1, $ca, 'a7', '2025-07-01T10:00:00Z', 'Farbe')"
ra=$(newreq access "$ca" --verified)
rp=$(newreq portability "$ca" --verified)
rr=$(newreq rectification "$ca" --verified)
rm_=$(newreq access "$c3" --verified)
run privacyctl request process
status 0 "process access and portability"
is "$(jget request_id <"$out" | tr '\n' ' ')" "$ra $rp " "both fulfilled, oldest first"
is "$(sql "SELECT status FROM requests WHERE id IN ($ra, $rp) GROUP BY status")" "in-progress" "both in progress: completed once notify delivers the mail (tests/journeys/j01)"
is "$(sql "SELECT json_extract(result, '\$.export') FROM requests WHERE id = $ra")" "queued" "the result says where the export went"
ev=$(sql "SELECT json_extract(result, '\$.event_id') FROM requests WHERE id = $ra")
is "$(sql "SELECT type || ' ' || audience || ' ' || customer_id FROM events WHERE id = $ev")" "export.ready customer $ca" "the document is queued for the customer"
is "$(sql "SELECT json_extract(payload, '\$.export.format') || ' ' || json_extract(payload, '\$.export.data.customer.external_id') || ' ' || json_extract(payload, '\$.export.data.appointments[0].service') FROM events WHERE id = $ev")" "privacyctl-export/1 7 Farbe" "it carries the whole export document"
is "$(sql "SELECT count(*) FROM events WHERE request_id = $ra AND type = 'request.completed' AND audience = 'business'")" 0 "the business is told only once the mail is delivered (tests/journeys/j01)"
is "$(sql "SELECT count(*) FROM audit WHERE action = 'customer.export' AND object = 'customer:$ca' AND detail = '{\"to\":\"outbox\"}'")" 2 "each export is audited"
is "$(sql "SELECT count(*) FROM customers WHERE id = $ca")" 1 "an access request erases nothing"
is "$(sql "SELECT status FROM requests WHERE id = $rr") $(sql "SELECT status FROM requests WHERE id = $rm_")" "verified verified" "rectification (needs a person) and the manual location are left alone"
snapshot before
run privacyctl request process
is "$(stdout)" "" "nothing twice"
unchanged before "the second run changes nothing"

# dsar-erase --request records the result on the request too
r4=$(newreq erasure "$(cust mitte 4)" --channel letter)
snapshot before
run dsar-erase --request "$r4"
status 65 "a letter nobody checked the sender of is not erased"
like "$(stderr)" "request $r4: the identity of the person who asked was never checked" "explained"
unchanged before "nothing erased"
privacyctl request verify "$r4" --verified-by "signature compared with the booking form" >/dev/null
run dsar-erase --request "$r4"
status 0 "dsar-erase --request, once staff checked the identity"
is "$(sql "SELECT status || ' ' || json_extract(result, '\$.request_id') FROM requests WHERE id = $r4")" "completed $r4" "a finished erasure completes its request"
run dsar-erase --request "$r4"
status 0 "the same request again: done already, exit 0 (was 66, issue 17)"
is "$(jget status <"$out")" "already-erased" "with a status saying so"
r5=$(newreq erasure "$(cust mitte 5)" --channel booking-form)
snapshot before
run dsar-erase --request "$r5"
status 65 "an unverified request is not fulfilled"
like "$(stderr)" "request $r5 is unverified" "explained"
unchanged before "nothing erased"

# dsar-export --request records the export on the request
rx=$(newreq portability "$c3" --channel letter)
run dsar-export --request "$rx" --unverified-ok
status 0 "dsar-export --request --unverified-ok"
is "$(jget format <"$out")" "privacyctl-export/1" "the document"
is "$(sql "SELECT status || ' ' || json_extract(result, '\$.export') FROM requests WHERE id = $rx")" "in-progress stdout" "the request records the export; the business still sends it"
run privacyctl request complete "$rx" --note "sent by post"
status 0 "then completes it (staff vouched when exporting)"
ru=$(newreq access "$(cust mitte 8)" --channel booking-form)
snapshot before
run dsar-export --request "$ru"
status 65 "no export for an unverified request"
is "$(stdout)" "" "no document leaves"
unchanged before "nothing recorded"

# --limit
privacyctl request verify "$r5" "$(sql "SELECT json_extract(payload, '\$.code') FROM events WHERE request_id = $r5 AND type = 'request.verification'")" >/dev/null
r6=$(newreq erasure "$(cust mitte 6)" --verified)
run privacyctl request process --limit 1
is "$(jget request_id <"$out")" "$r5" "--limit 1: the oldest first"
is "$(sql "SELECT status FROM requests WHERE id = $r6")" "verified" "the next waits for the next run"

run privacyctl audit verify
status 0 "the audit chain is intact"

done_testing
