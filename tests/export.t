#!/bin/bash
# dsar-export: the Art. 15 / Art. 20 document, selection, CSV, files, audit
. "$(dirname "$0")/lib.sh"
export PRIVACY_NOW=2026-03-01T10:00:00Z

# A field of every document on stdout (NDJSON), one line each.
jq_() {
	/usr/bin/python3 -c 'import json, sys
expr = sys.argv[1]
for line in open(sys.argv[2], encoding="utf-8"):
    # a stream ends with its summary record (issue 17): not a document
    if line.strip():
        d = json.loads(line)
        if list(d) != ["summary"]:
            print(eval(expr))' "$1" "$out"
}
summary() { grep '^{"summary":' "$out"; }
# The data tables, to show that an export changed nothing but the audit log.
datadump() {
	for t in locations settings customers appointments invoices consents \
		requests request_history events retained tombstones; do
		sql "SELECT * FROM $t ORDER BY 1"
	done
}
audits() { sql "SELECT count(*) FROM audit WHERE action = 'customer.export'"; }

privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl location add nord --name "Salon Nord" >/dev/null
privacyctl settings set nord language=en >/dev/null

cat >customers.csv <<'CSV'
external_id,first_name,last_name,email,phone,birth_date,street,postal_code,city,country,notes
K-1,Erika,Muster,erika@example.org,+49 30 123,1980-02-03,Hauptstr. 1,10115,Berlin,DE,"=HYPERLINK(""http://x"",""klick"")"
K-2,Only,Consent,only@example.org,,,,,,,
K-3,Many,Visits,many@example.org,,,,,,,
CSV
privacyctl customer import --location mitte customers.csv >/dev/null
printf 'external_id,first_name,email\nN-1,Nora,nora@example.org\n' >nord.csv
privacyctl customer import --location nord nord.csv >/dev/null
cat >appts.csv <<'CSV'
external_id,customer_external_id,starts_at,service,staff,price_cents,notes
T-1,K-1,2025-02-01T10:00:00Z,Schnitt,Anna,3500,mag Tee
T-2,K-1,2025-01-05T09:00:00Z,Färben,Jörg,8900,
CSV
privacyctl appointment import --location mitte appts.csv >/dev/null
cat >inv.csv <<'CSV'
number,customer_external_id,issued_on,total_cents,currency,billing_name,billing_address
RE-1,K-1,2025-02-01,3500,EUR,Erika Muster,"Hauptstr. 1, 10115 Berlin"
CSV
privacyctl invoice import --location mitte inv.csv >/dev/null
E=$(sql "SELECT id FROM customers WHERE external_id = 'K-1'")
O=$(sql "SELECT id FROM customers WHERE external_id = 'K-2'")
M=$(sql "SELECT id FROM customers WHERE external_id = 'K-3'")
N=$(sql "SELECT id FROM customers WHERE external_id = 'N-1'")
privacyctl consent grant "$E" --purpose marketing-email --source booking-form \
	--ip 192.0.2.7 --user-agent "Mozilla/5.0" --text-version v3 >/dev/null
privacyctl consent grant "$O" --purpose marketing-sms --source staff >/dev/null
privacyctl request new --type access --customer "$E" --channel email >/dev/null
R=$(sql "SELECT id FROM requests WHERE customer_id = $E")
is "$(sql "SELECT count(*) FROM appointments WHERE customer_id = $E") $(sql "SELECT count(*) FROM invoices WHERE customer_id = $E") $(sql "SELECT count(*) FROM consents WHERE customer_id = $E") $R" \
	"2 1 1 1" "fixture: a customer with data in every table"

# --- one subject, every section -----------------------------------------
datadump >before.data
run dsar-export --customer "$E"
status 0 "export one customer"
is "$(wc -l <"$out")" "1" "one NDJSON document"
cp "$PRIVACY_DB" copy.db
is "$(sqlite3 copy.db "SELECT count(*) FROM audit WHERE action = 'customer.export'") $(audits)" "1 1" \
	"the export's audit entry is in the database file itself when it exits (not only in the -wal)"
