#!/bin/bash
# notify: routing, messages, SMTP (STARTTLS, AUTH, 4xx, 5xx, drops),
# webhooks, delivery state, bad input.  Real servers on free ports.
. "$(dirname "$0")/lib.sh"

export PRIVACY_NOW=2026-03-02T09:00:00Z
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl location add nord --name "Studio Nord" >/dev/null
privacyctl settings set mitte notify-email=team@salon-mitte.example >/dev/null
privacyctl settings set nord notify-email=office@nord.example language=en >/dev/null
sql "INSERT INTO customers (id, location_id, external_id, first_name,
	last_name, email, created_at, updated_at) VALUES
	(1, 1, 'K-1', 'Jörg', 'Groß', 'joerg@kunde.example', 'x', 'x'),
	(2, 1, 'K-2', 'Eve' || char(13) || char(10) || 'Bcc: evil@attacker.example', 'Ä',
	 'eve@kunde.example', 'x', 'x'),
	(3, 2, 'K-3', 'Drop', 'Me', 'drop@kunde.example', 'x', 'x'),
	(5, 2, 'K-5', 'Ann', 'Lee', 'ann@kunde.example', 'x', 'x'),
	(4, 1, 'K-4', 'No', 'Mail', NULL, 'x', 'x')"

mkdir certs
make_cert certs
printf 's3cret-pw\n' >pw
chmod 600 pw
start_smtpd smtp --tls certs/cert.pem certs/key.pem --auth mailer:s3cret-pw
cat >config.yaml <<EOF
smtp:
  url: smtp://127.0.0.1:$SMTP_PORT
  user: mailer
  password_file: $SCRATCH/pw
  ca_file: $SCRATCH/certs/cert.pem
  timeout: 5
mail:
  from: datenschutz@salon.example
EOF
export PRIVACY_CONFIG=$SCRATCH/config.yaml

