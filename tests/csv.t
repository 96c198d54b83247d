#!/bin/bash
# CSV that keeps every field (issue 17 item 5): the header is the record
# type's column set (privacy-records(5)) and then every other key a record
# had, so a mixed stream loses nothing; an empty result is a header alone.
. "$(dirname "$0")/lib.sh"
export PRIVACY_NOW=2026-01-05T09:00:00Z

privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
printf 'external_id,first_name,last_name,email,marketing_email,marketing_opt_in_at\n%s\n%s\n' \
	'K-1,Erika,Mustermann,erika@example.org,yes,2016-04-02' \
	'K-2,Max,Muster,max@example.org,no,' >c.csv
privacyctl customer import --location mitte c.csv >/dev/null
privacyctl request new --type erasure --customer 1 >/dev/null
export PRIVACY_NOW=2026-03-02T09:00:00Z
snapshot before

# a mixed stream: the overdue request and findings of other kinds
run privacyctl check -f csv
status 1 "check finds something"
hdr=$(head -1 "$out")
like "$hdr" '^event,at,location,request_id,customer_id,type,status,due,' \
	"check's header is its column set"
row=$(grep '^request.overdue,' "$out")
like "$row" '^request.overdue,2026-03-02T09:00:00Z,mitte,1,1,erasure,received,2026-02-05,' \
	"the overdue request keeps its id and due date"
/usr/bin/python3 - "$out" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
kinds = {r["event"] for r in rows}
assert "request.overdue" in kinds and len(kinds) > 1, kinds
assert all(r["fix"] for r in rows if r["event"] != "request.overdue"), rows
PY
ok $? "every kind of finding is a row with its own fields (parsed as CSV)"

# every field of the records is a column, for every listing
for cmd in "location list" "settings show" "audit list" "customer list" \
	"consent list" "request list" "check" "retention list"; do
	privacyctl $cmd >nd.json 2>/dev/null
	privacyctl $cmd -f csv >c.out 2>/dev/null
	/usr/bin/python3 - nd.json c.out <<'PY'
import csv, json, sys
keys = set()
for line in open(sys.argv[1]):
    keys |= set(json.loads(line))
header = next(csv.reader(open(sys.argv[2], newline="")), [])
missing = keys - set(header)
sys.exit(1 if missing or not header else 0)
PY
	ok $? "$cmd -f csv: every field of the records has a column"
done

# the column sets are those of privacy-records(5): the CSV header starts
# with the documented fields in their order (check adds the other fields
# of a request), and a table's columns are the documented ones, in order
awk '/^\.Ss Column sets/ { on = 1; next } on && /^\.El/ { exit } on' \
	"$TOP/man/privacy-records.5" >sets.man
for cmd in "location list" "settings show" "audit list" "customer list" \
	"marketing audience" "consent list" "consent show 1" "request list" \
	"retention list" "status" "check"; do
	privacyctl $cmd -f csv >c.out 2>/dev/null
	privacyctl $cmd -f table >t.out 2>/dev/null
	/usr/bin/python3 - sets.man "${cmd% 1}" c.out t.out <<'PY'
import csv, re, sys
text = open(sys.argv[1]).read()
m = re.search(r"^\.It Cm " + re.escape(sys.argv[2]) + r"\n(.*?)(?=^\.It |\Z)",
              text, re.S | re.M)
body = " ".join(m.group(1).split())
fields, _, table = body.partition(";")
table = table.replace("table:", "", 1)
fields = [f.strip() for f in re.sub(r"\(.*?\)", "", fields).split(",")]
header = next(csv.reader(open(sys.argv[3], newline="")))
if header[:len(fields)] != fields:
    sys.exit("csv: %s\n doc: %s" % (header, fields))
if sys.argv[2] == "check" or sys.argv[2] == "status":
    sys.exit(0)
table = [t.strip().rstrip(".") for t in table.split(",")]
if table == ["the same"]:
    table = fields
cols = [c.lower() for c in open(sys.argv[4]).readline().split()]
if not cols or [c for c in table if c in cols] != cols:
    sys.exit("table: %s\n doc: %s" % (cols, table))
PY
	ok $? "$cmd: the CSV header and the table columns are those of privacy-records(5)"
done

# an empty result is the header alone
run privacyctl request list --status rejected -f csv
is "$(stdout)" "$(printf 'request_id,location,customer_id,type,channel,status,received,due,first_due,extended_due,overdue,extension_reason,reject_reason,note,result,error,updated,acknowledged,acknowledged_until,acknowledged_by,acknowledged_reason\r')" \
	"an empty request list is a CSV header"
run privacyctl retention list -f csv
is "$(head -1 "$out")" "$(printf 'id,location,kind,record_key,record_date,retain_until,basis,request_id,created_at,data\r')" \
	"an empty retention list is a CSV header"
run privacyctl customer list --email nobody@example.org -f csv
is "$(wc -l <"$out")" 1 "an empty customer list is one header line"
run privacyctl audit list --since nonsense -f csv
status 64 "a usage error"
is "$(stdout)" "" "a usage error writes no header"
unchanged before "listing changes nothing"

done_testing
