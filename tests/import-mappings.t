#!/bin/bash
# Imports through mapping files (issue 20): each shipped mapping with its
# sample in examples/, custom attributes kept per customer and appointment,
# in the Art. 15 export (and withheld as trade secrets), erased, anonymised
# or retained by the retention policy, never in the audit log; a stand-in
# key for files without an external id; the errors of mapping files.
. "$(dirname "$0")/lib.sh"
export PRIVACY_NOW=2026-11-29T12:00:00Z
EX="$TOP/examples"

privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null

# --- de-excel: semicolons, Windows-1252, German dates, decimal commas ----
run privacyctl customer import --map de-excel "$EX/de-excel/kunden.csv"
status 0 "de-excel: customers (Windows-1252, ';') through the shipped mapping"
is "$(jget inserted <"$out") $(jget consents_granted <"$out")" "3 2" "  three customers, two opt-ins ('ja')"
is "$(sql "SELECT external_id || '|' || first_name || '|' || last_name || '|' || birth_date || '|' || notes
	FROM customers WHERE external_id = '10001'")" \
	"10001|Hannelore|Böhm|1975-03-14|Mag keine Hitze; kühles Wasser" "  umlauts, German date, a quoted ';'"
is "$(sql "SELECT birth_date FROM customers WHERE external_id = '10003'")" "1999-02-01" "  1.2.99 is 1999"
is "$(sql "SELECT c.external_id || ' ' || k.at FROM consents k JOIN customers c ON c.id = k.customer_id ORDER BY 1")" \
	"10001 2016-04-02T00:00:00Z
10003 2021-06-01T00:00:00Z" "  'Newsletter seit' is the grant's date"
is "$(sql "SELECT c.external_id || ' ' || a.name || '=' || a.value FROM customer_attributes a
	JOIN customers c ON c.id = a.customer_id ORDER BY 1")" \
	"10001 colour_formula=6/0 + 7% Oxid
10001 skin_type=normal
10002 allergies=Duftstoffe
10002 skin_type=trocken
10003 allergies=PPD, Nickel
10003 colour_formula=8/1 Aschblond
10003 skin_type=empfindlich" "  the custom columns are kept per customer (empty cells are not)"
run privacyctl appointment import --map de-excel "$EX/de-excel/termine.csv"
status 0 "de-excel: appointments"
is "$(sql "SELECT external_id || ' ' || starts_at || ' ' || price_cents FROM appointments ORDER BY 1")" \
	"T-1501 2019-02-01T09:00:00Z 3500
T-1502 2025-10-12T12:30:00Z 8950
T-1503 2026-09-03T07:00:00Z 112000" "  local times in Europe/Berlin, '1.120,00' is 112000 cents"
is "$(sql "SELECT group_concat(value, ',') FROM (SELECT value FROM appointment_attributes ORDER BY appointment_id)")" \
	"kurz,lang,schulterlang" "  the custom column per appointment"
run privacyctl invoice import --map de-excel "$EX/de-excel/rechnungen.csv"
status 0 "de-excel: invoices"
is "$(sql "SELECT number || ' ' || issued_on || ' ' || total_cents FROM invoices ORDER BY 1")" \
	"RE-2019-1001 2019-02-01 3500