dsar-export --customer "$E" >/dev/null
is "$(stat -c %s "$PRIVACY_DB-wal" 2>/dev/null || echo 0)" "0" "the -wal is emptied when it exits: it does not grow by each export"
rm -f copy.db
is "$(jq_ 'd["format"], d["generated_at"]')" "('privacyctl-export/1', '2026-03-01T10:00:00Z')" "format version and generated_at (PRIVACY_NOW)"
is "$(jq_ 'd["subject"]')" "{'customer_id': $E, 'location': 'mitte', 'location_name': 'Salon Mitte', 'external_id': 'K-1'}" "subject: ids, location and its name"
is "$(jq_ 'list(d)')" "['format', 'generated_at', 'subject', 'controller', 'information', 'data']" "the sections in order"
is "$(jq_ 'd["controller"]')" "None" "controller: null without a config"
is "$(jq_ 'list(d["information"])')" "['language', 'purposes', 'categories', 'recipients', 'retention', 'source', 'rights']" "information: the Art. 15(1) items"
is "$(jq_ 'd["information"]["language"]')" "de" "German defaults for a German location"
like "$(jq_ '" | ".join(d["information"]["rights"])')" "Berichtigung.*Löschung.*Einschränkung.*Widerspruch.*Beschwerde bei einer Aufsichtsbehörde \(Art. 77" "rights: rectification, erasure, restriction, objection, complaint"
like "$(jq_ '" | ".join(d["information"]["retention"])')" "§ 147 Abs. 3 AO" "retention periods with their legal basis"
is "$(jq_ 'list(d["data"])')" "['customer', 'appointments', 'invoices', 'consents', 'requests', 'retained']" "data: every table"
is "$(jq_ 'd["data"]["customer"]')" "{'id': $E, 'location': 'mitte', 'external_id': 'K-1', 'first_name': 'Erika', 'last_name': 'Muster', 'email': 'erika@example.org', 'phone': '+49 30 123', 'birth_date': '1980-02-03', 'street': 'Hauptstr. 1', 'postal_code': '10115', 'city': 'Berlin', 'country': 'DE', 'notes': '=HYPERLINK(\"http://x\",\"klick\")', 'legal_hold': None, 'restricted_at': None, 'objected_at': None, 'created_at': '2026-03-01T10:00:00Z', 'updated_at': '2026-03-01T10:00:00Z'}" "customer: every field, exact"
is "$(jq_ '[(a["external_id"], a["starts_at"], a["service"], a["staff"], a["price_cents"], a["notes"]) for a in d["data"]["appointments"]]')" \
	"[('T-2', '2025-01-05T09:00:00Z', 'Färben', 'Jörg', 8900, None), ('T-1', '2025-02-01T10:00:00Z', 'Schnitt', 'Anna', 3500, 'mag Tee')]" "appointments: all, oldest first, exact"
is "$(jq_ '[(i["number"], i["issued_on"], i["total_cents"], i["currency"], i["billing_name"], i["billing_address"], i["retained"]) for i in d["data"]["invoices"]]')" \
	"[('RE-1', '2025-02-01', 3500, 'EUR', 'Erika Muster', 'Hauptstr. 1, 10115 Berlin', False)]" "invoices: exact, not retained"
is "$(jq_ '[(c["purpose"], c["event"], c["source"], c["evidence_ip"], c["evidence_user_agent"], c["text_version"]) for c in d["data"]["consents"]]')" \
	"[('marketing-email', 'granted', 'booking-form', '192.0.2.7', 'Mozilla/5.0', 'v3')]" "consents: the ledger with its evidence"
is "$(jq_ '[(r["id"], r["type"], r["channel"], r["status"], r["due_on"]) for r in d["data"]["requests"]]')" \
	"[($R, 'access', 'email', 'received', '2026-04-01')]" "requests: type, status and deadline"
unlike "$(stdout)" "verify_hash|verify_attempts" "no verification secrets of requests"
datadump >after.data
cmp -s before.data after.data; ok $? "the data is unchanged"
is "$(sql "SELECT actor || ' ' || action || ' ' || object || ' ' || detail FROM audit ORDER BY id DESC LIMIT 1")" \
	"dsar-export/$(id -un) customer.export customer:$E {\"to\":\"stdout\"}" "the export is audited: who, what, which customer"
is "$(sql "SELECT count(*) FROM audit WHERE detail LIKE '%example.org%' OR detail LIKE '%Erika%' OR object LIKE '%example%'")" "0" "no personal data in the audit log"
run privacyctl audit verify
status 0 "the audit chain is intact after exports"

run dsar-export --customer "$E" -f json
status 0 "-f json"
is "$(head -1 "$out")" "{" "a pretty document, not an array"
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["subject"]["external_id"]=="K-1"' "$out"
ok $? "-f json parses as one document"

