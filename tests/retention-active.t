#!/bin/bash
# Storage limitation for the living (issue 15, item 8): the records of
# customers who keep booking have retention periods too, applied by the
# nightly dsar-erase --purge-expired, shown by -n, reported by check; a
# record can be held past its end with a reason and released, audited.
. "$(dirname "$0")/lib.sh"
export PRIVACY_NOW=2026-11-29T12:00:00Z

privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
cat >config.yaml <<'YAML'
retention:
  appointments:
    action: delete
    active:
      years: 3
      clear: [notes]
YAML
export PRIVACY_CONFIG=$SCRATCH/config.yaml
printf 'external_id,first_name\nK-1,Erika\n' >c.csv
cat >a.csv <<'CSV'
external_id,customer_external_id,starts_at,notes
T-2015,K-1,2015-03-01T09:00:00Z,Allergie gegen Ammoniak
T-2025,K-1,2025-03-01T09:00:00Z,mag Kaffee
CSV
cat >i.csv <<'CSV'
number,customer_external_id,issued_on,total_cents
R-2016,K-1,2016-05-01,3000
R-2017,K-1,2017-05-01,3500
R-2024,K-1,2024-05-01,4000
CSV
# the booking system has twenty years; our copy keeps what the periods allow
privacyctl customer import c.csv >/dev/null
sync() { privacyctl -q appointment import a.csv >a.out && privacyctl -q invoice import i.csv >i.out; }
run privacyctl -q appointment import a.csv
status 0 "appointments imported"
run privacyctl -q invoice import i.csv
status 0 "invoices imported"
is "$(jget expired <"$out") $(jget inserted <"$out")" "2 1" "the invoices of 2016 and 2017 are past their 8 years: not stored (was stored for ever)"
is "$(sql "SELECT group_concat(number, ' ') FROM invoices")" "R-2024" "only the invoice of 2024 is here"
is "$(sql "SELECT coalesce(notes, '-') FROM appointments ORDER BY starts_at" | tr '\n' '|')" "-|mag Kaffee|" "the note of 2015 (past its 3 years) is not stored"

# ---- records stored before their period ended: check, -n, purge
printf 'external_id,first_name\nK-2,Hans\n' >c2.csv
printf 'number,customer_external_id,issued_on,total_cents\nR2-2016,K-2,2016-05-01,3000\nR2-2017,K-2,2017-05-01,3500\n' >i2.csv
printf 'external_id,customer_external_id,starts_at,notes\nT2-2022,K-2,2022-03-01T09:00:00Z,Farbe 7\n' >a2.csv
export PRIVACY_NOW=2023-06-01T10:00:00Z
privacyctl customer import c2.csv >/dev/null
privacyctl invoice import i2.csv >/dev/null
privacyctl appointment import a2.csv >/dev/null
export PRIVACY_NOW=2026-11-29T12:00:00Z
run privacyctl check -f json
like "$(stdout)" '"event": "retention.active-expired"' "check reports records of an active customer past their period (was silent)"
/usr/bin/python3 -c 'import json,sys; f=[x for x in json.load(open(sys.argv[1])) if x["event"]=="retention.active-expired"][0]; print(f["records"], f["oldest"])' "$out" >found
is "$(cat found)" "3 2024-12-31" "three records, the oldest ended on 2024-12-31"
snapshot before
run dsar-erase --purge-expired -n
status 0 "the plan"
is "$(jget record_key <"$out" | tr '\n' ' ')$(jget status <"$out" | sort -u)" "T2-2022 R2-2016 R2-2017 expired" "-n shows what goes"
unchanged before "and changes nothing"

# ---- a running tax audit holds a record past its end
run privacyctl retention hold invoices R2-2016 --reason "Betriebsprüfung 2026"
status 0 "hold R2-2016"
is "$(jget changed <"$out")" "true" "held"
is "$(sql "SELECT action || ' ' || object || ' ' || coalesce(detail, '-') FROM audit WHERE action = 'retention.hold'")" "retention.hold invoices:R2-2016 -" "audited, without the reason"
is "$(sql "SELECT hold_reason FROM invoices WHERE number = 'R2-2016'")" "Betriebsprüfung 2026" "the reason is kept with the record"
run dsar-erase --purge-expired
status 0 "the nightly purge"
is "$(jget record_key <"$out" | tr '\n' ' ')" "T2-2022 R2-2017 " "the held invoice is not purged"
is "$(jget status <"$out" | tr '\n' ' ')" "cleared deleted " "the note is cleared, the invoice deleted"
is "$(sql "SELECT coalesce(notes, '-') FROM appointments WHERE external_id = 'T2-2022'") $(sql "SELECT group_concat(number, ' ') FROM invoices WHERE customer_id = 2")" "- R2-2016" "in the database too"
grep -qa "Farbe 7" "$PRIVACY_DB"; ok $((! $?)) "the cleared note leaves no residue"
is "$(sql "SELECT detail FROM audit WHERE action = 'retention.purge-active'")" '{"appointments":1,"invoices":1}' "audited with counts"
run privacyctl check -f json
/usr/bin/python3 -c 'import json,sys; print(len([x for x in json.load(open(sys.argv[1])) if x["event"]=="retention.active-expired"]))' "$out" >n
is "$(cat n)" "0" "a held record is no finding"

# ---- the nightly sync does not bring them back
sync; ok $? "the next night's sync"
privacyctl -q invoice import i2.csv >i2.out; ok $? "  of K-2's invoices too"
is "$(jget expired <i2.out) $(jget unchanged <i2.out)" "1 1" "R2-2017 stays out (expired), the held one is unchanged"
privacyctl -q appointment import a2.csv >a2.out
is "$(sql "SELECT coalesce(notes, '-') FROM appointments WHERE external_id = 'T2-2022'")" "-" "the cleared note stays cleared"

# ---- released, it goes with the next purge
run privacyctl retention release invoices R2-2016
status 0 "release"
is "$(sql "SELECT count(*) FROM audit WHERE action = 'retention.release' AND object = 'invoices:R2-2016'")" "1" "audited"
run dsar-erase --purge-expired
is "$(jget record_key <"$out")" "R2-2016" "purged the next night"

# ---- bad input
snapshot before_bad
run privacyctl retention hold invoices R-2024
status 64 "hold without --reason"
run privacyctl retention hold customers K-1 --reason x
status 64 "an unknown kind"
run privacyctl retention hold invoices R-404 --reason x
status 66 "an unknown record"
unchanged before_bad "nothing changed"
printf 'retention:\n  appointments:\n    action: delete\n    active:\n      years: 3\n      clear: [starts_at]\n' >bad.yaml
PRIVACY_CONFIG=$SCRATCH/bad.yaml run dsar-erase --purge-expired
status 78 "clear names a field that is not personal"
like "$(stderr)" "retention.appointments.active.clear: not a personal field of appointments: 'starts_at'" "says which"
printf 'retention:\n  customers:\n    action: delete\n    active:\n      years: 3\n' >bad2.yaml
PRIVACY_CONFIG=$SCRATCH/bad2.yaml run dsar-erase --purge-expired
status 78 "active on customers"
unchanged before_bad "a bad policy changes nothing"

done_testing
