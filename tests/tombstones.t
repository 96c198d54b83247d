#!/bin/bash
# Tombstones that stop resurrection, not people (issue 15, item 2): the
# same booking-system record stays blocked; the same person with a new
# record is a new relationship; phone numbers in E.164; a phone alone
# blocks nobody; staff lift a block with a reason; the tombstone log
# beside the key; check and --replay-tombstones after a restored backup.
. "$(dirname "$0")/lib.sh"
export PRIVACY_NOW=2026-11-29T12:00:00Z

privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl location add nord --name "Studio Nord" >/dev/null
cat >customers.csv <<'CSV'
external_id,first_name,last_name,email,phone,notes,marketing_email,marketing_opt_in_at,marketing_source
K-1,Erika,Muster,erika@example.org,030 1234567,Allergie gegen Ammoniak,yes,2021-03-01,booking-form
K-2,Paul,Muster,,030 7654321,,,,
CSV
privacyctl customer import --location mitte customers.csv >/dev/null
printf 'external_id,customer_external_id,starts_at\nT-1,K-1,2026-01-10T09:00:00Z\n' >appointments.csv
privacyctl appointment import --location mitte appointments.csv >/dev/null
id1=$(sql "SELECT id FROM customers WHERE external_id = 'K-1'")
run dsar-erase --customer "$id1"
status 0 "erase K-1"

# ---- phone numbers in E.164 before hashing
/usr/bin/python3 - "$PRIVACY_DB" <<'PY' >phones
import hmac, hashlib, sqlite3, sys
key = open(sys.argv[1] + ".key", "rb").read()
db = sqlite3.connect(sys.argv[1])
tombs = set(h for (h,) in db.execute("SELECT hash FROM tombstones WHERE kind = 'phone'"))
for v in ("+49301234567", "0301234567"):
    print(v, hmac.new(key, ("phone:" + v).encode(), hashlib.sha256).hexdigest() in tombs)
PY
is "$(cat phones | tr '\n' ' ')" "+49301234567 True 0301234567 False " "030 1234567 is hashed as +49301234567 (E.164)"

# ---- the tombstone log beside the key
log="$PRIVACY_DB.tombstones"
[ -f "$log" ]; ok $? "erasures are appended to the tombstone log beside the key"
is "$(stat -c %a "$log")" "600" "the log is 0600"
is "$(wc -l <"$log" | tr -d ' ')" "3" "three lines: external id, e-mail, phone"
like "$(cat "$log")" "^erase 2026-11-29T12:00:00Z external_id [0-9a-f]{64}$" "keyed hashes only"
unlike "$(cat "$log")" "K-1|erika|1234567|Muster" "no identifier in clear"

# ---- the same record stays blocked; the same person with a new record comes back
snapshot before
run privacyctl -q customer import --location mitte customers.csv
status 0 "the re-sync of the erased record"
is "$(sql "SELECT count(*) FROM customers WHERE external_id = 'K-1'")" "0" "location + external id stays blocked"
printf 'external_id,first_name,last_name,email,phone\nK-77,Erika,Muster,ERIKA@example.org,+49 30 1234567\n' >return.csv
run privacyctl customer import --location mitte return.csv
status 0 "the same person under a new booking-system id (was 1, not imported)"
new=$(sql "SELECT id FROM customers WHERE external_id = 'K-77'")
[ -n "$new" ] && [ "$new" -gt "$id1" ]; ok $? "imported as a new customer ($new)"
like "$(stderr)" "^privacyctl: return.csv:2: email: matches a customer erased earlier: imported as a new customer relationship \(customer $new\)$" "with a notice, without personal data"
is "$(jget returning <"$out")" "1" "counted as returning in the summary"
is "$(sql "SELECT action || ' ' || object || ' ' || detail FROM audit WHERE action = 'customer.returning'")" \
	"customer.returning customer:$new {\"location\":\"mitte\"}" "and audited, by id"
is "$(sql "SELECT count(*) FROM appointments WHERE customer_id = $new") $(sql "SELECT count(*) FROM consents WHERE customer_id = $new") $(sql "SELECT coalesce(notes, '-') FROM customers WHERE id = $new")" \
	"0 0 -" "without the old appointments, consents or notes"
printf 'external_id,first_name,email\nN-1,Erika,erika@example.org\n' >nord.csv
run privacyctl customer import --location nord nord.csv
status 0 "the same person at another location (was 1)"
is "$(sql "SELECT count(*) FROM customers c JOIN locations l ON l.id = c.location_id WHERE l.slug = 'nord' AND external_id = 'N-1'")" "1" "imported there"

# ---- a phone number alone never blocks a different person
printf 'external_id,first_name,last_name,phone\nK-3,Lena,Muster,0049 (0)30 123 4567\n' >family.csv
run privacyctl customer import --location mitte family.csv
status 0 "a family member with the erased customer's landline (was 1)"
is "$(cat "$err")" "" "no notice: a phone number is no person"
is "$(sql "SELECT count(*) FROM customers WHERE external_id = 'K-3'")" "1" "imported"