# mailget FILE what: subject, body, to, from, headers, attachment
mailget() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import email, sys
from email import policy
raw = open(sys.argv[1], "rb").read()
m = email.message_from_bytes(raw, policy=policy.default)
w = sys.argv[2]
if w == "headers":
    sys.stdout.write(raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace"))
elif w == "body":
    sys.stdout.write(m.get_body(("plain",)).get_content())
elif w == "attachment":
    for p in m.iter_attachments():
        sys.stdout.write(p.get_filename() + "\n" + p.get_content().decode() if isinstance(p.get_content(), bytes) else p.get_filename() + "\n" + p.get_content())
else:
    sys.stdout.write(str(m[w]))
PY
}
last_mail() { ls smtp/msg/*.eml 2>/dev/null | tail -1; }
nmails() { ls smtp/msg/*.eml 2>/dev/null | wc -l; }

# --- each event type: headers and body --------------------------------
check_event() { # TYPE RECORD SUBJECT-ERE BODY-ERE [TO]
	local before=$(nmails)
	run notify <<<"$2"
	status 0 "$1: delivered"
	is "$(jget status <"$out")" "delivered" "$1: one delivered record"
	is "$(nmails)" "$((before + 1))" "$1: one message received"
	local m=$(last_mail)
	like "$(mailget "$m" subject)" "$3" "$1: subject"
	like "$(mailget "$m" body)" "$4" "$1: body"
	[ -n "${5:-}" ] && is "$(mailget "$m" to)" "$5" "$1: recipient"
	return 0
}
check_event request.received \
	'{"event":"request.received","location":"mitte","request_id":5,"type":"erasure","due":"2026-04-02"}' \
	'^Neue Datenschutzanfrage Nr\. 5 \(Salon Mitte\)$' 'Frist: 2\. April 2026' \
	'team@salon-mitte.example'
check_event request.verification \
	'{"event":"request.verification","location":"mitte","audience":"customer","customer_id":1,"type":"access","code":"481516","expires":"2026-03-02T10:00:00Z","email":"attacker@evil.example"}' \
	'Bestätigungscode für Ihre Datenschutzanfrage bei Salon Mitte' '    481516' \
	'Jörg Groß <joerg@kunde.example>'
check_event export.ready \
	'{"event":"export.ready","location":"nord","audience":"customer","customer_id":5,"request_id":9,"export":{"customer":{"name":"Drop Me"}}}' \
	'^Your data at Studio Nord: your copy$' 'machine-readable format'
is "$(mailget "$(last_mail)" attachment | head -6)" $'your-data.json\n{\n  "customer": {\n    "name": "Drop Me"\n  }\n}your-data.html' "export.ready: the export is attached as JSON, then as HTML"
check_event request.extended \
	'{"event":"request.extended","location":"nord","audience":"customer","customer_id":5,"request_id":9,"due":"2026-06-02","extended_due":"2026-08-03","reason":"many records"}' \
	'we need a little longer' 'extend the deadline to 3 August 2026\.'
like "$(mailget "$(last_mail)" body)" 'Reason for the extension: many records' "request.extended: the reason"
check_event request.rejected \
	'{"event":"request.rejected","location":"mitte","audience":"customer","customer_id":1,"request_id":6,"reason":"not verifiable"}' \
	'^Ihre Datenschutzanfrage Nr\. 6$' 'Grund der Ablehnung: not verifiable'
like "$(mailget "$(last_mail)" body)" 'Aufsichtsbehörde beschweren' "request.rejected: the complaint (Art. 12(4))"
like "$(mailget "$(last_mail)" body)" 'gerichtlichen Rechtsbehelf' "request.rejected: the judicial remedy"
check_event request.completed \
	'{"event":"request.completed","location":"mitte","request_id":6,"type":"access"}' \
	'Datenschutzanfrage Nr\. 6 erledigt' 'Art: Auskunft \(Art\. 15 DSGVO\)'
check_event erasure.completed \
	'{"event":"erasure.completed","location":"mitte","request_id":7,"external_id":"K-9","email":"gone@kunde.example"}' \
	'Bitte auch in anderen Systemen löschen: Kunde K-9' 'Kundennummer: K-9'
like "$(mailget "$(last_mail)" body)" 'E-Mail: gone@kunde.example' "erasure.completed: the identifiers to find the customer elsewhere"
check_event deadline.approaching \
	'{"event":"deadline.approaching","location":"nord","request_id":8,"due":"2026-03-05"}' \
	'^Deadline near: privacy request no\. 8 due 5 March 2026$' 'ends on 5 March 2026'
check_event request.overdue \
	'{"event":"request.overdue","location":"nord","request_id":8,"due":"2026-03-01"}' \
	'^Deadline passed: privacy request no\. 8$' 'passed on 1 March 2026'
check_event check.marketing-without-consent \
	'{"event":"check.marketing-without-consent","location":"mitte","customers":3}' \
	'^Datenschutz-Prüfung: Befund \(Salon Mitte\)$' 'Kunden: 3'
check_event consent.withdrawn \
	'{"event":"consent.withdrawn","location":"nord","customer_id":3,"purpose":"marketing-email"}' \
	'^Consent withdrawn \(Studio Nord\)$' 'Purpose: marketing by e-mail'

m=$(last_mail)
h=$(mailget "$m" headers)
like "$h" $'^Date: Mon, 02 Mar 2026 09:00:00 \\+0000' "Date from PRIVACY_NOW"
like "$h" $'^Message-I[dD]: <[0-9a-f]{32}@salon.example>' "Message-ID in the sender's domain"
like "$h" $'From: Studio Nord <datenschutz@salon.example>' "From: config address, location name"
like "$h" 'X-Test-TLS: yes' "sent over TLS (STARTTLS)"
like "$(cat smtp/log)" 'AUTH ok' "authenticated"

# the customer's address on file, never one from the event input
is "$(grep -l 'attacker@evil.example' smtp/msg/*.eml | wc -l)" "0" "an address in the event input is not used"

# --- CR/LF and non-ASCII in a name ------------------------------------
run notify <<<'{"event":"request.rejected","location":"mitte","audience":"customer","customer_id":2,"request_id":11,"reason":"x\r\nBcc: evil2@attacker.example"}'
status 0 "name with CR/LF: delivered"
h=$(mailget "$(last_mail)" headers)
unlike "$h" '^Bcc:' "no Bcc header injected from the name"
unlike "$h" 'X-Test-Rcpt-To: evil' "the attacker is no recipient"
like "$h" '^To: .*=\?UTF-8\?' "the non-ASCII name is RFC 2047 encoded"
like "$(mailget "$(last_mail)" to)" '^"Eve  Bcc: evil@attacker.example Ä" <eve@kunde.example>$' "CR/LF became spaces in the display name"

# --- one delivery per event, however often it is piped -----------------
sql "DELETE FROM deliveries; DELETE FROM events"
run notify <<<'{"event":"request.received","location":"mitte","request_id":20}'
payload=$(sql "SELECT payload FROM events WHERE id = (SELECT max(id) FROM events)")
n0=$(nmails)
run notify <<<"$payload
$payload"
status 0 "an outbox event piped again"
is "$(jget status <"$out")" "skipped" "is skipped"
is "$(nmails)" "$n0" "and not sent again"
is "$(sql "SELECT count(*) FROM events")" "1" "and not queued again"

# --- outbox: --pending, payload scrubbed after delivery -----------------
sql "INSERT INTO events (type, at, location_id, customer_id, request_id, audience, payload)
	VALUES ('erasure.completed', '2026-03-02T08:00:00Z', 1, 1, 30, 'business',
	'{\"id\":2,\"event\":\"erasure.completed\",\"location\":\"mitte\",\"customer_id\":1,\"request_id\":30,\"audience\":\"business\",\"email\":\"joerg@kunde.example\",\"name\":\"Jörg Groß\"}')"
run notify --pending
status 0 "--pending delivers the outbox"
is "$(jget event_id <"$out")" "2" "the waiting event"
is "$(sql "SELECT status, scrubbed FROM events WHERE id = 2")" "delivered|1" "marked delivered and scrubbed"
is "$(sql "SELECT payload FROM events WHERE id = 2")" '{"id":2,"event":"erasure.completed","location":"mitte","customer_id":1,"request_id":30,"audience":"business"}' "no personal data left in the payload"
like "$(mailget "$(last_mail)" body)" 'Name: Jörg Groß' "the mail had the identifiers"
is "$(sql "SELECT action, object, detail FROM audit ORDER BY id DESC LIMIT 1")" 'notify.deliver|event:2|{"channel":"email","status":"delivered","event_status":"delivered"}' "the delivery is audited"
unlike "$(sql "SELECT group_concat(detail) FROM audit")" 'kunde.example|Jörg' "no personal data in the audit log"
run notify --pending
status 0 "nothing left"
is "$(stdout)" "" "no output when nothing waits"

# --- events written by the real producers (privacyctl request), --pending --
privacyctl settings set mitte requests=self-service >/dev/null
privacyctl request new --type erasure --customer 1 --channel booking-form >/dev/null
rid=$(sql "SELECT max(id) FROM requests")
n0=$(nmails)
run notify --pending
status 0 "the verification code from the outbox"
is "$(jget event <"$out")" "request.verification" "the producer's event"
is "$(mailget "$(last_mail)" to)" "Jörg Groß <joerg@kunde.example>" "to the customer on file"
code=$(mailget "$(last_mail)" body | tr -d '\r' | sed -n 's/^    \([^ ]*\)$/\1/p')
like "$code" '^[0-9A-Za-z-]{4,}$' "the mail holds the code"
unlike "$(mailget "$(last_mail)" body)" 'gilt bis  ' "with its expiry"
is "$(sql "SELECT count(*) FROM events WHERE type = 'request.verification' AND payload LIKE '%code%'")" "0" "the code is scrubbed from the outbox"
privacyctl request verify "$rid" "$code" >/dev/null
ok $? "the mailed code verifies the request"
privacyctl request extend "$rid" --by 1 --reason "viele Systeme" >/dev/null
run notify --pending
status 0 "received and extended from the outbox"
is "$(jget event <"$out" | tr '\n' ' ')" "request.received request.extended " "both events, in order"
like "$(mailget "$(last_mail)" body)" 'verlängern wir die Frist bis zum [0-9]+\. [A-Z][a-zä]+ 20[0-9][0-9]\.' "the extension with the new deadline, as people write dates"
like "$(mailget "$(last_mail)" body)" 'Grund der Verlängerung: viele Systeme' "and its reason"
privacyctl settings set mitte requests=manual >/dev/null

# --- --digest ---------------------------------------------------------
for r in 40 41 42; do
	sql "INSERT INTO events (type, at, location_id, request_id, audience, payload)
		VALUES ('request.received', '2026-03-02T08:00:00Z', 1, $r, 'business',
		'{\"event\":\"request.received\",\"request_id\":$r}')"
done
n0=$(nmails)
run notify --pending --digest
status 0 "--digest"
is "$(grep -vc '^{"summary"' "$out")" "3" "one record per event"
is "$(tail -1 "$out")" '{"summary":{"program":"notify","dry_run":false,"delivered":3,"deferred":0,"failed":0}}' "then the summary record (issue 17)"
is "$(nmails)" "$((n0 + 1))" "one message for the location"
like "$(mailget "$(last_mail)" subject)" '^Datenschutz: 3 Ereignisse \(Salon Mitte\)$' "digest subject"
b=$(mailget "$(last_mail)" body)
like "$b" 'Datenschutzanfrage Nr\. 40' "digest lists the first event"
like "$(echo "$b" | tr '\n' ' ')" '40 .*41 .*42 ' "and all others"
is "$(sql "SELECT count(*) FROM events WHERE status = 'delivered' AND request_id IN (40,41,42)")" "3" "all marked delivered"
run notify --digest
status 64 "--digest without --pending is a usage error"

# --- --to, dry run, dir: transport ------------------------------------
n0=$(nmails)
run notify --to admin@salon.example <<<'{"event":"check.overdue-requests","count":2}'
status 0 "--to without a location"
is "$(mailget "$(last_mail)" to)" "admin@salon.example" "--to overrides"
# the findings of privacyctl check, whatever their names, to an admin
privacyctl settings set nord requests=self-service >/dev/null
sql "UPDATE settings SET notify_email = NULL WHERE location_id = 2"
privacyctl check >findings 2>/dev/null
is "$(grep -c settings.notify-email-missing findings)" "1" "check has a finding"
n0=$(nmails)
run notify --to admin@salon.example findings
status 0 "check findings | notify --to"
is "$(nmails)" "$((n0 + $(wc -l <findings)))" "one mail per finding"
# the mail says the finding in words, not its name (mail-words.t)
fm=
for f in smtp/msg/*.eml; do
	case "$(mailget "$f" subject)" in *"No notification address set"*) fm=$f ;; esac
done
like "$fm" eml "the finding is in a mail"
like "$(mailget "$fm" subject)" '^Compliance check: No notification address set \(Studio Nord\)$' "as a compliance finding, in words"
like "$(mailget "$fm" body)" 'What to do:' "with what to do, in words (not check's command)"
sql "UPDATE settings SET notify_email = 'office@nord.example' WHERE location_id = 2"
snapshot before
n0=$(nmails)
run notify -n <<<'{"event":"request.received","location":"mitte","request_id":50}'
status 0 "dry run"
is "$(jget status <"$out")" "dry-run" "reports dry-run"
is "$(nmails)" "$n0" "dry run sends nothing"
unchanged before "dry run changes nothing"
run notify --transport dir:md <<<'{"event":"request.received","location":"mitte","request_id":51}'
status 0 "dir: transport"
is "$(ls md/new | wc -l | tr -d ' ')" "1" "one file in new/"
like "$(cat md/new/*)" 'Datenschutzanfrage Nr\. 51' "the message"
is "$(ls md/tmp | wc -l | tr -d ' ')" "0" "nothing left in tmp/"
run notify --transport ftp:x <<<'{}'
status 64 "unknown transport: usage"

# --- bad input: clear message, 65, database unchanged ------------------
snapshot before
bad() { # NAME INPUT ERE
	run notify <<<"$2"
	status 65 "$1: exit 65"
	like "$(stderr)" "$3" "$1: message"
	unchanged before "$1: database unchanged"
}
bad "no event" '{"location":"mitte"}' '^notify: stdin:1: event: missing$'
bad "not an event type" '{"event":"Request Exploded","location":"mitte"}' "^notify: stdin:1: event: not an event type \\(like 'request.received'\\)$"
bad "no location" '{"event":"request.received"}' '^notify: stdin:1: location: missing$'
bad "unknown location" '{"event":"request.received","location":"sued"}' "^notify: stdin:1: location: no such location: 'sued'$"
bad "bad customer_id" '{"event":"request.rejected","location":"mitte","audience":"customer","customer_id":"x1"}' '^notify: stdin:1: customer_id: not a positive integer$'
bad "customer event without customer" '{"event":"request.rejected","location":"mitte","audience":"customer"}' '^notify: stdin:1: customer_id: missing'
bad "bad audience" '{"event":"request.received","location":"mitte","audience":"everyone"}' "^notify: stdin:1: audience: must be 'business' or 'customer'$"
bad "second record bad: none queued" $'{"event":"request.received","location":"mitte"}\n{"event":"nope"}' '^notify: stdin:2: event: not an event type'
bad "broken JSON" '{"event":' '^notify: stdin:[12]: '
run script -qec notify /dev/null </dev/null
status 64 "a terminal on stdin without --pending: usage, no waiting"
like "$(stdout)" 'reads event records from standard input' "says what it reads"
run notify --to 'x@y' <<<'{}'
status 64 "--to with a bad address"

# --- customer without an address: failed for good ---------------------
run notify <<<'{"event":"request.rejected","location":"mitte","audience":"customer","customer_id":4,"reason":"r"}'
status 69 "customer without address: 69"
is "$(jget reply <"$out")" "no e-mail address on file for customer 4" "says why (ids only)"

# --- 4xx, then success on the next run --------------------------------
echo "451 4.3.0 mailbox busy" >smtp/reply
run notify <<<'{"event":"request.received","location":"mitte","request_id":60}'
status 75 "4xx: exit 75"
id=$(jget event_id <"$out")
is "$(jget status <"$out")" "deferred" "deferred"
like "$(jget reply <"$out")" '^451 4.3.0 mailbox busy' "the server's reply"
is "$(sql "SELECT status, attempts, next_attempt_at FROM events WHERE id = $id")" "deferred|1|2026-03-02T09:05:00Z" "retry in 5 minutes"
run notify --pending
status 0 "not due yet"
is "$(stdout)" "" "nothing attempted before the retry time"
rm smtp/reply
n0=$(nmails)
PRIVACY_NOW=2026-03-02T09:06:00Z run notify --pending
status 0 "next run delivers"
is "$(sql "SELECT status, attempts, scrubbed FROM events WHERE id = $id")" "delivered|2|1" "delivered on the second attempt"
is "$(nmails)" "$((n0 + 1))" "exactly one message"

# growing delay, then given up after 5 days
echo "421 4.3.2 try later" >smtp/reply
run notify <<<'{"event":"request.received","location":"mitte","request_id":61}'
id=$(jget event_id <"$out")
PRIVACY_NOW=2026-03-02T09:06:00Z run notify --pending
status 75 "second 4xx"
is "$(sql "SELECT next_attempt_at FROM events WHERE id = $id")" "2026-03-02T09:16:00Z" "the delay doubles"
PRIVACY_NOW=2026-03-07T09:00:00Z run notify --pending
status 69 "given up after 5 days: 69"
is "$(sql "SELECT status, scrubbed FROM events WHERE id = $id")" "failed|0" "failed, payload kept for notify --retry"
like "$(jget reply <"$out")" 'given up after 5 days' "says so"
rm smtp/reply

# --- 5xx: failed for good ---------------------------------------------
echo "554 5.7.1 policy rejection" >smtp/reply
run notify <<<'{"event":"request.received","location":"mitte","request_id":62}'
status 69 "5xx: exit 69"
id=$(jget event_id <"$out")
is "$(sql "SELECT status, scrubbed, last_reply FROM events WHERE id = $id")" "failed|0|554 5.7.1 policy rejection" "failed, payload kept for notify --retry, reply kept"
rm smtp/reply

# --- connection dropped after DATA: deferred ---------------------------
n0=$(nmails)
run notify <<<'{"event":"request.extended","location":"nord","audience":"customer","customer_id":3,"request_id":63,"due":"2026-06-01","reason":"r"}'
status 75 "connection dropped after DATA: 75"
is "$(jget status <"$out")" "deferred" "deferred (the server may or may not have it)"
is "$(nmails)" "$((n0 + 1))" "the server recorded it once"

# --- template override, unknown placeholder ----------------------------
mkdir tpl
printf 'Subject: Neu: {{request_id}}\n\nHallo {{location_name}}, Anfrage {{request_id}}.\n' >tpl/request.received.de.txt
printf 'templates: %s/tpl\n' "$SCRATCH" >>config.yaml
run notify <<<'{"event":"request.received","location":"mitte","request_id":70}'
status 0 "template file"
is "$(mailget "$(last_mail)" subject)" "Neu: 70" "template subject"
like "$(mailget "$(last_mail)" body)" '^Hallo Salon Mitte, Anfrage 70.' "template body"
printf 'Subject: x\n\n{{colour}}\n' >tpl/request.received.de.txt
snapshot before
run notify --pending
status 0 "nothing pending"
run notify <<<'{"event":"request.received","location":"mitte","request_id":71}'
status 78 "unknown placeholder: 78"
like "$(stderr)" "template 'request.received': \{\{colour\}\}: unknown placeholder" "names the placeholder"
is "$(sql "SELECT status FROM events WHERE request_id = 71")" "pending" "the event waits"
rm -r tpl
sed -i '/^templates:/d' config.yaml
run notify --pending
status 0 "delivered once the template is fixed"

# --- SMTP set-up errors: nothing sent, events stay pending ---------------
stop_server "$SMTPD_PID"
sql "INSERT INTO events (type, at, location_id, request_id, audience, payload)
	VALUES ('request.received', '2026-03-02T08:00:00Z', 1, 80, 'business', '{}')"
chmod 644 pw
start_smtpd smtp2 --tls certs/cert.pem certs/key.pem --auth mailer:s3cret-pw
sed -i "s|127.0.0.1:[0-9]*|127.0.0.1:$SMTP_PORT|" config.yaml
snapshot before
run notify --pending
status 77 "a password file readable by others: 77"
like "$(stderr)" "secret file is accessible by group or others" "says so"
unchanged before "nothing changed"
chmod 600 pw
PRIVACY_SMTP_PASSWORD=wrong run notify --pending
status 77 "wrong password: 77"
like "$(stderr)" 'authentication failed' "says so"
like "$(cat smtp2/log)" 'AUTH bad' "the server saw a bad AUTH"
unchanged before "the event stays pending"
PRIVACY_SMTP_PASSWORD=s3cret-pw run notify --pending
status 0 "PRIVACY_SMTP_PASSWORD works"
stop_server "$SMTPD_PID"

start_smtpd smtp3 --no-starttls --auth mailer:s3cret-pw
sed -i "s|127.0.0.1:[0-9]*|127.0.0.1:$SMTP_PORT|" config.yaml
run notify <<<'{"event":"request.received","location":"mitte","request_id":81}'
status 78 "STARTTLS not offered: 78"
like "$(stderr)" 'does not offer STARTTLS' "says so"
is "$(cat smtp3/log 2>/dev/null)" "" "no AUTH and no mail in clear"
is "$(ls smtp3/msg | wc -l | tr -d ' ')" "0" "nothing received"
is "$(sql "SELECT status FROM events WHERE request_id = 81")" "pending" "the event waits"
sed -i 's|^  url: smtp://127.0.0.1|  url: smtp://mail.example.com|; /^  tls:/d' config.yaml
printf '  tls: none\n' >tls.yaml
sed -i '/^  timeout:/r tls.yaml' config.yaml
run notify --pending
status 78 "tls: none towards a remote host: 78"
like "$(stderr)" "smtp.tls: 'none' is allowed only towards a loopback host" "says so"
stop_server "$SMTPD_PID"

# --- webhooks: signature, retry, 4xx ------------------------------------
head -c 32 /dev/urandom | base64 >whsecret
chmod 600 whsecret
start_httpd hook whsecret
cat >config.yaml <<EOF
mail:
  from: datenschutz@salon.example
webhook:
  secret_file: $SCRATCH/whsecret
EOF
privacyctl settings set nord notify-webhook="http://127.0.0.1:$HTTP_PORT/privacy" >/dev/null
sql "DELETE FROM deliveries; DELETE FROM events"
echo "503 once" >hook/status
run notify --transport dir:md2 <<<'{"event":"erasure.completed","location":"nord","request_id":90,"external_id":"K-3"}'
status 75 "webhook 503: 75"
id=$(jget event_id <"$out" | sed -n 1p)
is "$(grep -c '"channel":"email","status":"delivered"' "$out")" "1" "the e-mail went out"
is "$(grep -c '"channel":"webhook","status":"deferred"' "$out")" "1" "the webhook is deferred"
is "$(sql "SELECT status, scrubbed FROM events WHERE id = $id")" "deferred|0" "the event is deferred, payload kept"
PRIVACY_NOW=2026-03-02T09:10:00Z run notify --pending --transport dir:md2
status 0 "retry delivers"
is "$(grep -vc '^{"summary"' "$out")" "1" "only the webhook is retried"
is "$(jget channel <"$out")" "webhook" "the webhook"
is "$(ls md2/new | wc -l | tr -d ' ')" "1" "the e-mail was not sent twice"
is "$(sql "SELECT status, scrubbed FROM events WHERE id = $id")" "delivered|1" "delivered and scrubbed"
is "$(jget signature_ok <hook/log | sort -u)" "true" "every signature verifies"
is "$(jget unsigned_delivery_ok <hook/log | sort -u)" "false" \
	"the signature covers the delivery id (timestamp.delivery.body, not timestamp.body)"
is "$(jget event <hook/log | sort -u)" "erasure.completed" "X-Privacy-Event"
is "$(jget delivery <hook/log | sort -u)" "nord-$id" "one delivery id for both attempts"
like "$(jget body <hook/log | tail -1)" '"external_id":"K-3"' "the event as JSON"
echo "410" >hook/status
run notify --transport dir:md2 <<<'{"event":"request.received","location":"nord","request_id":91}'
status 69 "webhook 410: 69"
is "$(grep -c '"channel":"webhook","status":"failed"' "$out")" "1" "failed for good"
rm hook/status
printf 'short\n' >whsecret
run notify --transport dir:md2 <<<'{"event":"request.received","location":"nord","request_id":92}'
status 78 "a short webhook secret: 78"
# settings refuse such a URL; notify refuses it too (a database edited by hand)
sql "UPDATE settings SET notify_webhook = 'http://192.0.2.1/hook' WHERE location_id = 2"
head -c 32 /dev/urandom | base64 >whsecret
run notify --transport dir:md2 <<<'{"event":"request.received","location":"nord","request_id":94}'
status 69 "plain http to a remote host: 69"
like "$(grep '"channel":"webhook"' "$out")" '"status":"failed".*only https://, or http:// to a loopback host' "refused, nothing sent"

# --- routing: no address configured -------------------------------------
privacyctl settings set mitte notify-email= >/dev/null 2>&1
if [ "$(sql "SELECT notify_email IS NULL FROM settings WHERE location_id = 1")" = 1 ]; then
	run notify --transport dir:md2 <<<'{"event":"request.received","location":"mitte","request_id":93}'
	status 78 "no notify-email: 78"
	is "$(sql "SELECT status FROM events WHERE request_id = 93")" "pending" "the event waits for an address"
fi

done_testing
