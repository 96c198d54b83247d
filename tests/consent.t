#!/bin/bash
# privacyctl consent grant|withdraw|show|list|import, marketing audience,
# and the marketing switch
. "$(dirname "$0")/lib.sh"
export PRIVACY_NOW=2026-11-29T12:00:00Z
EX="$TOP/examples/salon"

privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl customer import "$EX/customers.csv" >/dev/null
cid() { sql "SELECT id FROM customers WHERE external_id = '$1'"; }
K1=$(cid K-1001) K2=$(cid K-1002) K3=$(cid K-1003) K4=$(cid K-1004) K5=$(cid K-1005)

run privacyctl consent list --needs-repermission
status 0 "consent list --needs-repermission"
is "$(jget customer_id <"$out" | tr '\n' ' ')" "$K1 $K2 " "the pre-2018 opt-ins need re-permission"
run privacyctl consent list
is "$(jget state <"$out" | tr '\n' ' ')" "needs-repermission needs-repermission unproven " "an imported 2021 opt-in is unproven"

# --- the switch is refused ----------------------------------------------
snapshot before
run privacyctl settings set mitte marketing=on
status 1 "marketing=on refused while opt-ins lack proof"
# issue 17: the two kinds are counted and each points at its list and campaign
is "$(stderr)" "privacyctl: marketing stays off: 3 customers of 'mitte' have an active opt-in without valid consent: 2 from before 25 May 2018 need re-permission ('privacyctl consent list --needs-repermission --location mitte', consent-send --kind repermission), 1 a double opt-in ('privacyctl customer list --marketing unproven --location mitte', consent-send --kind double-opt-in)" "the message says how many of each kind and where to look"
unlike "$(stderr)" "$K1,|example" "no ids or addresses without -v"
unchanged before "refused: nothing changed"
run privacyctl -v settings set mitte marketing=on
status 1 "refused with -v too"
like "$(stderr)" "\(customer ids: $K1,$K2,$K4\)$" "-v lists the customer ids"
unchanged before "refused with -v: nothing changed"

run privacyctl marketing audience
status 1 "audience: nobody while marketing is off"
is "$(stdout)" "" "no records"

# --- the ledger ----------------------------------------------------------
run privacyctl consent grant "$K4" --purpose marketing-email --source booking-form --ip 203.0.113.9 --user-agent "Mozilla/5.0" --text-version nl-v3
status 0 "consent grant with evidence"
# Changed on purpose (issue 15 item 5): on 5e6c13d a web opt-in with
# evidence counted as proven for e-mail marketing; German courts ask for
# the double opt-in confirmation (BGH I ZR 164/09).
is "$(jget state <"$out")" "unproven" "a web grant for e-mail with evidence is unproven until its double opt-in confirmation"
is "$(sql "SELECT action || ' ' || object || ' ' || detail FROM audit ORDER BY id DESC LIMIT 1")" \
	"consent.record customer:$K4 {\"purpose\":\"marketing-email\",\"event\":\"granted\",\"source\":\"booking-form\",\"ledger_id\":4}" "the grant is audited without personal data"
run privacyctl consent withdraw "$K1" --purpose marketing-email
status 0 "consent withdraw"
is "$(jget state <"$out")" "none" "withdrawn: none"
PRIVACY_NOW=2026-11-29T12:05:00Z run privacyctl consent grant "$K2" --purpose marketing-email --source staff
status 0 "a grant without evidence is recorded"
is "$(jget state <"$out")" "unproven" "but it is unproven"
run privacyctl consent withdraw "$K2" --purpose marketing-email -n
status 0 "withdraw dry run"
is "$(sql "SELECT count(*) FROM consents WHERE customer_id = $K2")" "2" "dry run: nothing appended"
PRIVACY_NOW=2026-11-29T12:10:00Z run privacyctl consent withdraw "$K2" --purpose marketing-email
status 0 "withdraw the second"