run dsar-export --email ERIKA@example.org
status 0 "--email (case-insensitive)"
is "$(jq_ 'd["subject"]["customer_id"]')" "$E" "--email finds the customer"
run dsar-export --external-id K-1 --location mitte
status 0 "--external-id with --location"
is "$(jq_ 'd["subject"]["customer_id"]')" "$E" "--external-id finds the customer"
snapshot before_req
run dsar-export --request "$R"
status 65 "--request of a request whose identity was never checked: refused"
is "$(stderr)" "dsar-export: request $R: the identity of the person who asked was never checked: check it first (request verify --verified-by METHOD) or say --unverified-ok" "the refusal says what to do"
is "$(stdout)" "" "no document leaves"
unchanged before_req "the refusal changes nothing"
run dsar-export --request "$R" --unverified-ok
status 0 "--request with --unverified-ok (staff's word)"
is "$(jq_ 'd["subject"]')" "{'customer_id': $E, 'location': 'mitte', 'location_name': 'Salon Mitte', 'external_id': 'K-1', 'request_id': $R}" "the document names the request"
is "$(sql "SELECT status || ' ' || result FROM requests WHERE id = $R")" 'in-progress {"export":"stdout"}' "--request records the result on the request"

# --- English location ------------------------------------------------------
run dsar-export --customer "$N"
status 0 "export a customer of an English location"
is "$(jq_ 'd["information"]["language"]')" "en" "English defaults by the location's language"
like "$(jq_ '" | ".join(d["information"]["rights"])')" "complaint to a supervisory authority \(Art. 77 GDPR\)" "rights in English"

# --- config: controller, processing, trade secrets ----------------------------
cat >cfg.yaml <<'YAML'
controller:
  name: Salon Beispiel GmbH
  address: Hauptstr. 1, 10115 Berlin
  email: datenschutz@salon.example
  dpo: Dr. Datenschutz
processing:
  purposes:
    - Termine
  source: Buchungssystem
  automated_decisions: keine
trade_secrets:
  - customers.notes
  - appointments.notes
YAML
run dsar-export -c cfg.yaml --customer "$E"
status 0 "export with a config"
is "$(jq_ 'd["controller"]')" "{'name': 'Salon Beispiel GmbH', 'address': 'Hauptstr. 1, 10115 Berlin', 'email': 'datenschutz@salon.example', 'dpo': 'Dr. Datenschutz'}" "controller from the config"
is "$(jq_ 'd["information"]["purposes"], d["information"]["source"], d["information"]["automated_decisions"]')" "(['Termine'], 'Buchungssystem', 'keine')" "processing items from the config, also extra ones"
like "$(jq_ 'd["information"]["recipients"][0]')" "Auftragsverarbeiter" "items the config does not name keep their defaults"
is "$(jq_ 'd["data"]["customer"]["notes"]["withheld"]')" "True" "trade secret: the field is present, withheld"
like "$(jq_ 'd["data"]["customer"]["notes"]["reason"]')" "Geschäftsgeheimnis.*Erwägungsgrund 63" "trade secret: with the reason (Recital 63)"
is "$(jq_ '[a["notes"] for a in d["data"]["appointments"]]')" "[None, {'withheld': True, 'reason': 'Geschäftsgeheimnis des Verantwortlichen (Erwägungsgrund 63 DSGVO)'}]" "appointment notes withheld where there are any"
unlike "$(stdout)" "HYPERLINK|mag Tee" "the withheld content is nowhere in the output"
is "$(jq_ 'd["data"]["customer"]["first_name"]')" "Erika" "other fields stay"

for bad in "trade_secrets: [customers.nope]" "trade_secrets: [notes]" "trade_secrets: [customers.id]" \
	"trade_secrets: customers.notes" "processing: [a, b]" "controller: Salon"; do
	printf '%s\n' "$bad" >bad.yaml
	n=$(audits)
	run dsar-export -c bad.yaml --customer "$E"
	status 78 "bad config '$bad': exit 78"
	like "$(stderr)" "^dsar-export: .*bad.yaml:1: (trade_secrets|processing|controller): " "bad config '$bad': the file, line and key"
	is "$(stdout)$(audits)" "$n" "bad config '$bad': no output, no audit entry"
done

