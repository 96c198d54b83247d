#!/bin/bash
# The benchmark's data generator (bench/gen) and plain loader (bench/load.sh):
# deterministic, the import's column layout, valid references, the share of
# pre-GDPR opt-ins, adversarial cells that survive a load byte for byte,
# and clear refusals of bad arguments.
. "$(dirname "$0")/lib.sh"

GEN="$TOP/bench/gen"
export PRIVACY_NOW=2026-11-15T10:00:00Z

# count CSV records (not lines: cells hold newlines) and check the header
csvinfo() { # FILE -> "header|records"
	/usr/bin/python3 - "$1" <<'EOF'
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
print(",".join(rows[0]) + "|" + str(len(rows) - 1))
EOF
}

run "$GEN" -c 50 -a 400 -i 120 -l 2 d1
status 0 "a small fixture is generated"
is "$(cat "$out")" "" "nothing on stdout"
is "$(cat d1/locations.csv)" "slug,name,timezone,holidays
berlin-mitte,Salon Mitte,Europe/Berlin,DE-BE
hamburg-nord,Studio Nord,Europe/Berlin,DE-HH" "locations.csv lists the two locations"

c1=$(csvinfo d1/berlin-mitte/customers.csv) c2=$(csvinfo d1/hamburg-nord/customers.csv)
is "${c1%|*}" "external_id,location,first_name,last_name,email,phone,birth_date,street,postal_code,city,country,notes,marketing_email,marketing_opt_in_at,marketing_source" \
	"customers.csv has the columns of customer import"
is "$(( ${c1#*|} + ${c2#*|} ))" 50 "50 customers over the two locations"
a1=$(csvinfo d1/berlin-mitte/appointments.csv) a2=$(csvinfo d1/hamburg-nord/appointments.csv)
is "${a1%|*}" "external_id,location,customer_external_id,starts_at,service,staff,price_cents,notes" \
	"appointments.csv has the columns of appointment import"
is "$(( ${a1#*|} + ${a2#*|} ))" 400 "400 appointments"
i1=$(csvinfo d1/berlin-mitte/invoices.csv) i2=$(csvinfo d1/hamburg-nord/invoices.csv)
is "${i1%|*}" "number,location,customer_external_id,issued_on,total_cents,currency,billing_name,billing_address" \
	"invoices.csv has the columns of invoice import"
is "$(( ${i1#*|} + ${i2#*|} ))" 120 "120 invoices"

run "$GEN" -c 50 -a 400 -i 120 -l 2 d2
diff -r d1 d2 >/dev/null; ok $? "the same seed gives the same bytes"
run "$GEN" -s 7 -c 50 -a 400 -i 120 -l 2 d3
! diff -r d1 d3 >/dev/null; ok $? "another seed gives other data"

# Bad arguments: usage, exit 64, nothing written.
for args in "-S X" "-c -5" "-c 12abc" "-l 0" "-l 6" "-q" ""; do
	rm -rf bad
	run "$GEN" $args ${args:+bad}
	status 64 "bench/gen ${args:-without a directory} is a usage error"
	like "$(cat "$err")" "^usage: gen " "  and says how to call it"
	[ ! -e bad ]; ok $? "  and writes nothing"
done
: >afile
run "$GEN" -c 5 afile/x
status 74 "a directory below a file is an I/O error"
like "$(cat "$err")" "^gen: cannot create '" "  with the path in the message"

# The plain loader on a real database.
run privacyctl init
status 0 "init"
tail -n +2 d1/locations.csv | while IFS=, read -r s n tz h; do
	privacyctl location add "$s" --name "$n" --holidays "$h" >/dev/null
done
is "$(sql 'SELECT count(*) FROM locations')" 2 "two locations"
snapshot before
run "$TOP/bench/load.sh" -a -i d1
status 64 "load.sh without a database is a usage error"
unchanged before "  and changes nothing"
run "$TOP/bench/load.sh" -a -i d1 "$PRIVACY_DB"
status 0 "load.sh loads the fixture"
is "$(sql 'SELECT count(*) FROM customers')" 50 "50 customers loaded"
is "$(sql 'SELECT count(*) FROM appointments')" 400 "every appointment found its customer"
is "$(sql 'SELECT count(*) FROM invoices')" 120 "every invoice found its customer"
is "$(sql "SELECT count(*) FROM appointments a JOIN customers c ON c.id = a.customer_id
	WHERE a.location_id <> c.location_id")" 0 "appointments stay in their customer's location"
is "$(sql "SELECT count(*) FROM consents")" \
	"$(cat d1/*/customers.csv | grep -c ',yes,')" "one ledger row per opt-in"

