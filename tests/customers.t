#!/bin/bash
# privacyctl customer import|list|show, appointment import, invoice import
. "$(dirname "$0")/lib.sh"
export PRIVACY_NOW=2026-11-29T12:00:00Z
EX="$TOP/examples/salon"

privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null

run privacyctl customer import "$EX/customers.csv"
status 0 "import the sample salon's customers"
is "$(jget inserted <"$out") $(jget unchanged <"$out") $(jget consents_granted <"$out")" "5 0 3" "summary: 5 inserted, 3 opt-ins recorded"
is "$(sql "SELECT count(*) FROM customers")" "5" "five customers stored"
is "$(sql "SELECT first_name || ' ' || last_name FROM customers WHERE external_id = 'K-1002'")" "Änne Schröder" "umlauts stored as given"
is "$(sql "SELECT event || ' ' || at || ' ' || source FROM consents k JOIN customers c ON c.id = k.customer_id WHERE c.external_id = 'K-1001'")" \
	"granted 2016-04-02T00:00:00Z booking-form" "an opt-in column becomes a ledger grant"
is "$(sql "SELECT action || ' ' || detail FROM audit ORDER BY id DESC LIMIT 1")" \
	'customers.import {"inserted":5,"updated":0,"unchanged":0,"rejected":0,"skipped":0,"consents_granted":3,"consents_withdrawn":0}' \
	"the import is audited with counts only"

snapshot after_import
run privacyctl customer import "$EX/customers.csv"
status 0 "re-import of the same file"
is "$(jget inserted <"$out") $(jget updated <"$out") $(jget unchanged <"$out") $(jget changed <"$out")" "0 0 5 false" "a re-import changes nothing and says so"
is "$(sql "SELECT count(*) FROM consents")" "3" "no second ledger event on re-import"

# an update of one field
sed 's/^K-1003,Björn,Größmann,bjoern@example.de/K-1003,Björn,Größmann,bjoern.g@example.de/' "$EX/customers.csv" >changed.csv
PRIVACY_NOW=2026-11-30T08:00:00Z run privacyctl customer import changed.csv
status 0 "import with one changed row"
is "$(jget updated <"$out") $(jget unchanged <"$out")" "1 4" "one updated, four unchanged"
is "$(sql "SELECT email || ' ' || created_at || ' ' || updated_at FROM customers WHERE external_id = 'K-1003'")" \
	"bjoern.g@example.de 2026-11-29T12:00:00Z 2026-11-30T08:00:00Z" "the update is stored, created_at kept"
privacyctl customer import "$EX/customers.csv" >/dev/null

run privacyctl appointment import "$EX/appointments.csv"
status 0 "import appointments"
is "$(jget inserted <"$out")" "4" "four appointments"
is "$(sql "SELECT starts_at FROM appointments WHERE external_id = 'T-5001'")" "2019-02-01T09:00:00Z" "times stored in UTC"
run privacyctl invoice import "$EX/invoices.csv"
status 0 "import invoices"
is "$(sql "SELECT number || ' ' || total_cents || ' ' || currency FROM invoices ORDER BY number LIMIT 1")" "RE-2019-0001 3500 EUR" "invoice stored"
run privacyctl invoice import "$EX/invoices.csv"
is "$(jget unchanged <"$out")" "3" "invoice re-import unchanged"

# --- values round-trip byte for byte -------------------------------------
cat >rt.csv <<'CSV'
external_id,first_name,last_name,email,notes,street,city
RT-1,"Anna ""Nanni""","Mé, Lüdenscheid",rt1@example.org,"line one
line two, with comma","=SUM(A1:A2)",+49 Stadt
RT-2,@handle,-minus,rt2@example.org,Emoji 🎉💇‍♀️ und ß,"Straße ""7""",Köln
CSV
run privacyctl customer import rt.csv
status 0 "import the round-trip rows"
/usr/bin/python3 - "$PRIVACY_DB" <<'PY' >rt.want
import csv, json, sys
rows = list(csv.DictReader(open("rt.csv", newline="", encoding="utf-8")))
print(json.dumps(rows, ensure_ascii=False))
PY
ok=0
for x in RT-1 RT-2; do
	id=$(sql "SELECT id FROM customers WHERE external_id = '$x'")
	privacyctl customer show "$id" -f json >"show-$x.json" || ok=1
	privacyctl customer show "$id" -f csv >"show-$x.csv" || ok=1