# --- unknown subjects and usage errors ---------------------------------------
snapshot before_bad
run dsar-export --customer 999
status 66 "unknown --customer: 66"
is "$(stderr)" "dsar-export: no such customer: 999" "unknown --customer: message with the id"
is "$(stdout)" "" "unknown --customer: no output"
run dsar-export --email nobody@example.org
status 66 "unknown --email: 66"
is "$(stderr)" "dsar-export: no customer with that e-mail address" "unknown --email: no address in the message"
run dsar-export --external-id X-9 --location mitte
status 66 "unknown --external-id: 66"
run dsar-export --external-id K-1 --location nowhere
status 66 "unknown location: 66"
run dsar-export --request 999
status 66 "unknown --request: 66"
unchanged before_bad "unknown subjects: the database is unchanged (no audit entry)"
run dsar-export --customer abc
status 64 "--customer abc: usage error"
like "$(stderr)" "customer: not a positive whole number" "--customer abc: the reason"
run dsar-export --external-id K-1
status 64 "--external-id without --location: 64"
run dsar-export --location mitte
status 64 "--location alone: 64"
run dsar-export --customer "$E" --email erika@example.org
status 64 "two subjects: 64"
run dsar-export --customer "$E" subjects.ndjson
status 64 "a flag and operands: 64"
run dsar-export --customer "$E" -f xml
status 64 "unknown format: 64"
run dsar-export -o nodir --customer "$E"
status 66 "missing --output-dir: 66"
like "$(stderr)" "output-dir: no such directory: 'nodir'" "missing --output-dir: message"
run dsar-export missing.ndjson
status 66 "missing input file: 66"
unchanged before_bad "usage errors: the database is unchanged"

# --- streams -------------------------------------------------------------------
run sh -c 'privacyctl customer list --location mitte | dsar-export'
status 0 "dsar-export reads the output of privacyctl customer list"
is "$(jq_ 'd["subject"]["external_id"]' | tr '\n' ' ')" "K-1 K-2 K-3 " "one document per listed customer"
n=$(audits)
printf '{"customer_id":%s}\n{"customer_id":999}\n{"email":"nobody@example.org"}\n{"external_id":"K-3","location":"mitte"}\n' "$E" >s.ndjson
run dsar-export s.ndjson
status 1 "stream with unknown subjects: exit 1"
is "$(jq_ 'd["subject"]["external_id"]' | tr '\n' ' ')" "K-1 K-3 " "the known subjects are exported"
is "$(stderr)" "dsar-export: s.ndjson:2: no such customer: 999
dsar-export: s.ndjson:3: no customer with that e-mail address" "each unknown subject reported with file:line, no address"
is "$(audits)" "$((n + 1))" "one audit entry for the batch"
is "$(sql "SELECT object || ' ' || detail FROM audit ORDER BY id DESC LIMIT 1")" \
	"customers {\"to\":\"stdout\",\"count\":2,\"customer_ids\":[$E,$M]}" "the batch entry names the exported ids"
# a stream longer than one batch: an entry for each 1,024 subjects
n=$(audits)
awk -v id="$E" 'BEGIN { for (i = 0; i < 1025; i++) printf "{\"customer_id\":%s}\n", id }' >big.ndjson
run dsar-export -f ndjson big.ndjson
status 0 "a stream of 1,025 subjects"
is "$(grep -c '^{"format":"privacyctl-export/1"' "$out")" "1025" "  1,025 documents"
is "$(audits)" "$((n + 2))" "  two audit entries"
is "$(sql "SELECT coalesce(json_extract(detail, '\$.count'), 1) FROM audit
	WHERE action = 'customer.export' ORDER BY id DESC LIMIT 2" | tr '\n' ' ')" "1 1024 " \
	"  the first for 1,024 subjects, the second for the last one"
printf '{"customer_id":%s}\n{"name":"x"}\n{"customer_id":"-3"}\nnot json\n{"customer_id":%s}\n' "$O" "$M" >b.ndjson
run dsar-export b.ndjson
# one rule (issue 17, privacy(7)): a stream that goes on past its bad
# records ends "done, but some records failed", 1 (it was 65, on purpose)
status 1 "stream with bad records: exit 1, the rest is done"
is "$(summary)" '{"summary":{"program":"dsar-export","dry_run":false,"records":5,"exported":2,"failed":3}}' "the summary record counts them"
is "$(jq_ 'd["subject"]["external_id"]' | tr '\n' ' ')" "K-2 K-3 " "the good records are still exported"
like "$(stderr)" "b.ndjson:2: no subject" "record without a subject reported"
like "$(stderr)" "b.ndjson:3: customer_id: not a positive whole number" "bad customer_id reported with its field"
like "$(stderr)" "b.ndjson:4: " "malformed line reported with its line"
printf 'customer_id\n%s\n' "$O" >s.csv
run dsar-export s.csv
status 0 "CSV subject records"
is "$(jq_ 'd["subject"]["customer_id"]')" "$O" "CSV subject records read"
run dsar-export -f json s.csv
is "$(head -c1 "$out")" "[" "-f json for a stream: an array"