RE-2025-1412 2025-10-12 8950" "  German dates and decimal commas"
for f in kunden:customer termine:appointment rechnungen:invoice; do
	run privacyctl ${f#*:} import --map de-excel "$EX/de-excel/${f%:*}.csv"
	is "$(jget unchanged <"$out") $(jget changed <"$out")" "$(sql "SELECT count(*) FROM ${f#*:}s") false" \
		"de-excel: the ${f%:*}.csv again changes nothing"
done

# an attribute changes or goes: the row counts as updated
iconv -f windows-1252 -t utf-8 "$EX/de-excel/kunden.csv" |
	sed 's#6/0 + 7% Oxid#6/1 + 9% Oxid#; s#;trocken;Duftstoffe;#;trocken;;#' |
	iconv -f utf-8 -t windows-1252 >kunden2.csv
run privacyctl customer import --map de-excel kunden2.csv
status 0 "a changed and an emptied attribute"
is "$(jget updated <"$out") $(jget unchanged <"$out")" "2 1" "  two customers updated"
is "$(sql "SELECT count(*) FROM customer_attributes WHERE name = 'allergies'")" 1 "  an empty cell removes the attribute"
is "$(sql "SELECT value FROM customer_attributes WHERE name = 'colour_formula' ORDER BY 1 LIMIT 1")" \
	"6/1 + 9% Oxid" "  the changed value is stored"
privacyctl customer import --map de-excel "$EX/de-excel/kunden.csv" >/dev/null

# --- generic-template: no external id, the e-mail address is the key ----
run privacyctl customer import --map generic-template "$EX/generic-template/clients.csv"
status 0 "generic-template: clients without an external id"
is "$(stderr)" "privacyctl: $EX/generic-template/clients.csv:1: external_id: no external id in the file: the mapping's key 'email' stands in (a changed email makes a new customer)" \
	"  one warning, at the header"
is "$(sql "SELECT external_id || '|' || phone || '|' || birth_date FROM customers WHERE email = 'lena.fischer@example.org'")" \
	"lena.fischer@example.org|+49 170 1112223|1980-12-31" "  mobile is the phone, birthday a date, the address is the key"
is "$(sql "SELECT c.email || ' ' || k.event || ' ' || k.at FROM consents k JOIN customers c ON c.id = k.customer_id
	WHERE c.email LIKE '%example.org' ORDER BY 1")" \
	"ayse.yilmaz@example.org granted 2026-11-29T12:00:00Z
lena.fischer@example.org granted 2024-03-15T00:00:00Z" \
	"  newsletter_status 'subscribed' is an opt-in at newsletter_date; 'unsubscribed' none, its date dropped"
run privacyctl customer import --map "$TOP/mappings/generic-template.yaml" "$EX/generic-template/clients.csv"
status 0 "--map FILE"
is "$(jget unchanged <"$out")" 3 "  the same three, unchanged"

# --- the export, trade secrets, the audit log ---------------------------
cid=$(sql "SELECT id FROM customers WHERE external_id = '10003'")
run dsar-export --customer "$cid" -f json
status 0 "export of a customer with custom attributes"
/usr/bin/python3 - "$out" >got.txt <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))["data"]
print(json.dumps(d["customer"]["attributes"], sort_keys=True, ensure_ascii=False))
print(json.dumps([a.get("attributes") for a in d["appointments"]], ensure_ascii=False))
EOF
is "$(cat got.txt)" '{"allergies": "PPD, Nickel", "colour_formula": "8/1 Aschblond", "skin_type": "empfindlich"}
[{"hair_length": "schulterlang"}]' "  the customer's and the appointment's attributes are in the Art. 15 document"
# appointments without attributes before and after the one with them: each
# keeps its own (dsar-export asks once per customer whether any has some)
loc=$(sql "SELECT location_id FROM customers WHERE id = $cid")
sql "INSERT INTO appointments (location_id, customer_id, external_id, starts_at)
	VALUES ($loc, $cid, 'T-x1', '2018-01-05T09:00:00Z'),
	       ($loc, $cid, 'T-x2', '2026-11-01T09:00:00Z')"
run dsar-export --customer "$cid" -f json
status 0 "export of the customer with three appointments"
/usr/bin/python3 - "$out" >got.txt <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))["data"]
print(json.dumps([[a["external_id"], a.get("attributes")] for a in d["appointments"]],
                 ensure_ascii=False))
EOF
is "$(cat got.txt)" '[["T-x1", null], ["T-1503", {"hair_length": "schulterlang"}], ["T-x2", null]]' \
	"  only the appointment with attributes has them"
other=$(sql "SELECT id FROM customers WHERE external_id = '10001'")
sql "DELETE FROM appointment_attributes WHERE appointment_id =
	(SELECT id FROM appointments WHERE external_id = 'T-1501')"
run dsar-export --customer "$other" -f json
status 0 "export of a customer whose appointments have no attributes"
/usr/bin/python3 - "$out" >got.txt <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))["data"]
print(len(d["appointments"]), sum("attributes" in a for a in d["appointments"]))
EOF
is "$(cat got.txt)" "1 0" "  its appointment has no attributes member"
sql "DELETE FROM appointments WHERE external_id IN ('T-x1', 'T-x2');
	INSERT INTO appointment_attributes (appointment_id, name, value)
	SELECT id, 'hair_length', 'kurz' FROM appointments WHERE external_id = 'T-1501'"
