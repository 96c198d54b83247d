#!/bin/bash
# TLS verification is on by default, end to end (SECURITY.md, "The
# network"): with a configuration that says nothing about TLS, notify and
# consent-send refuse a STARTTLS server whose certificate nobody vouches
# for (self-signed), or whose name does not match, with exit status 78:
# nothing is received, nothing is marked sent.  No configuration value
# turns verification off; the only way to trust such a server is to name
# its certificate in smtp.ca_file (then, and only then, mail goes).  The
# same holds for smtps:// (TLS from the first byte, port 465 style).
# (The SMTP fault matrix, STARTTLS missing included, is tests/smtp-faults.t.)
. "$(dirname "$0")/lib.sh"

export PRIVACY_NOW=2026-03-02T09:00:00Z
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl settings set mitte notify-email=team@salon-mitte.example >/dev/null
for i in 1 2; do
	sql "INSERT INTO customers (id, location_id, external_id, first_name,
		last_name, email, created_at, updated_at) VALUES ($i, 1, 'k$i',
		'Vor$i', 'Nach$i', 'kunde$i@example.org', '2016-01-01', '2016-01-01');
	INSERT INTO consents (customer_id, purpose, event, at, source, recorded_at)
		VALUES ($i, 'marketing-email', 'granted', '2016-05-0$i', 'import', '2016-01-01')"
done
sql "INSERT INTO events (type, at, location_id, request_id, audience, payload)
	VALUES ('request.received', '2026-03-02T08:00:00Z', 1, 7, 'business', '{}')"

mkdir certs other
make_cert certs
# a certificate for another name, to be trusted and still refused
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=mail.other.example \
	-addext "subjectAltName=DNS:mail.other.example" \
	-keyout other/key.pem -out other/cert.pem >/dev/null 2>&1
[ -s certs/cert.pem ] && [ -s other/cert.pem ]; ok $? "two self-signed certificates"
start_smtpd smtp --tls certs/cert.pem certs/key.pem
good_port=$SMTP_PORT
start_smtpd smtp-other --tls other/cert.pem other/key.pem
other_port=$SMTP_PORT

# config [EXTRA-SMTP-LINE...]: smtp.url towards $PORT ($SCHEME://, smtp
# unless set), nothing about TLS
config() {
	{
		printf 'smtp:\n  url: %s://127.0.0.1:%s\n  timeout: 60\n' \
			"${SCHEME:-smtp}" "$PORT"
		for l in "$@"; do printf '  %s\n' "$l"; done
		salon_config
	} >config.yaml
}
export PRIVACY_CONFIG=$SCRATCH/config.yaml
nmsgs() { ls "$1"/msg 2>/dev/null | grep -c '\.eml$'; }
evstatus() { sql "SELECT status FROM events WHERE request_id = 7"; }
# the event waits again, as before any attempt
repend() {
	sql "UPDATE events SET status = 'pending', attempts = 0, next_attempt_at = NULL,
		last_reply = NULL WHERE request_id = 7; DELETE FROM deliveries"
}

# ---- the default configuration verifies ---------------------------------
PORT=$good_port config
grep -q 'tls\|ca_file\|verify' config.yaml; ok $((! $?)) "the configuration says nothing about TLS"
snapshot before
run notify --pending
status 78 "notify: a self-signed certificate is refused: 78"
like "$(stderr)" "TLS failed" "says the TLS handshake failed"
like "$(stderr)" "certificate|verif" "because of the certificate"
is "$(nmsgs smtp)" "0" "nothing was received"
is "$(evstatus)" "pending" "the event stays pending"
unchanged before "notify changed nothing"

run consent-send --campaign r1 --kind repermission
status 78 "consent-send: a self-signed certificate is refused: 78"
like "$(stderr)" "TLS failed" "says so"
is "$(nmsgs smtp)" "0" "nothing was received"
is "$(sql "SELECT count(*) FROM campaign_messages WHERE status = 'sent' OR sent_at IS NOT NULL")" "0" \
	"no campaign message is marked sent"

