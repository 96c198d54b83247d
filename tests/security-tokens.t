#!/bin/bash
# Tokens and codes that stand for a person's answer (SECURITY.md, "The
# checks"): the single-use tokens in consent-send's confirm and decline
# links (privacyctl consent confirm|decline) and the identity codes of
# self-service requests (privacyctl request verify).  A forged token (a
# MAC under another key, or one character changed), a truncated or
# lengthened one, a token used twice and an expired one are refused with
# their documented exit status, and change nothing.
. "$(dirname "$0")/lib.sh"

export PRIVACY_NOW=2026-02-01T09:00:00Z
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
for i in 1 2 3 4; do
	sql "INSERT INTO customers (id, location_id, external_id, first_name,
		last_name, email, created_at, updated_at) VALUES ($i, 1, 'k$i',
		'Vor$i', 'Nach$i', 'kunde$i@example.org', '2016-01-01', '2016-01-01');
	INSERT INTO consents (customer_id, purpose, event, at, source, recorded_at)
		VALUES ($i, 'marketing-email', 'granted', '2016-05-0$i', 'import', '2016-01-01')"
done
cat >config.yaml <<EOF
controller:
  name: Salon Beispiel GmbH
  address: Hauptstr. 1, 10115 Berlin
  email: datenschutz@salon.example
consent:
  confirm_url: https://salon.example/consent/yes?t={token}
  decline_url: https://salon.example/consent/no?t={token}
EOF
export PRIVACY_CONFIG=$SCRATCH/config.yaml

run consent-send --campaign r1 --kind repermission --transport dir:"$SCRATCH/mail"
status 0 "a campaign of four messages, written as files"
# token_of ADDRESS [yes|no]: the token of the link in the message to ADDRESS
token_of() {
	/usr/bin/python3 - "$SCRATCH/mail" "$1" "${2:-yes}" <<'PY'
import email, glob, re, sys
for f in sorted(glob.glob(sys.argv[1] + "/new/*")):
    m = email.message_from_binary_file(open(f, "rb"))
    if sys.argv[2] not in m["To"]:
        continue
    body = m.get_payload(decode=True).decode()
    print(re.search(r"/consent/%s\?t=([A-Za-z0-9_~-]+)" % sys.argv[3], body).group(1))
PY
}
# mac KEYFILE MESSAGE_ID [confirm|decline]: the token as token.h derives it
mac() {
	/usr/bin/python3 - "$1" "$2" "${3:-confirm}" <<'PY'
import base64, hmac, hashlib, sys
key = open(sys.argv[1], "rb").read()
ctx = b"privacyctl consent " + sys.argv[3].encode() + b" v2\0"
d = hmac.new(key, ctx + sys.argv[2].encode(), hashlib.sha256).digest()
t = base64.urlsafe_b64encode(d).decode().rstrip("=")
print("~" + t[1:] if t[0] == "-" else t)
PY
}
t1=$(token_of kunde1@example.org)
t2=$(token_of kunde2@example.org)
t3=$(token_of kunde3@example.org)
t4=$(token_of kunde4@example.org no)
like "$t1 $t2 $t3 $t4" "^([A-Za-z0-9_~-]{43} ){3}[A-Za-z0-9_~-]{43}$" "four tokens taken from the messages"
mid1=$(sql "SELECT message_id FROM campaign_messages WHERE customer_id = 1")
KEY="$PRIVACY_DB.campaign-key"
is "$(mac "$KEY" "$mid1")" "$t1" "the token is the HMAC of the Message-ID under the campaign key (the forgeries below differ only in that)"
d1=$(token_of kunde1@example.org no)
is "$(mac "$KEY" "$mid1" decline)" "$d1" "the decline link carries the decline token, under its own context"
[ -n "$d1" ] && [ "$d1" != "$t1" ]; ok $? "the confirm and the decline link carry different tokens"
grep -qaF "$t1" "$PRIVACY_DB" "$PRIVACY_DB-wal" 2>/dev/null
ok $((! $?)) "the token itself is not in the database bytes, only its hash"

snapshot before
# ---- forgery ------------------------------------------------------------
head -c 32 /dev/urandom >other.key
forged=$(mac other.key "$mid1")
run privacyctl consent confirm "$forged"
status 66 "a token MACed under another key: 66"
like "$(stderr)" "unknown token" "refused as unknown"
mid2=$(sql "SELECT message_id FROM campaign_messages WHERE customer_id = 2")
run privacyctl consent confirm "$(mac "$KEY" "${mid2%@*}@attacker.example")"
status 66 "the right key over a Message-ID no campaign sent: 66"
# one character changed, at the end (still well-formed) and in the middle
last=${t1: -1}
case $last in A) alt=E ;; *) alt=A ;; esac
run privacyctl consent confirm "${t1:0:42}$alt"
status 66 "the last character changed: 66"
mid=${t1:20:1}
case $mid in x) alt=y ;; *) alt=x ;; esac
run privacyctl consent confirm "${t1:0:20}$alt${t1:21}"
status 66 "a middle character changed: 66"
run privacyctl consent decline "${t1:0:20}$alt${t1:21}"
status 66 "nor can it decline: 66"
unchanged before "forged tokens change nothing"
unlike "$(stderr)" "$t1|kunde" "the token and the address are not echoed"