# The Art. 15 information is rendered once per language and copied into each
# compact document; pretty JSON (-f json) writes it field by field.  A stream
# mixing languages gives each document its location's text, the same as -f json.
printf '{"customer_id":%s}\n{"customer_id":%s}\n{"customer_id":%s}\n' "$E" "$N" "$M" >mix.ndjson
run dsar-export mix.ndjson
status 0 "stream over a German and an English location"
cp "$out" mix.out
is "$(jq_ 'd["information"]["language"]' | tr '\n' ' ')" "de en de " "each document in its location's language"
run dsar-export -f json mix.ndjson
status 0 "the same stream as -f json"
is "$(/usr/bin/python3 -c 'import json, sys
a = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
b = json.load(open(sys.argv[2], encoding="utf-8"))
print(len(a) == 4 and a == b and list(a[3]) == ["summary"])' mix.out "$out")" "True" "NDJSON documents (copied text) equal the -f json ones (written field by field), the summary last in both"
is "$(/usr/bin/python3 -c 'import json, sys
a = [json.loads(l)["information"] for l in open(sys.argv[1], encoding="utf-8") if "summary" not in json.loads(l)]
print(a[0] == a[2] != a[1] and len(a[1]["rights"]) == 8)' mix.out)" "True" "the English text is not the German one, and complete"

# --- CSV -----------------------------------------------------------------------
run dsar-export --customer "$E" -f csv
status 0 "-f csv"
is "$(head -1 "$out" | tr -d '\r')" "customer_id,section,record_id,field,value" "long format header"
/usr/bin/python3 - "$out" "$E" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))[1:]
cid = sys.argv[2]
d = {(r[1], r[2], r[3]): r[4] for r in rows}
assert all(r[0] == cid for r in rows), "customer_id on every row"
assert d[("customer", cid, "first_name")] == "Erika"
assert d[("customer", cid, "notes")] == "'=HYPERLINK(\"http://x\",\"klick\")", d[("customer", cid, "notes")]
assert d[("customer", cid, "phone")] == "'+49 30 123"
assert d[("document", "", "format")] == "privacyctl-export/1"
assert d[("information", "", "rights.7")].startswith("Beschwerde")
assert any(k[0] == "appointments" and k[2] == "service" and v == "Färben" for k, v in d.items())
assert any(k[0] == "invoices" and k[2] == "retained" and v == "false" for k, v in d.items())
assert any(k[0] == "consents" and k[2] == "evidence_ip" and v == "192.0.2.7" for k, v in d.items())
assert any(k[0] == "requests" and k[2] == "status" and v == "in-progress" for k, v in d.items())
for r in rows:
    for cell in r:
        assert not cell[:1] in ("=", "+", "-", "@", "\t", "\r"), "formula cell: %r" % cell
PY
ok $? "CSV: values in long form, every formula cell neutralised"
run dsar-export -c cfg.yaml --customer "$E" -f csv
like "$(stdout)" "customer,$E,notes.withheld,true" "CSV: trade secret withheld"
unlike "$(stdout)" "HYPERLINK" "CSV: no withheld content"