# ---- staff lift a block, with a reason, audited
snapshot before_unblock
run privacyctl customer unblock K-1 --location mitte
status 64 "unblock without --reason: 64"
unchanged before_unblock "nothing changed"
run privacyctl customer unblock K-404 --location mitte --reason "typo"
status 66 "nothing blocks K-404: 66"
like "$(stderr)" "no erased customer with this external id in 'mitte'" "says so"
unchanged before_unblock "nothing changed"
run privacyctl customer unblock -n K-1 --location mitte --reason "booking system restored the record on purpose"
status 0 "dry run"
unchanged before_unblock "dry run changes nothing"
run privacyctl customer unblock K-1 --location mitte --reason "booking system restored the record on purpose"
status 0 "unblock K-1"
is "$(jget status <"$out")" "unblocked" "reported"
is "$(sql "SELECT action || ' ' || object FROM audit WHERE action = 'customer.unblock'")" "customer.unblock location:mitte" "audited by location"
unlike "$(sql "SELECT detail FROM audit WHERE action = 'customer.unblock'")" "restored" "the reason is not in the audit log"
is "$(sql "SELECT reason FROM tombstone_lifts")" "booking system restored the record on purpose" "the reason is kept"
like "$(tail -1 "$log")" "^unblock 2026-11-29T12:00:00Z external_id [0-9a-f]{64}$" "the log has the lift"
run privacyctl -q customer import --location mitte customers.csv
status 0 "re-import after the lift"
is "$(sql "SELECT count(*) FROM customers WHERE external_id = 'K-1'")" "1" "K-1 is back as a new customer"

# ---- a restored backup: check reports it, one command re-applies the erasures
cat >more.csv <<'CSV'
external_id,first_name,email
B-1,Bea,bea@example.org
B-2,Bob,bob@example.org
CSV
privacyctl customer import --location nord more.csv >/dev/null
sqlite3 "$PRIVACY_DB" ".backup backup2.db"
b1=$(sql "SELECT id FROM customers WHERE external_id = 'B-1'")
dsar-erase --customer "$b1" >/dev/null; ok $? "erase B-1 after the backup"
run privacyctl check
unlike "$(stdout)" "restored-customers" "nothing restored yet"
# the restore: the backup taken before B-1's erasure
rm -f "$PRIVACY_DB-wal" "$PRIVACY_DB-shm"
cp backup2.db "$PRIVACY_DB"
is "$(sql "SELECT count(*) FROM customers WHERE external_id = 'B-1'")" "1" "the restored backup has B-1 again"
run privacyctl check -f json
status 1 "check has findings"
like "$(stdout)" '"event": "erasure.restored-customers"' "check reports the restored customer (was nothing)"
/usr/bin/python3 - "$out" <<'PY'
import json, sys
f = [x for x in json.load(open(sys.argv[1])) if x["event"].startswith("erasure.")]
got = sorted((x["event"], x["location"], x.get("customers", x.get("tombstones"))) for x in f)
want = [("erasure.restored-customers", "nord", 1), ("erasure.tombstones-missing", "mitte", 2), ("erasure.tombstones-missing", "nord", 2)]
sys.exit(0 if got == want else print(got) or 1)
PY
ok $? "one restored customer at nord; the two tombstones of B-1 (external id, e-mail) missing (reported to each location)"
run dsar-erase -n --replay-tombstones
status 0 "replay, dry run"
like "$(stdout)" "\"customer_id\":$b1,\"location\":\"nord\",.*\"status\":\"planned\"" "plans B-1"
is "$(sql "SELECT count(*) FROM customers WHERE external_id = 'B-1'")" "1" "dry run changes nothing"
run dsar-erase --replay-tombstones
status 0 "dsar-erase --replay-tombstones"
like "$(stdout)" "\"customer_id\":$b1,\"location\":\"nord\",.*\"status\":\"erased\"" "erases B-1 again"
is "$(sql "SELECT count(*) FROM customers WHERE external_id IN ('B-1', 'K-1')")" "1" "B-1 gone, K-1 (unblocked) stays"
is "$(sql "SELECT count(*) FROM audit WHERE action = 'tombstone.restore'")" "1" "the restored tombstones are audited"
run privacyctl check
unlike "$(stdout)" "erasure\\." "check is clean again"
privacyctl -q customer import --location nord more.csv >/dev/null
is "$(sql "SELECT count(*) FROM customers WHERE external_id = 'B-1'")" "0" "and a re-sync does not bring B-1 back"

# ---- an insecure log is refused and reported
chmod 644 "$log"
run privacyctl check -f json
like "$(stdout)" '"what": "tombstone log"' "check reports a tombstone log readable by others"
b2=$(sql "SELECT id FROM customers WHERE external_id = 'B-2'")
snapshot before_perm
run dsar-erase --customer "$b2"
status 77 "an erasure refuses to write a log readable by others"
unchanged before_perm "and changes nothing"
chmod 600 "$log"

done_testing