done
/usr/bin/python3 - <<'PY'
import csv, json, sys
want = {r["external_id"]: r for r in csv.DictReader(open("rt.csv", newline="", encoding="utf-8"))}
bad = 0
for x, w in want.items():
    j = json.load(open("show-%s.json" % x, encoding="utf-8"))
    c = list(csv.DictReader(open("show-%s.csv" % x, newline="", encoding="utf-8")))[0]
    for k, v in w.items():
        if j[k] != v:
            print("# json %s %s: %r != %r" % (x, k, j[k], v)); bad = 1
        cv = c[k]
        if v[:1] in "=+-@":
            if cv != "'" + v:
                print("# csv %s %s: %r not neutralised" % (x, k, cv)); bad = 1
        elif cv != v:
            print("# csv %s %s: %r != %r" % (x, k, cv, v)); bad = 1
sys.exit(bad)
PY
ok $? "CSV in: show -f json gives every value back exactly, -f csv too (formulas neutralised)"
printf '%s\n' '{"external_id":"RT-3","notes":"tab\tquote\" backslash\\ nl\n😀","first_name":"=1+1","location":"mitte"}' >rt.ndjson
run privacyctl customer import rt.ndjson
status 0 "import NDJSON"
id=$(sql "SELECT id FROM customers WHERE external_id = 'RT-3'")
run privacyctl customer show "$id" -f json
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d["notes"]=="tab\tquote\" backslash\\ nl\n\U0001F600" and d["first_name"]=="=1+1"))' "$out"
ok $? "JSON in: show -f json gives it back exactly"
run privacyctl customer show "$id" -f csv
like "$(stdout)" "RT-3,'=1\+1," "a formula is neutralised on CSV output only"
privacyctl customer import rt.ndjson >/dev/null
is "$(sql "SELECT count(*) FROM audit WHERE action = 'customers.import'")" "7" "every import run is audited"

# --- bad input: every case its message, 65, database unchanged ------------
snapshot before
bad() { # name file field-regex
	run privacyctl customer import "$2"
	status 65 "$1: exit 65"
	like "$(stderr)" "$3" "$1: message"
	like "$(stderr)" "bad rows?: nothing imported" "$1: nothing imported"
	unchanged before "$1: database unchanged"
}
printf 'external_id,first_name,birth_date\nB-1,Otto,1990-02-30\n' >date.csv
bad "impossible date" date.csv "^privacyctl: date.csv:2: birth_date: not a date \(YYYY-MM-DD, DD.MM.YYYY, D.M.YY; others with --date-format\)$"
printf 'external_id,birth_date\nB-1,30.02.1990\n' >date2.csv
bad "impossible German date" date2.csv "date2.csv:2: birth_date: not a date"
printf 'external_id,email\nB-1,otto(at)example.org\n' >mail.csv
bad "bad e-mail address" mail.csv "^privacyctl: mail.csv:2: email: not a valid e-mail address$"
unlike "$(stderr)" "otto" "the bad address is not echoed"
printf 'external_id,first_name,shoe_size\nB-1,Otto,44\n' >col.csv
bad "unknown column" col.csv "^privacyctl: col.csv:1: shoe_size: unknown column$"
printf 'external_id,first_name\nB-1,Otto\nB-2,Ida\nB-1,Otto\n' >dup.csv
bad "duplicate key" dup.csv "^privacyctl: dup.csv:4: external_id: duplicate key within the input$"
printf 'external_id,first_name\n,Otto\n' >miss.csv
bad "missing required field" miss.csv "miss.csv:2: external_id: missing"
printf 'external_id,first_name\nB-1,Ot\377to\n' >utf.csv
bad "invalid UTF-8" utf.csv "utf.csv:2: .*UTF-8"
printf 'external_id,marketing_email\nB-1,ja\n' >yn.csv
bad "marketing_email not yes/no" yn.csv "yn.csv:2: marketing_email: must be yes or no"
printf 'external_id,marketing_email,marketing_opt_in_at\nB-1,yes,2017-13-01\n' >optin.csv
bad "bad opt-in date" optin.csv "optin.csv:2: marketing_opt_in_at: not an RFC 3339 time or date"
printf 'external_id,location\nB-1,nowhere\n' >loc.csv
bad "unknown location" loc.csv "loc.csv:2: location: no such location: 'nowhere'"
printf '{"external_id":"B-1","first_name":"Otto"}\n{"external_id":"B-2","birth_date":"2001-02-29"}\n' >bad.ndjson
bad "bad date in NDJSON" bad.ndjson "^privacyctl: bad.ndjson:2: birth_date: not a date"
printf 'external_id,email,birth_date\nB-1,x@,1990-01-01\nB-2,ok@example.org,1990-01-01\nB-3,ok3@example.org,19900101\n' >many.csv
run privacyctl customer import many.csv
status 65 "several bad rows: exit 65"
is "$(grep -c 'many.csv:[0-9]*:' "$err")" "2" "every bad row is reported"
like "$(stderr)" "2 bad rows: nothing imported" "the count is given"
unchanged before "several bad rows: nothing imported, not even the good one"