cat >cfg.yaml <<'EOF'
trade_secrets:
  - customers.attributes.colour_formula
  - appointments.attributes.hair_length
EOF
run dsar-export -c cfg.yaml --customer "$cid" -f csv
status 0 "export with attributes named in trade_secrets"
like "$(stdout)" "attributes.colour_formula.withheld,true" "  the colour formula is withheld"
unlike "$(stdout)" "Aschblond" "  its value is not there"
like "$(stdout)" "attributes.allergies,\"PPD, Nickel\"" "  the others are"
like "$(stdout)" "attributes.hair_length.withheld,true" "  an appointment's attribute is withheld too"
is "$(sql "SELECT count(*) FROM audit WHERE detail LIKE '%Aschblond%' OR detail LIKE '%Nickel%'
	OR detail LIKE '%colour%' OR object LIKE '%Nickel%'")" 0 "no attribute name or value in the audit log"

# --- erasure, anonymisation, retention ----------------------------------
run dsar-erase --customer "$cid"
status 0 "erase the customer"
is "$(sql "SELECT count(*) FROM customer_attributes WHERE customer_id = $cid")" 0 "  the customer's attributes are gone"
is "$(sql "SELECT count(*) FROM appointment_attributes a LEFT JOIN appointments p ON p.id = a.appointment_id
	WHERE p.id IS NULL")" 0 "  the appointment's too"
sqlite3 "$PRIVACY_DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
! grep -a -q -e "Aschblond" -e "PPD, Nickel" "$PRIVACY_DB" "$PRIVACY_DB-wal" 2>/dev/null
ok $? "  and no copy of their values in the database file or its WAL"

cid=$(sql "SELECT id FROM customers WHERE external_id = '10002'")
cat >cfg.yaml <<'EOF'
retention:
  appointments:
    action: retain
    years: 2
    basis: "test: kept with their attributes"
EOF
run dsar-erase -c cfg.yaml --customer "$cid"
status 0 "erase with appointments retained"
is "$(sql "SELECT json_extract(data, '$.attributes.hair_length') FROM retained WHERE kind = 'appointments'")" \
	"lang" "  the retained appointment keeps its attributes"
is "$(sql "SELECT count(*) FROM appointment_attributes")" 1 "  the original rows are gone (one customer left)"
cid=$(sql "SELECT id FROM customers WHERE external_id = '10001'")
printf 'retention:\n  appointments:\n    action: anonymise\n' >cfg.yaml
run dsar-erase -c cfg.yaml --customer "$cid"
status 0 "erase with appointments anonymised"
is "$(sql "SELECT count(*) FROM appointments WHERE customer_id IS NULL") $(sql "SELECT count(*) FROM appointment_attributes")" \
	"1 0" "  the anonymised appointment loses its attributes"

# --- attribute values are data: SQL metacharacters kept, formulas
# neutralised in CSV output; NDJSON goes through the mapping too --------
printf '%s\n' '{"email":"sql@example.org","first_name":"Q","skin_type":"x'"'"'); DROP TABLE customers; --"}' \
	'{"email":"formula@example.org","first_name":"F","skin_type":"=HYPERLINK(\"http://x\")"}' >attrs.ndjson
run privacyctl customer import --map generic-template attrs.ndjson
status 0 "NDJSON through a mapping"
is "$(sql "SELECT value FROM customer_attributes a JOIN customers c ON c.id = a.customer_id
	WHERE c.email = 'sql@example.org'")" "x'); DROP TABLE customers; --" "  SQL metacharacters stored as given"
run dsar-export --email formula@example.org -f csv
like "$(stdout)" "attributes.skin_type,\"'=HYPERLINK" "  a formula in an attribute is neutralised in CSV"

# --- the README's commands and privacy-mapping(5)'s EXAMPLES, as written --
(cd "$TOP" && grep '^    privacyctl .* --map ' README.md | sed 's/^    //') >readme.sh
is "$(wc -l <readme.sh)" 3 "the README has three --map commands"
(cd "$TOP" && bash -e "$SCRATCH/readme.sh") >readme.out 2>readme.err
ok $? "  they run"
awk '/^\.Bd -literal/ { on = 1; next } /^\.Ed/ { on = 0 } on' "$TOP/man/privacy-mapping.5" >my-salon.yaml
printf 'Kd-Nr;Vorname;Name;Handy;Geb.-Datum;Newsletter;Farbrezeptur;Bild\nM-1;Ida;Kranz;0170 1;3.4.1990;ja;5/0;x.jpg\n' |
	iconv -f utf-8 -t windows-1252 >kunden.csv