run privacyctl consent show "$K2"
status 0 "consent show"
is "$(jget event <"$out" | tr '\n' ' ')" "granted granted withdrawn " "the full history, oldest first"
is "$(jget source <"$out" | tr '\n' ' ')" "staff staff staff " "with sources"

snapshot before_bad
run privacyctl consent grant "$K3" --purpose marketing-fax --source staff
status 64 "unknown purpose: 64"
like "$(stderr)" "purpose: must be marketing-email or marketing-sms" "purpose message"
run privacyctl consent grant "$K3" --purpose marketing-email --source hearsay
status 64 "unknown source: 64"
run privacyctl consent grant "$K3" --purpose marketing-email
status 64 "grant without --source: 64"
run privacyctl consent grant "$K3" --purpose marketing-email --source staff --ip 300.1.1.1
status 65 "bad IP: 65"
like "$(stderr)" "ip: not an IP address" "bad IP message"
run privacyctl consent grant 999 --purpose marketing-email --source staff
status 66 "unknown customer: 66"
run privacyctl consent withdraw "$K3"
status 64 "withdraw without --purpose: 64"
run sqlite3 "$PRIVACY_DB" "UPDATE consents SET event = 'confirmed' WHERE id = 1"
like "$(stderr)" "append-only" "the ledger refuses updates"
run sqlite3 "$PRIVACY_DB" "INSERT INTO consents (customer_id, purpose, event, at, source, recorded_at) VALUES ($K3, 'marketing-email', 'granted-ish', '2026-01-01T00:00:00Z', 'staff', '2026-01-01T00:00:00Z')"
like "$(stderr)" "CHECK constraint failed" "the ledger refuses an unknown event"
# Its CHECKs compare with '=': an IN list of three or more values made SQLite
# build an ephemeral index on every INSERT (a fifth of a customer import).
run sqlite3 "$PRIVACY_DB" "EXPLAIN INSERT INTO consents (customer_id, purpose, event, at, source, recorded_at) VALUES (1, 'marketing-email', 'granted', 'x', 'y', 'z'); EXPLAIN INSERT INTO campaign_messages (campaign_id, customer_id, purposes, message_id, token_hash, queued_at, answer) VALUES (1, 1, 'p', 'm', 't', 'q', 'confirmed')"
status 0 "EXPLAIN of the bulk inserts"
unlike "$(stdout)" "OpenEphemeral" "no ephemeral index per INSERT into consents or campaign_messages"
unchanged before_bad "refused ledger writes leave the database as it was"

# --- imports never turn a withdrawal back on -------------------------------
run privacyctl customer import "$EX/customers.csv"
status 0 "re-import after withdrawals"
is "$(jget kept_withdrawn <"$out")" "2" "two withdrawn consents kept withdrawn"
like "$(stderr)" "customers.csv:2: marketing_email: customer $K1 has withdrawn marketing e-mail on 2026-11-29T12:00:00Z: 'yes' ignored" "reported with the customer id"
unlike "$(stderr)" "Müller|@example" "no personal data in the report"
is "$(sql "SELECT event FROM consents WHERE customer_id = $K1 ORDER BY at DESC, id DESC LIMIT 1")" "withdrawn" "still withdrawn"
sed 's/^K-1004,\(.*\),yes,2021-06-01,booking-form$/K-1004,\1,no,,/' "$EX/customers.csv" >no.csv
run privacyctl customer import no.csv
status 0 "marketing_email=no for an active grant"
is "$(jget consents_withdrawn <"$out")" "1" "becomes a withdrawal"
is "$(sql "SELECT event || ' ' || source FROM consents WHERE customer_id = $K4 ORDER BY at DESC, id DESC LIMIT 1")" "withdrawn import" "withdrawn, source import"