printf 'customer_external_id,external_id,starts_at\nK-9999,T-1,2026-01-01T10:00:00Z\n' >ref.csv
run privacyctl appointment import ref.csv
status 65 "appointment of an unknown customer: 65"
like "$(stderr)" "^privacyctl: ref.csv:2: customer_external_id: unknown customer" "unknown customer reference reported"
unchanged before "unknown reference: database unchanged"
printf 'customer_external_id,external_id,starts_at\nK-1001,T-1,2026-01-01 25:00\n' >time.csv
run privacyctl appointment import time.csv
status 65 "appointment with a bad time: 65"
like "$(stderr)" "time.csv:2: starts_at: not an RFC 3339 time" "bad time reported"
printf 'number,customer_external_id,issued_on,total_cents\nRE-1,K-1001,2026-01-01,12.50\n' >cents.csv
run privacyctl invoice import cents.csv
status 65 "invoice with a decimal amount: 65"
like "$(stderr)" "cents.csv:2: total_cents: not a whole number of cents" "bad amount reported"
printf 'number,customer_external_id,issued_on,total_cents\nRE-1,K-4711,2026-01-01,1250\n' >iref.csv
run privacyctl invoice import iref.csv
status 65 "invoice of an unknown customer: 65"
like "$(stderr)" "iref.csv:2: customer_external_id: unknown customer" "unknown customer reported"
unchanged before "bad appointments and invoices: database unchanged"

# --skip-invalid
run privacyctl customer import --skip-invalid many.csv
status 1 "--skip-invalid: exit 1"
is "$(jget inserted <"$out") $(jget rejected <"$out")" "1 2" "the valid row imported, two rejected"
is "$(sql "SELECT count(*) FROM customers WHERE external_id LIKE 'B-%'")" "1" "only the valid row is stored"
like "$(stderr)" "many.csv:2: email" "the rejected rows are still reported"

# dry run
snapshot before_dry
printf 'external_id,first_name\nD-1,Dora\n' >dry.csv
run privacyctl customer import -n dry.csv
status 0 "dry run"
is "$(jget inserted <"$out") $(jget dry_run <"$out")" "1 true" "dry run counts"
unchanged before_dry "dry run changes nothing"

# location: several locations need one
privacyctl location add nord --name "Studio Nord" >/dev/null
snapshot before_loc
run privacyctl customer import dry.csv
status 65 "no location with several locations: 65"
like "$(stderr)" "^privacyctl: dry.csv:1: location: no location column: there are 2 locations: name one with --location$" "missing location reported once, at the header"
run privacyctl customer import --location nord dry.csv
status 0 "--location"
is "$(sql "SELECT l.slug FROM customers c JOIN locations l ON l.id = c.location_id WHERE external_id = 'D-1'")" "nord" "stored in the named location"
run privacyctl customer import --location nowhere dry.csv
status 66 "--location of an unknown location: 66"

# The import remembers customer ids by external id (per location): the same
# external id in two locations names two customers, rows alternating between them.
printf 'external_id,first_name,location\nX-1,Mia,mitte\nX-1,Nils,nord\n' >x.csv
run privacyctl customer import x.csv
status 0 "the same external id in two locations"
printf 'external_id,customer_external_id,starts_at,location\nXA-1,X-1,2026-01-01T10:00:00Z,mitte\nXA-1,X-1,2026-01-02T10:00:00Z,nord\nXA-2,X-1,2026-01-03T10:00:00Z,mitte\nXA-2,X-1,2026-01-04T10:00:00Z,nord\nXA-3,X-9,2026-01-05T10:00:00Z,nord\n' >xa.csv
run privacyctl appointment import --skip-invalid xa.csv
status 1 "appointments of both, and one of an unknown customer"
like "$(stderr)" "xa.csv:6: customer_external_id: unknown customer" "the unknown one reported"
is "$(sql "SELECT a.external_id || ' ' || l.slug || ' ' || c.first_name FROM appointments a JOIN customers c ON c.id = a.customer_id JOIN locations l ON l.id = a.location_id WHERE a.external_id LIKE 'XA-%' ORDER BY a.starts_at" | tr '\n' ' ')" \
	"XA-1 mitte Mia XA-1 nord Nils XA-2 mitte Mia XA-2 nord Nils " "each appointment linked to the customer of its own location"