cmd=$(sed -n 's/^\.Dl //p' "$TOP/man/privacy-mapping.5")
is "$cmd" "privacyctl customer import --location mitte --map ./my-salon.yaml kunden.csv" "the man page's example command"
run $cmd
status 0 "  it runs with the man page's mapping"
is "$(sql "SELECT c.birth_date || ' ' || a.value FROM customers c JOIN customer_attributes a ON a.customer_id = c.id
	WHERE c.external_id = 'M-1'")" "1990-04-03 5/0" "  and maps what it says"

# --- errors -------------------------------------------------------------
snapshot before
run privacyctl customer import --map no-such-system "$EX/de-excel/kunden.csv"
status 66 "an unknown mapping: 66"
like "$(stderr)" "no such mapping: 'no-such-system' \(see privacy-mapping\(5\)\)" "  named"
run privacyctl consent import --map de-excel /dev/null
status 64 "consent import has no --map"
printf 'customers:\n  columns:\n    Kundennr: {field: shoe_size}\n' >bad.yaml
run privacyctl customer import --map ./bad.yaml "$EX/de-excel/kunden.csv"
status 78 "a mapping to a column we do not have: 78"
like "$(stderr)" "bad.yaml:3: Kundennr: no such column of customers import: 'shoe_size'" "  file:line and the column"
printf 'customers:\n  columns:\n    Nr: external_id\n  colums: {}\n' >bad.yaml
run privacyctl customer import --map ./bad.yaml "$EX/de-excel/kunden.csv"
status 78 "a misspelt key: 78"
like "$(stderr)" "bad.yaml:4: colums: unknown key" "  named with its line"
printf 'customers:\n  columns:\n    Nr: {custom: "Farbe!"}\n' >bad.yaml
run privacyctl customer import --map ./bad.yaml "$EX/de-excel/kunden.csv"
status 78 "a custom name that could not be named in trade_secrets: 78"
run privacyctl invoice import --map generic-template "$EX/de-excel/rechnungen.csv"
status 64 "a mapping without invoices: 64"
like "$(stderr)" "mapping 'generic-template' has no invoices" "  said so"
unchanged before "bad mappings change nothing"

printf 'first_name,email,newsletter_status,shoe_size\nOtto,otto@example.org,maybe,44\n' >odd.csv
printf 'customers:\n  key: email\n  columns:\n    first_name: first_name\n    email: email\n    newsletter_status:\n      field: marketing_email\n      values: {subscribed: "yes", unsubscribed: "no"}\n' >strict.yaml
run privacyctl customer import --map ./strict.yaml odd.csv
status 65 "a value the mapping does not list, an unmapped column: 65"
like "$(stderr)" "odd.csv:1: shoe_size: unknown column" "  the unmapped column at the header"
like "$(stderr)" "odd.csv:2: newsletter_status: a value the mapping does not list" "  the value by row and source column"
unlike "$(stderr)" "maybe" "  without the value"
unchanged before "  nothing imported"
printf 'Terminnummer;Kundennummer;Beginn;Preis\nT-9;10001;01.02.2027 10:00;zehn Euro\n' | iconv -f utf-8 -t windows-1252 >preis.csv
run privacyctl appointment import --map de-excel preis.csv
status 65 "an amount that is not one: 65"
like "$(stderr)" "preis.csv:2: Preis: not an amount \(1.234,50 or 1234.50\)" "  named"
unchanged before "  nothing imported"

# PRIVACY_MAPPINGS is looked in first
mkdir maps
sed 's/Vorname: first_name/Rufname: first_name/' "$TOP/mappings/de-excel.yaml" >maps/de-excel.yaml
PRIVACY_MAPPINGS=$PWD/maps run privacyctl customer import -n --map de-excel "$EX/de-excel/kunden.csv"
status 65 "PRIVACY_MAPPINGS: its de-excel is used"
like "$(stderr)" "kunden.csv:1: column 2: unknown column" "  (which has no Vorname: named by position, as a name that is not ours might be data)"

done_testing