# consent import: a newer grant needs evidence after a withdrawal
snapshot before_ci
printf 'customer_external_id,purpose,event,at,source\nK-1001,marketing-email,granted,2026-11-29T13:00:00Z,booking-form\n' >regrant.csv
run privacyctl consent import regrant.csv
status 65 "a grant after a withdrawal without evidence: 65"
like "$(stderr)" "^privacyctl: regrant.csv:2: event: a grant after the customer's withdrawn on 2026-11-29T12:00:00Z needs evidence" "reported"
unchanged before_ci "database unchanged"
printf 'customer_external_id,purpose,event,at,source,evidence_ip,text_version\nK-1001,marketing-email,granted,2026-11-29T13:00:00Z,booking-form,2001:db8::1,nl-v3\n' >regrant2.csv
PRIVACY_NOW=2026-11-29T14:00:00Z run privacyctl consent import regrant2.csv
status 0 "with evidence it is recorded"
is "$(jget inserted <"$out")" "1" "one event"
run privacyctl consent import regrant2.csv
is "$(jget unchanged <"$out")" "1" "re-import: unchanged"
printf 'customer_external_id,purpose,event,at,source,evidence_ip,text_version\nK-1001,marketing-email,confirmed,2026-11-29T13:05:00Z,double-opt-in,2001:db8::1,nl-v3\n' >doi1.csv
PRIVACY_NOW=2026-11-29T14:00:00Z run privacyctl consent import doi1.csv
status 0 "and its double opt-in confirmation"
snapshot before_ci2
for case in \
	"purpose|K-1003,marketing-fax,granted,2026-01-01,staff,,|purpose: must be marketing-email or marketing-sms" \
	"event|K-1003,marketing-email,maybe,2026-01-01,staff,,|event: must be granted" \
	"at|K-1003,marketing-email,granted,yesterday,staff,,|at: not an RFC 3339 time or date" \
	"source|K-1003,marketing-email,granted,2026-01-01,rumour,,|source: must be" \
	"ip|K-1003,marketing-email,granted,2026-01-01,staff,1.2.3,v1|evidence_ip: not an IP address" \
	"customer|K-0000,marketing-email,granted,2026-01-01,staff,,|customer_external_id: unknown customer"; do
	name=${case%%|*}; rest=${case#*|}; row=${rest%%|*}; msg=${rest#*|}
	printf 'customer_external_id,purpose,event,at,source,evidence_ip,text_version\n%s\n' "$row" >ci-$name.csv
	run privacyctl consent import ci-$name.csv
	status 65 "consent import, bad $name: 65"
	like "$(stderr)" "^privacyctl: ci-$name.csv:2: $msg" "consent import, bad $name: message"
done
printf 'customer_external_id,purpose,event,at,source\nK-1003,marketing-sms,granted,2026-01-01,staff\nK-1003,marketing-sms,granted,2026-01-01T00:00:00Z,staff\n' >ci-dup.csv
run privacyctl consent import ci-dup.csv
status 65 "the same event twice in one file: 65"
like "$(stderr)" "ci-dup.csv:3: customer_external_id: duplicate key within the input" "duplicate reported"
unchanged before_ci2 "bad consent imports: database unchanged"

# --- the switch is allowed once every opt-in is proven ---------------------
run privacyctl consent import "$EX/consents.csv"
status 0 "import the salon's confirmations"
run privacyctl consent list --needs-repermission
status 1 "nobody needs re-permission now"
run privacyctl settings set mitte marketing=on
status 0 "marketing=on allowed"
is "$(jget marketing <"$out")" "on" "marketing is on"
is "$(sql "SELECT detail FROM audit WHERE action = 'settings.set' ORDER BY id DESC LIMIT 1")" '{"key":"marketing","old":"off","new":"on"}' "the switch is audited"

run privacyctl marketing audience
status 0 "marketing audience"
is "$(jget customer_id <"$out" | tr '\n' ' ')" "$K1 $K5 " "exactly the customers with valid consent"
is "$(jget marketing_email <"$out" | tr '\n' ' ')" "true false " "per purpose"
is "$(sed -n 2p "$out" | jget email)" "null" "no address where only SMS is allowed"
run privacyctl marketing audience --location nowhere
status 66 "audience of an unknown location: 66"

run privacyctl audit verify
status 0 "the audit chain is intact"

done_testing
