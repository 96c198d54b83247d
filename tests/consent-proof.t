#!/bin/bash
# Consent proof (issue 15 item 5, privacy(7) "Consent proof"): archived,
# versioned consent texts that ledger events point to; a signed paper form
# as proof; a web opt-in proves e-mail marketing only through its double
# opt-in confirmation (BGH I ZR 164/09); a pre-2018 opt-in that carries
# proof stays valid and is not asked again (Recital 171).  Each case failed
# on 5e6c13d.
. "$(dirname "$0")/lib.sh"
export PRIVACY_NOW=2026-11-29T12:00:00Z
EX="$TOP/examples/salon"

privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl customer import "$EX/customers.csv" >/dev/null
cid() { sql "SELECT id FROM customers WHERE external_id = '$1'"; }
K1=$(cid K-1001) K2=$(cid K-1002) K3=$(cid K-1003) K4=$(cid K-1004) K5=$(cid K-1005)

# ---- the archive of consent texts --------------------------------------------
printf 'Ja, ich möchte Neuigkeiten und Angebote von Salon Mitte per E-Mail erhalten.\nWiderruf jederzeit an datenschutz@salon.example.\n' >form-v1.txt
run privacyctl consent text-add --name booking-form --language de form-v1.txt
status 0 "archive the booking form's consent wording"
is "$(jget text_id <"$out") $(jget version <"$out") $(jget new <"$out")" "1 1 true" "text 1, version 1"
sha1=$(jget sha256 <"$out")
is "$sha1" "$(sha256sum form-v1.txt | cut -d' ' -f1)" "hashed: the SHA-256 of the text"
run privacyctl consent text-add --name booking-form --language de <form-v1.txt
status 0 "the same text again (from standard input)"
is "$(jget text_id <"$out") $(jget version <"$out") $(jget new <"$out")" "1 1 false" "archived once: the same text, the same version"
printf 'Ja, ich möchte Angebote per E-Mail und SMS erhalten.\n' >form-v2.txt
run privacyctl consent text-add --name booking-form --language de form-v2.txt
is "$(jget text_id <"$out") $(jget version <"$out")" "2 2" "a changed text is version 2"
run privacyctl consent text-show booking-form:de:1
status 0 "show version 1"
is "$(jget body <"$out")" "$(cat form-v1.txt)" "exactly the text that was archived"
snapshot texts
run sqlite3 "$PRIVACY_DB" "UPDATE consent_texts SET body = 'x' WHERE id = 1"
like "$(stderr)" "never changes" "an archived text cannot be changed"
run privacyctl consent text-show booking-form:de:9
status 66 "an unknown version: 66"
run privacyctl consent text-show 'booking form'
status 64 "a malformed reference: 64"
run privacyctl consent text-add --name 'Booking Form' --language de form-v1.txt
status 64 "a bad name: 64"
run privacyctl consent text-add --name booking-form --language de </dev/null
status 65 "an empty text: 65"
unchanged texts "bad text commands change nothing"

# ---- a grant points to the archived text -------------------------------------
run privacyctl consent grant "$K5" --purpose marketing-sms --source booking-form \
	--ip 198.51.100.23 --user-agent "Mozilla/5.0 (iPhone)" --text booking-form:de:2
status 0 "a web opt-in for SMS with the archived text"
is "$(jget state <"$out") $(jget text_id <"$out")" "valid 2" "valid, and points to text 2"
is "$(sql "SELECT text_id, text_version FROM consents WHERE customer_id = $K5 ORDER BY id DESC LIMIT 1")" \
	"2|$(sha256sum form-v2.txt | cut -d' ' -f1)" "the ledger keeps the text's id and hash"
snapshot granted
run privacyctl consent grant "$K5" --purpose marketing-sms --source booking-form --ip 192.0.2.1 --text 99
status 66 "a text that was never archived: 66"
run privacyctl consent grant "$K5" --purpose marketing-sms --source booking-form --ip 192.0.2.1 --text 1 --text-version v1
status 64 "--text and --text-version together: 64"
unchanged granted "and nothing is recorded"

# ---- e-mail: a web opt-in is proven by its double opt-in confirmation --------
run privacyctl consent grant "$K3" --purpose marketing-email --source booking-form \
	--ip 203.0.113.9 --user-agent "Mozilla/5.0" --text booking-form:de:1
