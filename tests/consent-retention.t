#!/bin/bash
# Keeping the consent proof (issue 15 item 6): the default erasure keeps an
# erased person's consent ledger (grants, withdrawals, evidence) restricted
# for 3 years from the end of the year of its last event (§§ 195, 199 BGB),
# and the Art. 15 information says exactly what the policy does.  On
# 5e6c13d the erasure deleted the whole ledger, withdrawal included, while
# the export promised to keep the proof until claims are time-barred.
. "$(dirname "$0")/lib.sh"
export PRIVACY_NOW=2026-11-29T12:00:00Z
EX="$TOP/examples/salon"

privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl customer import "$EX/customers.csv" >/dev/null
cid() { sql "SELECT id FROM customers WHERE external_id = '$1'"; }
K1=$(cid K-1001) K2=$(cid K-1002)

# K-1001: a 2016 opt-in, withdrawn now; then erased.
run privacyctl consent withdraw "$K1" --purpose marketing-email --source staff
status 0 "the customer withdraws"
run dsar-erase --customer "$K1" -n
status 0 "the erasure's plan"
like "$(stdout)" '"retained":\[\{"table":"consents","count":2,"until":"2029-12-31","basis":"§§ 195, 199 BGB' \
	"plan: both ledger events kept until the end of 2029 (3 years from the end of the year of the withdrawal)"
run dsar-erase --customer "$K1"
status 0 "erase"
is "$(sql "SELECT count(*) FROM consents WHERE customer_id = $K1")" "0" "the ledger leaves the live tables"
is "$(sql "SELECT group_concat(json_extract(data, '\$.event') || '@' || substr(json_extract(data, '\$.at'), 1, 10) || '<' || retain_until, ' ') FROM retained WHERE kind = 'consents'")" \
	"granted@2016-04-02<2029-12-31 withdrawn@2026-11-29<2029-12-31" \
	"the 2016 grant is kept as long as the withdrawal: the proof is the pair"
run privacyctl retention list
status 0 "retention list"
is "$(grep -c '"kind":"consents"' "$out")" "2" "restricted records of kind consents"
run privacyctl customer list
unlike "$(stdout)" "K-1001" "the erased customer is not listed"

# the period ends at the end of 2029: purged on 1 January 2030, not before
PRIVACY_NOW=2029-12-31T12:00:00Z run dsar-erase --purge-expired
status 0 "purge on the last day"
is "$(sql "SELECT count(*) FROM retained WHERE kind = 'consents'")" "2" "still kept on 31 December 2029"
PRIVACY_NOW=2030-01-02T12:00:00Z run dsar-erase --purge-expired
status 0 "purge in 2030"
is "$(sql "SELECT count(*) FROM retained WHERE kind = 'consents'")" "0" "gone once the period ended"

# ---- the Art. 15 information is derived from the policy -----------------
run dsar-export --customer "$K2" -f json
status 0 "export"
ret=$(/usr/bin/python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["information"]["retention"]))' "$out")
like "$ret" "^Einwilligungen und ihre Nachweise \(Erteilung, Widerruf, Belege\): bis Sie die Löschung verlangen; danach 3 Jahre ab Ende des Kalenderjahres ihres letzten Ereignisses aufbewahrt \(§§ 195, 199 BGB" \
	"the information says the ledger is kept 3 years after its last event"
like "$ret" "Rechnungen: .*8 Jahre .*§ 147 Abs. 3 AO" "and the invoices' 8 years"
cat >delete.yaml <<'EOF'
retention:
  consents:
    action: delete
EOF
run dsar-export -c delete.yaml --customer "$K2" -f json
status 0 "export under a policy that deletes consents"
ret=$(/usr/bin/python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["information"]["retention"]))' "$out")
like "$ret" "^Einwilligungen und ihre Nachweise \(Erteilung, Widerruf, Belege\): bis Sie die Löschung verlangen oder der Zweck entfällt" \
	"the information follows the policy: it promises nothing the erasure does not keep"
unlike "$ret" "Verjährung|3 Jahre" "no promise of keeping the proof"
cat >bad.yaml <<'EOF'
retention:
  consents:
    action: anonymise
EOF
run dsar-export -c bad.yaml --customer "$K2"
status 78 "a policy the erasure would refuse is refused by the export too"
like "$(stderr)" "retention.consents.action" "names the key"

done_testing
