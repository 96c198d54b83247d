#!/bin/bash
# Dates in German legal time (issue 15, item 7): retention ends, the
# 2018-05-25 boundary, the purge and bare --received dates use the
# location's time zone; lower-case t and z in RFC 3339 are accepted.
. "$(dirname "$0")/lib.sh"
export PRIVACY_NOW=2026-11-29T12:00:00Z

privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" --timezone Europe/Berlin >/dev/null
cat >config.yaml <<'YAML'
retention:
  appointments:
    action: retain
    years: 2
    basis: "test"
YAML
export PRIVACY_CONFIG=$SCRATCH/config.yaml
printf 'external_id,first_name\nK-1,Erika\nK-2,Hans\nK-3,Ida\n' >c.csv
privacyctl customer import --location mitte c.csv >/dev/null
# an invoice of 2024 (kept until 2032-12-31), and an appointment at
# 00:30 on New Year's Day 2025 in Berlin (23:30 UTC on 31 December 2024)
printf 'number,customer_external_id,issued_on,total_cents\nR-1,K-1,2024-03-10,3500\n' >i.csv
privacyctl invoice import --location mitte i.csv >/dev/null
printf 'external_id,customer_external_id,starts_at\nT-1,K-1,2024-12-31T23:30:00Z\n' >a.csv
privacyctl appointment import --location mitte a.csv >/dev/null
run dsar-erase --customer 1
status 0 "erase K-1"
is "$(sql "SELECT kind || ' ' || retain_until FROM retained ORDER BY kind")" \
	"appointments 2027-12-31
invoices 2032-12-31" "the appointment's year is 2025 in Berlin: kept until 2027-12-31 (was 2026-12-31)"

# ---- the purge: midnight in Berlin, not in UTC
PRIVACY_NOW=2032-12-31T22:30:00Z run dsar-erase --purge-expired
status 0 "purge at 23:30 on 31 December in Berlin"
is "$(sql "SELECT count(*) FROM retained WHERE kind = 'invoices'")" "1" "the invoice is still kept on its last day"
PRIVACY_NOW=2032-12-31T23:30:00Z run privacyctl retention list --expired
like "$(stdout)" '"record_key":"R-1"' "at 00:30 on 1 January in Berlin the invoice's period is over (was not)"
PRIVACY_NOW=2032-12-31T23:30:00Z run privacyctl check
like "$(stdout)" '"event":"retention.expired"' "check says so"
PRIVACY_NOW=2032-12-31T23:30:00Z run dsar-erase --purge-expired
status 0 "purge at 00:30 on 1 January in Berlin"
like "$(stdout)" '"record_key":"R-1".*"status":"purged"' "the invoice is purged (was not before 01:00)"
is "$(sql "SELECT count(*) FROM retained WHERE kind = 'invoices'")" "0" "gone"

# ---- the 2018-05-25 boundary in German time
cat >k.csv <<'CSV'
customer_external_id,purpose,event,at,source
K-2,marketing-email,granted,2018-05-24T22:30:00Z,booking-form
K-2,marketing-sms,granted,2018-05-24T21:30:00Z,booking-form
CSV
run privacyctl consent import --location mitte k.csv
status 0 "two grants around midnight of 25 May 2018 in Berlin"
run privacyctl customer show 2 -f json
is "$(/usr/bin/python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["consent"]; print(c["marketing-email"], c["marketing-sms"])' "$out")" \
	"unproven needs-repermission" "an unproven grant at 00:30 CEST on 25 May 2018 is under the GDPR: unproven, not asked again (was needs-repermission); 23:30 CEST on 24 May is before it"

# ---- bare --received dates are days of the location's calendar
run privacyctl request new --type access --customer 2 --channel letter --received 2026-03-02
status 0 "a letter received on 2 March"
is "$(sql "SELECT received_at || ' ' || due_on FROM requests ORDER BY id DESC LIMIT 1")" \
	"2026-03-01T23:00:00Z 2026-04-02" "received at midnight in Berlin (was midnight UTC)"

# ---- lower-case t and z (another customer: a second open access request
# of the same customer would be linked to the first, issue 14 J12)
run privacyctl request new --type access --customer 3 --channel letter --received 2026-03-02t10:00:00z
status 0 "--received with lower-case t and z (was 64)"
is "$(sql "SELECT received_at FROM requests ORDER BY id DESC LIMIT 1")" "2026-03-02T10:00:00Z" "stored in UTC"
PRIVACY_NOW=2026-11-29t12:00:00z run privacyctl customer show 2
status 0 "PRIVACY_NOW with lower-case t and z"

done_testing