# ---- no configuration value turns it off ----------------------------------
for v in "tls: none" "tls: 'no'" "tls: 'false'" "tls: optional" "tls: insecure" \
	 "verify: 'false'" "ssl_verify: 'off'" "insecure: 'true'" "verify_peer: 'no'"; do
	PORT=$good_port config "$v"
	repend
	run notify --pending
	case $v in
	"tls: none")
		# allowed towards loopback only, and it is no "verify off": the
		# server demands STARTTLS, and nothing goes in clear
		ok $(( rc == 0 )) "smtp.$v: not delivered (status $rc)" ;;
	*)
		status 78 "smtp.$v: refused as a configuration or TLS error: 78" ;;
	esac
	is "$(nmsgs smtp)" "0" "smtp.$v: nothing was received"
done

# ---- a name that does not match, even when its certificate is trusted ----
PORT=$other_port config "ca_file: $SCRATCH/other/cert.pem"
repend
run notify --pending
status 78 "a trusted certificate for another name is refused: 78"
is "$(nmsgs smtp-other)" "0" "nothing was received"
PORT=$other_port config "ca_file: $SCRATCH/certs/cert.pem"
repend
run notify --pending
status 78 "a certificate other than the trusted one is refused: 78"
is "$(nmsgs smtp-other)" "0" "nothing was received"

# ---- smtps://: TLS from the first byte, verified the same way ------------
start_smtpd smtps --tls certs/cert.pem certs/key.pem --tls-on-connect
smtps_port=$SMTP_PORT
start_smtpd smtps-other --tls other/cert.pem other/key.pem --tls-on-connect
smtps_other_port=$SMTP_PORT
SCHEME=smtps PORT=$smtps_port config
repend
snapshot before
run notify --pending
status 78 "smtps://: notify refuses a self-signed certificate: 78"
like "$(stderr)" "TLS failed" "says the TLS handshake failed"
is "$(nmsgs smtps)" "0" "nothing was received"
is "$(evstatus)" "pending" "the event stays pending"
unchanged before "notify changed nothing"
run consent-send --campaign r1 --kind repermission
status 78 "smtps://: consent-send refuses it too: 78"
is "$(nmsgs smtps)" "0" "nothing was received"
is "$(sql "SELECT count(*) FROM campaign_messages WHERE status = 'sent' OR sent_at IS NOT NULL")" "0" \
	"no campaign message is marked sent"
SCHEME=smtps PORT=$smtps_port config "tls: none"
run notify --pending
status 78 "smtps:// with smtp.tls: none is a contradiction: 78"
like "$(stderr)" "contradicts smtps://" "says so"
SCHEME=smtps PORT=$smtps_other_port config "ca_file: $SCRATCH/other/cert.pem"
run notify --pending
status 78 "smtps://: a trusted certificate for another name is refused: 78"
is "$(nmsgs smtps-other)" "0" "nothing was received"
SCHEME=smtps PORT=$smtps_port config "ca_file: $SCRATCH/certs/cert.pem"
run notify --pending
status 0 "smtps:// with smtp.ca_file naming the certificate: notify delivers"
is "$(nmsgs smtps)" "1" "one message received"
grep -q '^X-Test-TLS: yes' smtps/msg/*.eml; ok $? "over TLS"
grep -q '^X-Test-Rcpt-To: team@salon-mitte.example' smtps/msg/*.eml
ok $? "to the location's notification address"
is "$(evstatus)" "delivered" "the event is delivered"

# ---- control: naming the certificate in ca_file is what makes it go ------
PORT=$good_port config "ca_file: $SCRATCH/certs/cert.pem"
repend
run notify --pending
status 0 "with smtp.ca_file naming the certificate notify delivers"
is "$(nmsgs smtp)" "1" "one message received"
grep -q '^X-Test-TLS: yes' smtp/msg/*.eml; ok $? "over TLS"
is "$(evstatus)" "delivered" "the event is delivered"
run consent-send --campaign r1 --kind repermission
status 0 "and consent-send sends"
is "$(nmsgs smtp)" "3" "two more messages received"

done_testing