# --- output files ----------------------------------------------------------------
mkdir out
n=$(audits)
run dsar-export -o out --customer "$E"
status 0 "--output-dir"
f=out/customer-$E-2026-03-01.json
is "$(jq_ 'd["path"], d["format"], d["customer_id"]')" "('$f', 'ndjson', $E)" "one record with the file's path"
is "$(stat -c %a "$f")" "600" "the file is created 0600"
/usr/bin/python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).read()); assert d["subject"]["external_id"]=="K-1"' "$f"
ok $? "the file holds the document"
is "$(sql "SELECT detail FROM audit ORDER BY id DESC LIMIT 1")" '{"to":"file"}' "audited as written to a file, no path"
cp "$f" keep.json
n=$(audits)
run dsar-export -o out --customer "$E"
# a re-run on the same day is quiet (issue 17; it was 74 with a message,
# on purpose): the day's file stands, its record says "exists"
status 0 "a re-run on the same day: exit 0"
is "$(stderr)" "" "nothing on stderr"
is "$(jq_ 'd["path"], d["status"]')" "('$f', 'exists')" "the record says the file exists"
cmp -s "$f" keep.json; ok $? "the existing file is never overwritten"
is "$(audits)" "$n" "nothing exported again, nothing audited"
printf '{"customer_id":%s}\n{"customer_id":%s}\n' "$E" "$O" >two.ndjson
run dsar-export -o out -f csv two.ndjson
status 0 "--output-dir with CSV files for a stream"
is "$(ls out | tr '\n' ' ')" "customer-$E-2026-03-01.csv customer-$E-2026-03-01.json customer-$O-2026-03-01.csv " "one file per subject"
run dsar-export -o out two.ndjson
status 0 "stream into existing files: exit 0 (it was 1, on purpose)"
is "$(stderr)" "" "no error for the existing file"
is "$(jq_ 'd["customer_id"], d["status"]' | tr '\n' ' ')" "($E, 'exists') ($O, 'written') " "each record says exists or written"
is "$(summary)" '{"summary":{"program":"dsar-export","dry_run":false,"records":2,"exported":1,"exists":1,"failed":0}}' "the summary counts both"
is "$(ls out | wc -l)" "4" "the new one written, the existing one kept"
run dsar-export -o out two.ndjson
status 0 "the same stream again: exit 0"
is "$(stderr)" "" "quiet"
is "$(summary)" '{"summary":{"program":"dsar-export","dry_run":false,"records":2,"exported":0,"exists":2,"failed":0}}' "nothing exported twice"
# a directory given with trailing slashes ("exports/", as the shell
# completes it): the paths have one slash, not "exports//x.json"
mkdir slashed
run dsar-export -o slashed// -f csv --customer "$E"
status 0 "--output-dir with trailing slashes"
is "$(stdout | tr -d '\r')" "customer_id,path,format,status
$E,slashed/customer-$E-2026-03-01.csv,csv,written" "the path has one slash"
is "$(ls slashed)" "customer-$E-2026-03-01.csv" "the file is in the directory"
run dsar-export -o "$SCRATCH/slashed/" --customer "$E"
is "$(jq_ 'd["path"]')" "$SCRATCH/slashed/customer-$E-2026-03-01.json" "an absolute directory with a trailing slash"

# --- a subject with nothing but a consent record ------------------------------
run dsar-export --customer "$O"
status 0 "export a subject who has only a consent"
is "$(jq_ 'len(d["data"]["appointments"]), len(d["data"]["invoices"]), len(d["data"]["requests"]), [(c["purpose"], c["event"], c["source"]) for c in d["data"]["consents"]]')" \
	"(0, 0, 0, [('marketing-sms', 'granted', 'staff')])" "empty sections are empty arrays, the consent is there"