# ---- truncation and other shapes -------------------------------------------
for bad in "${t1:0:42}" "${t1:0:22}" "${t1:0:1}" "${t1}A" "${t1}=" "$t1 " " $t1" \
	   "$(printf '%s' "$t1" | tr 'a-z' 'A-Z')x"; do
	run privacyctl consent confirm "$bad"
	status 65 "malformed (${#bad} characters): 65"
done
like "$(stderr)" "malformed token" "says so"
unchanged before "malformed tokens change nothing"

# ---- expiry -----------------------------------------------------------
exp=$(sql "SELECT token_expires_at FROM campaign_messages WHERE customer_id = 3")
like "$exp" "^2026-" "the token has an expiry ($exp)"
PRIVACY_NOW=$exp run privacyctl consent confirm "$t3"
status 65 "at the second of its expiry: 65"
like "$(stderr)" "expired" "says it expired"
PRIVACY_NOW=2027-01-01T00:00:00Z run privacyctl consent confirm "$t3"
status 65 "long after: 65"
PRIVACY_NOW=2027-01-01T00:00:00Z run privacyctl consent decline "$t4"
status 65 "an expired token cannot decline either: 65"
unchanged before "expired tokens change nothing"

# ---- two capabilities: one cannot act as the other ------------------------
# On 5e6c13d one token served both links, so a scanner's fetch of the decline
# link could have been replayed as a confirmation and the other way round.
snapshot caps
run privacyctl consent confirm "$d1"
status 65 "the decline token cannot confirm: 65"
like "$(stderr)" "is a decline token: it cannot confirm" "says so"
run privacyctl consent decline "$t2"
status 65 "the confirm token cannot decline: 65"
like "$(stderr)" "is a confirm token: it cannot decline" "says so"
unchanged caps "a token used for the other action changes nothing"

# ---- single use ---------------------------------------------------------
run privacyctl consent confirm "$t1"
status 0 "the real token works"
is "$(sql "SELECT event || ' ' || source FROM consents WHERE customer_id = 1 ORDER BY id DESC LIMIT 1")" \
	"confirmed re-permission" "and is recorded"
snapshot used
run privacyctl consent confirm "$t1"
status 65 "used twice: 65"
like "$(stderr)" "already used" "says so"
run privacyctl consent decline "$t1"
status 65 "a confirmed token cannot decline afterwards: 65"
run privacyctl consent decline "$d1"
status 65 "the confirmation killed the decline token too: 65"
like "$(stderr)" "already used \(confirmed\)" "says it was used"
run privacyctl consent decline "$t4"
status 0 "a decline"
snapshot used
run privacyctl consent confirm "$t4"
status 65 "a declined token cannot confirm afterwards: 65"
unchanged used "reuse changes nothing"
PRIVACY_NOW=$exp run privacyctl consent confirm "$t2"
status 65 "the untouched one expires like the others"
run dsar-erase --customer 2
status 0 "customer 2 is erased"
snapshot erased
run privacyctl consent confirm "$t2"
status 66 "the token of an erased customer: 66"
like "$(stderr)" "erased" "says so"
unchanged erased "and changes nothing (no consent for nobody)"

# ---- request verification codes -----------------------------------------
privacyctl settings set mitte requests=self-service >/dev/null
code_of() { sql "SELECT json_extract(payload, '\$.code') FROM events WHERE request_id = $1 AND type = 'request.verification' ORDER BY id DESC LIMIT 1"; }
rnew() { privacyctl request new --type access --customer "$1" --channel booking-form | jget request_id; }
ra=$(rnew 3)
rb=$(rnew 4)
ca=$(code_of "$ra")
cb=$(code_of "$rb")
C='[0-9A-HJKMNP-TV-Z]'
like "$ca $cb" "^$C{4}-$C{4} $C{4}-$C{4}$" "two requests waiting for their codes (8 characters, no I, L, O, U)"
state() { sql "SELECT status || ' ' || verify_attempts FROM requests WHERE id = $1"; }
run privacyctl request verify "$rb" "$ca"
status 65 "another request's code: 65"
is "$(state "$rb")" "unverified 1" "refused and counted"
run privacyctl request verify "$rb" "${cb:0:8}"
status 65 "a truncated code: 65"
run privacyctl request verify "$rb" "${cb}A"
status 65 "a lengthened code: 65"
run privacyctl request verify "$rb" "${cb:0:4}"
status 65 "half a code: 65"
is "$(state "$rb")" "unverified 4" "still unverified, each attempt counted"
snapshot codes
PRIVACY_NOW=2026-02-02T09:00:00Z run privacyctl request verify "$ra" "$ca"
status 77 "a code at the second it expires (24 hours): 77"
unchanged codes "an expired code changes nothing"
run privacyctl request verify "$ra" "$ca"
status 0 "the right code within its time"
run privacyctl request verify "$ra" "$ca"
status 65 "used twice: 65"
is "$(state "$ra")" "verified 0" "verified once"
unlike "$(sql "SELECT group_concat(detail) FROM audit") $(sql "SELECT group_concat(coalesce(verify_hash, '')) FROM requests")" \
	"$ca|$cb" "no code in the audit log or in clear in the requests"

done_testing