# The files of all locations in one go, through the tools: every file has
# its location column, so no --location is needed (issue 20).
rm -f "$PRIVACY_DB"*
privacyctl init >/dev/null
tail -n +2 d1/locations.csv | while IFS=, read -r s n tz h; do
	privacyctl location add "$s" --name "$n" --holidays "$h" >/dev/null
done
run privacyctl customer import d1/*/customers.csv
status 0 "customer import of both locations' files"
run privacyctl appointment import d1/*/appointments.csv
status 0 "appointment import of both locations' files, without --location"
is "$(cat "$err")" "" "  without a message"
run privacyctl invoice import d1/*/invoices.csv
status 0 "invoice import of both locations' files, without --location"
is "$(sql 'SELECT count(*) FROM appointments')" 400 "  every appointment imported"
# (issue 15 item 8: invoices of customers who stay are not kept past their
# 8 years; the generator's older ones are counted as expired, on purpose)
is "$(( $(sql 'SELECT count(*) FROM invoices') + $(jget expired <"$out") ))" 120 "  every invoice imported, or expired"
is "$(sql "SELECT count(*) FROM appointments a JOIN customers c ON c.id = a.customer_id
	WHERE a.location_id <> c.location_id")" 0 "  in their customer's location"

# A bigger set for the shares, with 10 % adversarial rows.
run "$GEN" -c 3000 -a 20000 -i 6000 -x 100 big
status 0 "a set of 3,000 customers is generated"
rm -f "$PRIVACY_DB"*
privacyctl init >/dev/null
tail -n +2 big/locations.csv | while IFS=, read -r s n tz h; do
	privacyctl location add "$s" --name "$n" --holidays "$h" >/dev/null
done
run "$TOP/bench/load.sh" -a -i big "$PRIVACY_DB"
status 0 "it loads"
is "$(sql 'SELECT count(*) FROM customers')" 3000 "3,000 customers"
is "$(sql 'SELECT count(*) FROM appointments')" 20000 "20,000 appointments"
is "$(sql 'SELECT count(*) FROM invoices')" 6000 "6,000 invoices"
share=$(sql "SELECT 100 * sum(at < '2018-05-25') / count(*) FROM consents")
[ "$share" -ge 30 ] && [ "$share" -le 40 ]; ok $? "about a third of opt-ins predate 2018-05-25 ($share %)"
is "$(sql "SELECT count(*) FROM consents WHERE at >= '2026-11-01'")" 0 "no opt-in after 2026-11-01"
is "$(sql "SELECT count(DISTINCT email) = count(email) FROM customers")" 1 "e-mail addresses are unique"
is "$(sql "SELECT count(*) FROM customers WHERE email NOT LIKE '%.example' AND
	email NOT LIKE '%@example.com' AND email NOT LIKE '%@example.net' AND
	email NOT LIKE '%@example.org'")" 0 "e-mail addresses only under reserved domains"
# the customer cells that carry adversarial values, as one string
cells="ifnull(first_name, '') || '|' || ifnull(last_name, '') || '|' ||
	ifnull(street, '') || '|' || ifnull(city, '') || '|' || ifnull(notes, '')"
for v in "'%'||char(13,10)||'%'" "'%'||char(10)||'%'" "'%\"%'" "'%, Jr.%'" \
	 "'%|=%'" "'%🙂%'" "'%Robert''); DROP TABLE%'"; do
	n=$(sql "SELECT count(*) FROM customers WHERE $cells LIKE $v")
	[ "$n" -gt 0 ]; ok $? "adversarial customer cells are there: $v ($n)"
done
n=$(sql "SELECT count(*) FROM customers WHERE length(notes) >= 16000 OR
	length(first_name) >= 16000 OR length(street) >= 16000")
[ "$n" -gt 0 ]; ok $? "very long customer cells are there ($n)"
n=$(sql "SELECT count(*) FROM appointments WHERE service LIKE '=%' OR staff LIKE '=%' OR notes LIKE '=%'")
[ "$n" -gt 0 ]; ok $? "adversarial appointment cells are there ($n)"
# byte for byte: the CSV as Python reads it equals what the database holds
/usr/bin/python3 - big "$PRIVACY_DB" >cmp.out <<'EOF'
import csv, glob, sqlite3, sys
db = sqlite3.connect(sys.argv[2])
bad = n = 0
for f in sorted(glob.glob(sys.argv[1] + "/*/customers.csv")):
    for row in csv.DictReader(open(f, newline="", encoding="utf-8")):
        got = db.execute("SELECT first_name, last_name, street, city, notes "
                         "FROM customers WHERE external_id = ?",
                         (row["external_id"],)).fetchone()
        want = tuple(row[k] or None for k in
                     ("first_name", "last_name", "street", "city", "notes"))
        n += 1
        bad += got != want
print(n, bad)
EOF
is "$(cat cmp.out)" "3000 0" "every customer cell arrives byte for byte"

done_testing