# --- retained invoices after an erasure -----------------------------------------
head -c 32 /dev/urandom >"$PRIVACY_DB.key"
chmod 600 "$PRIVACY_DB.key"
ref=$(/usr/bin/python3 -c 'import hmac, hashlib, sys
print(hmac.new(open(sys.argv[1], "rb").read(), b"external_id:mitte:K-3", hashlib.sha256).hexdigest())' "$PRIVACY_DB.key")
sql "INSERT INTO retained (location_id, kind, record_key, record_date, data, basis, retain_until, subject_ref, created_at)
 SELECT id, 'invoices', 'RE-2019-7', '2019-05-02', '{\"number\":\"RE-2019-7\",\"total_cents\":1200}', '§ 147 AO', '2027-12-31', '$ref', '2025-01-01T00:00:00Z' FROM locations WHERE slug = 'mitte';
 INSERT INTO retained (location_id, kind, record_key, record_date, data, basis, retain_until, subject_ref, created_at)
 SELECT id, 'invoices', 'RE-OTHER', '2019-05-02', '{}', '§ 147 AO', '2027-12-31', 'feed', '2025-01-01T00:00:00Z' FROM locations WHERE slug = 'mitte'"
run dsar-export --customer "$M"
status 0 "export a subject with retained invoices"
is "$(jq_ '[(i["number"], i["issued_on"], i["retained"], i["basis"], i["retain_until"], i["data"]) for i in d["data"]["invoices"]]')" \
	"[('RE-2019-7', '2019-05-02', True, '§ 147 AO', '2027-12-31', {'number': 'RE-2019-7', 'total_cents': 1200})]" "retained invoices of the subject, marked as such; no one else's"

# --- an erased subject: only what is retained ---------------------------------
ref9=$(/usr/bin/python3 -c 'import hmac, hashlib, sys
print(hmac.new(open(sys.argv[1], "rb").read(), b"external_id:mitte:K-9", hashlib.sha256).hexdigest())' "$PRIVACY_DB.key")
sql "INSERT INTO retained (location_id, kind, record_key, record_date, data, basis, retain_until, subject_ref, created_at)
 SELECT id, 'invoices', 'RE-2020-9', '2020-07-01', '{\"number\":\"RE-2020-9\",\"billing_name\":\"Ex Kundin\"}', '§ 147 AO', '2028-12-31', '$ref9', '2025-01-01T00:00:00Z' FROM locations WHERE slug = 'mitte'"
datadump >before.data
run dsar-export --external-id K-9 --location mitte
status 0 "an erased subject with retained invoices can still be exported"
is "$(jq_ 'd["subject"]')" "{'customer_id': None, 'location': 'mitte', 'external_id': 'K-9', 'erased': True}" "subject: erased, no customer id"
is "$(jq_ 'd["data"]["customer"], d["data"]["appointments"], [(i["number"], i["retained"], i["data"]["billing_name"]) for i in d["data"]["invoices"]]')" \
	"(None, [], [('RE-2020-9', True, 'Ex Kundin')])" "only the retained invoice"
is "$(jq_ 'len(d["information"]["rights"])')" "8" "with the Art. 15(1) information"
is "$(sql "SELECT object || ' ' || detail FROM audit ORDER BY id DESC LIMIT 1")" \
	'location:mitte {"to":"stdout","erased_subject":true,"retained":1}' "audited without the external id"
datadump >after.data
cmp -s before.data after.data; ok $? "erased export: the data is unchanged"
run dsar-export --external-id K-8 --location mitte
status 66 "an external id with nothing retained: 66"
is "$(stderr)" "dsar-export: no such customer with that external id at 'mitte'" "the same answer as for someone never known"
printf '{"external_id":"K-9","location":"mitte"}\n{"external_id":"K-8","location":"mitte"}\n' >er.ndjson
run dsar-export er.ndjson
status 1 "stream: erased subject exported, unknown one reported"
is "$(jq_ 'd["subject"]["erased"]')" "True" "stream: the erased subject's document"
mkdir erout
run dsar-export -o erout -f csv --external-id K-9 --location mitte
status 0 "erased subject into a file"
like "$(sed -n 2p "$out" | tr -d '\r')" "^,mitte,true,erout/erased-mitte-[0-9a-f]{16}-2026-03-01.csv,csv,written$" "named by a keyed tag, not the external id"
like "$(sed -n 2p erout/*.csv)" "^,document,,format," "CSV rows of an erased subject have no customer id"

# --- 10,000 appointments ---------------------------------------------------------
/usr/bin/python3 -c 'print("external_id,customer_external_id,starts_at,service")
for i in range(10000):
    print("B-%d,K-3,2020-01-01T%02d:%02d:00Z,Schnitt" % (i, i // 60 % 24, i % 60))' >many.csv
privacyctl appointment import --location mitte many.csv >/dev/null
run dsar-export --customer "$M"
status 0 "export a subject with 10,000 appointments"
is "$(jq_ 'len(d["data"]["appointments"])')" "10000" "all 10,000 appointments"
run dsar-export --customer "$M" -f csv
is "$(grep -c ',appointments,.*,service,Schnitt' "$out")" "10000" "all 10,000 in CSV"

# --- the examples of the man page ------------------------------------------------
run dsar-export --customer 1 -f json
status 0 "man example 1"
run sh -c 'dsar-export --email erika@example.org --location mitte -f csv >erika.csv'
status 0 "man example 2"
like "$(sed -n 2p erika.csv)" "^$E,document,,format,privacyctl-export/1" "man example 2 writes the CSV"
rm -rf out
run sh -c 'mkdir -p out && privacyctl customer list --location mitte | dsar-export -o out'
status 0 "man example 3"
is "$(ls out | wc -l)" "3" "man example 3: a file per customer of the location"

done_testing