status 0 "a web opt-in for e-mail with full web evidence"
is "$(jget state <"$out")" "unproven" "is unproven until confirmed (BGH I ZR 164/09)"
run privacyctl settings set mitte marketing=on
status 1 "it blocks marketing"

# ---- paper ---------------------------------------------------------------------
snapshot before_paper
run privacyctl consent grant "$K3" --purpose marketing-email --source paper
status 64 "--source paper without --document: 64"
like "$(stderr)" "needs --document" "says so"
run privacyctl consent grant "$K3" --purpose marketing-email --source staff --document "Scan 0042"
status 64 "--document without --source paper: 64"
unchanged before_paper "nothing recorded"
PRIVACY_NOW=2026-11-29T12:30:00Z run privacyctl consent grant "$K3" --purpose marketing-email --source paper \
	--document "Einwilligung 2026-11/0042 (Scan)" --text booking-form:de:1
status 0 "a consent signed on paper at the counter"
is "$(jget state <"$out") $(jget document <"$out")" "valid Einwilligung 2026-11/0042 (Scan)" "is proof, with its document reference and no user agent"
is "$(sql "SELECT source, document, evidence_ip IS NULL, evidence_user_agent IS NULL, text_id FROM consents WHERE customer_id = $K3 ORDER BY id DESC LIMIT 1")" \
	"paper|Einwilligung 2026-11/0042 (Scan)|1|1|1" "in the ledger"
unlike "$(sql "SELECT group_concat(detail) FROM audit")" "Einwilligung|203.0.113.9" "no evidence values in the audit log"

# ---- pre-2018 opt-ins with proof: valid, not asked again (Recital 171) -------
printf 'customer_external_id,purpose,event,at,source,evidence_ip,evidence_user_agent,text_version\nK-1002,marketing-sms,granted,2017-03-01T10:00:00Z,booking-form,192.0.2.44,Mozilla/5.0,sms-2016\n' >pre2018.csv
run privacyctl consent import pre2018.csv
status 0 "import a 2017 SMS opt-in with its web evidence"
run privacyctl consent list
is "$(grep "\"customer_id\":$K2," "$out" | grep marketing-sms | jget state)" "valid" "a 2017 opt-in with GDPR-grade evidence is valid"
run privacyctl consent list --needs-repermission
unlike "$(stdout)" "\"customer_id\":$K2,\"location\":\"mitte\",\"external_id\":\"K-1002\",\"purpose\":\"marketing-sms\"" "and does not need re-permission"
cat >config.yaml <<EOF
controller:
  name: Salon Beispiel GmbH
  email: datenschutz@salon.example
consent:
  confirm_url: https://salon.example/ja?t={token}
  decline_url: https://salon.example/nein?t={token}
EOF
export PRIVACY_CONFIG=$SCRATCH/config.yaml
run consent-send --campaign r1 --kind repermission -n
status 0 "re-permission plan"
is "$(grep "\"customer_id\":$K2," "$out" | jget purposes)" "marketing-email" "K-1002 is asked only about the e-mail opt-in without proof, not the proven 2017 SMS one"

# the paper form K-1002 signed in September 2017 turns up: imported with
# its reference, the 2017 e-mail opt-in is proven and not asked again
printf 'customer_external_id,purpose,event,at,source,document\nK-1002,marketing-email,granted,2017-09-15T10:00:00Z,paper,Anmeldebogen 2017/113\n' >paper2017.csv
run privacyctl consent import paper2017.csv
status 0 "import a 2017 paper opt-in with its document reference"
run consent-send --campaign r1 --kind repermission -n
is "$(grep -c "\"customer_id\":$K2," "$out")" "0" "K-1002 is no longer in the re-permission plan (Recital 171)"
run privacyctl consent list
is "$(grep "\"customer_id\":$K2," "$out" | grep marketing-email | jget state)" "valid" "its 2017 e-mail opt-in is valid: proven on paper"
snapshot before_bad_paper
printf 'customer_external_id,purpose,event,at,source,document\nK-1004,marketing-email,granted,2017-09-15T10:00:00Z,staff,Bogen 1\n' >badpaper.csv
run privacyctl consent import badpaper.csv
status 65 "a document with another source: 65"
like "$(stderr)" "badpaper.csv:2: document: only with source paper" "reported with file and line"
unchanged before_bad_paper "and nothing imported"

run privacyctl audit verify
status 0 "the audit chain is intact"
done_testing