# JSON array input, and --input-format
printf '[{"external_id":"J-1","first_name":"Jörg","location":"mitte"},\n {"external_id":"J-2","price":1,"location":"mitte"}]\n' >arr.json
snapshot before_json
run privacyctl customer import arr.json
status 65 "JSON array with an unknown field: 65"
like "$(stderr)" "^privacyctl: arr.json:2: price: unknown column$" "the element's line is named"
unchanged before_json "JSON array: nothing imported"
run privacyctl customer import --skip-invalid arr.json
status 1 "JSON array with --skip-invalid: 1"
is "$(sql "SELECT first_name FROM customers WHERE external_id = 'J-1'")" "Jörg" "the good element is stored"
printf 'external_id,first_name,location\nJ-3,Ida,mitte\n' >csv.txt
run privacyctl customer import --input-format ndjson csv.txt
status 65 "--input-format ndjson on a CSV file: 65"
run privacyctl customer import --input-format csv csv.txt
status 0 "--input-format csv"
run privacyctl customer import --input-format xml csv.txt
status 64 "an unknown --input-format: 64"
run privacyctl customer import --location mitte <csv.txt
status 0 "records from standard input"
is "$(jget unchanged <"$out")" "1" "stdin: the row is known already"

# --- list and show -------------------------------------------------------
# (issue 15: a customer created within the period is never selected; all
# of these were created here today, so nobody is, on purpose; the dates of
# the booking system's customer_since are in tests/inactive.t)
run privacyctl customer list --location mitte --inactive-since 3y
status 1 "list --inactive-since 3y: nobody, every customer was created today"
# two years on, they have been customers for longer than a year
export PRIVACY_NOW=2028-11-30T12:00:00Z
run privacyctl customer list --location mitte --inactive-since 1y
status 0 "list --inactive-since 1y, two years later"
is "$(jget external_id <"$out" | tr '\n' ' ')" "K-1001 K-1002 K-1003 K-1004 K-1005 RT-1 RT-2 RT-3 B-2 X-1 J-1 J-3 " "customers without an appointment in the last year (K-1002, K-1004 and X-1 booked in 2025 and 2026)"
run privacyctl customer list --inactive-since 3y --location mitte
status 1 "3y: none of them has been a customer for three years"
export PRIVACY_NOW=2026-11-29T12:00:00Z
run privacyctl customer list --inactive-since 3x
status 64 "a bad duration is a usage error"
run privacyctl customer list --marketing valid
status 1 "--marketing valid: nobody (an imported opt-in proves nothing)"
run privacyctl customer list --marketing needs-repermission
is "$(jget external_id <"$out" | tr '\n' ' ')" "K-1001 K-1002 " "--marketing needs-repermission"
run privacyctl customer list --marketing invalid
is "$(jget external_id <"$out" | tr '\n' ' ')" "K-1001 K-1002 K-1004 " "--marketing invalid (K-1004 unproven until confirmed)"
run privacyctl customer list --marketing maybe
status 64 "--marketing with a bad value: 64"
run privacyctl customer list --email AENNE.SCHROEDER@example.de
status 0 "list --email (case-insensitive)"
is "$(jget customer_id <"$out") $(jget location <"$out")" "2 mitte" "list carries customer_id and location"
run privacyctl customer list --email nobody@example.org
status 1 "nothing matched: exit 1"
run privacyctl customer show --email juergen.mueller@example.de
status 0 "show --email"
is "$(jget appointments.0.external_id <"$out") $(jget invoices.0.number <"$out") $(jget consent.marketing-email <"$out")" \
	"T-5001 RE-2019-0001 needs-repermission" "show has appointments, invoices and consent state"
run privacyctl customer show 999
status 66 "show of an unknown customer: 66"
run privacyctl customer show
status 64 "show without a customer: 64"

done_testing
