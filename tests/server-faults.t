#!/bin/bash
# The server fault matrix: consent-send (a campaign) and notify (a drain of
# the outbox) against an SMTP server that misbehaves on purpose
# (tests/smtp-faultd.py), notify's webhooks against an HTTP receiver that
# does (tests/httpd.py); then each against a healthy server.  For every
# case: the exit status (DESIGN.md: 75 temporary, 69 for good, 78 set-up),
# the delivery state in the database, the stored reply, what the server
# received (never a message twice), and that a later run delivers what
# waited exactly once.  Timeouts (smtp.timeout, webhook.timeout) are 5 s
# where the server stalls on purpose (the tool must give up: within the two
# timeouts and a minute for the rest), and 60 s elsewhere (a loaded machine
# may take seconds to answer; nothing there waits for the timeout).
# SERVER_FAULTS=smtp or =http runs only that half.
. "$(dirname "$0")/lib.sh"

export PRIVACY_NOW=2026-03-02T09:00:00Z
LATER=2026-03-02T10:00:00Z # past the first retry of both tools
STALL_TIMEOUT=5
TIMEOUT=60

# ---- the data: one location, two customers for a re-permission campaign,
# two business events in the outbox --------------------------------------
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl settings set mitte notify-email=team@salon-mitte.example >/dev/null
sql "INSERT INTO customers (id, location_id, external_id, first_name, last_name,
	email, created_at, updated_at) VALUES
	(1, 1, 'k1', 'Anna', 'Eins', 'kunde1@example.org', 'x', 'x'),
	(2, 1, 'k2', 'Bert', 'Zwei', 'kunde2@example.org', 'x', 'x');
 INSERT INTO consents (customer_id, purpose, event, at, source, recorded_at)
	VALUES (1, 'marketing-email', 'granted', '2016-05-01', 'import', 'x'),
	       (2, 'marketing-email', 'granted', '2016-05-02', 'import', 'x');
 INSERT INTO events (type, at, location_id, request_id, audience, payload) VALUES
	('request.received', '2026-03-02T08:00:00Z', 1, 11, 'business',
	 '{\"event\":\"request.received\",\"location\":\"mitte\",\"request_id\":11}'),
	('request.received', '2026-03-02T08:00:00Z', 1, 12, 'business',
	 '{\"event\":\"request.received\",\"location\":\"mitte\",\"request_id\":12}');"
sql "VACUUM INTO '$SCRATCH/template.db'"

mkdir certs
make_cert certs
head -c 32 /dev/urandom | base64 >whsecret
chmod 600 whsecret

# ---- the servers ------------------------------------------------------------
# two fault SMTP servers: one without PIPELINING (the tools wait for the
# reply to every command), one with it (MAIL, RCPT and DATA in one write)
for p in lockstep pipelining; do
	mkdir -p "$SCRATCH/smtpd-$p"
	serve "$SCRATCH/smtpd-$p" /usr/bin/python3 "$TOP/tests/smtp-faultd.py" \
		--dir "$SCRATCH/smtpd-$p" --tls certs/cert.pem certs/key.pem \
		$([ $p = pipelining ] && echo --pipelining)
	[ -f "$SCRATCH/smtpd-$p/ready" ]; ok $? "the fault SMTP server is up ($p)"
	eval "PORT_$p=\$SERVE_PORT"
done
# a receiver over HTTPS with the untrusted test certificate, then the
# plain one the matrix uses (start_httpd sets HTTP_PORT)
start_httpd hooktls whsecret --tls certs/cert.pem certs/key.pem
HTTPS_PORT=$HTTP_PORT
[ -f hooktls/ready ]; ok $? "the HTTPS receiver is up"
start_httpd hook whsecret
dead_port

# plain: tls none (loopback); tls: STARTTLS required, the test certificate
# not trusted; tls-ca: STARTTLS required, the certificate trusted
config() { # KIND [HOOK-PORT]
	{
		echo "controller:"
		echo "  name: Salon Beispiel GmbH"
		echo "  email: datenschutz@salon.example"
		echo "smtp:"
		echo "  url: smtp://127.0.0.1:$SMTP_PORT"
		[ "$1" = plain ] && echo "  tls: none"
		[ "$1" = tls-ca ] && echo "  ca_file: $SCRATCH/certs/cert.pem"
		echo "  timeout: $TIMEOUT"
		echo "mail:"
		echo "  from: datenschutz@salon.example"
		echo "consent:"
		echo "  confirm_url: https://salon.example/yes?t={token}"
		echo "  decline_url: https://salon.example/no?t={token}"
		echo "webhook:"
		echo "  secret_file: $SCRATCH/whsecret"
		echo "  timeout: $TIMEOUT"
	} >"$SCRATCH/config.yaml"
}
export PRIVACY_CONFIG="$SCRATCH/config.yaml"

# the tool's run: notify drains the outbox, consent-send runs campaign c1
send() { # TOOL
	if [ "$1" = notify ]; then
		run notify --pending </dev/null
	elif [ "$(sql "SELECT count(*) FROM campaigns")" = 0 ]; then
		run consent-send --campaign c1 --kind repermission </dev/null
	else
		run consent-send --campaign c1 </dev/null
	fi
}
# delivery state, one word per message: status:attempts:next attempt
state() { # TOOL
	if [ "$1" = notify ]; then
		sql "SELECT group_concat(e.status || ':' || e.attempts || ':' ||
			coalesce(e.next_attempt_at, '-') || ':' ||
			coalesce(d.status, 'none'), ' ') FROM events e
			LEFT JOIN deliveries d ON d.event_id = e.id AND
			d.channel = 'email' ORDER BY e.id"
	else
		sql "SELECT group_concat(status || ':' || attempts || ':' ||
			coalesce(next_attempt_at, '-'), ' ') FROM campaign_messages
			ORDER BY id"
	fi
}
# the stored replies, one a line
replies() { # TOOL
	if [ "$1" = notify ]; then
		sql "SELECT last_reply FROM events WHERE last_reply IS NOT NULL
		     UNION ALL SELECT last_reply FROM deliveries
		     WHERE last_reply IS NOT NULL"
	else
		sql "SELECT last_reply FROM campaign_messages
		     WHERE last_reply IS NOT NULL"
	fi
}
# messages the SMTP server received up to the final dot: "key msgid", the
# key naming the message (notify: its event; consent-send: the recipient)
received() { grep '^MSG ' "$SMTPD/log" | cut -d' ' -f2-; }
# a field of each request the webhook receiver logged, one a line
hget() { grep -o "\"$1\": \(\"[^\"]*\"\|[^,}]*\)" hook/log | sed 's/^[^:]*: //; s/"//g'; }
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $(( t / 1000 )); }
elapsed() { echo $(( $(now_ms) - t0 )); }

# ---- the SMTP matrix ---------------------------------------------------------
# MODE  EXIT  STATE  REPLY-ERE  RECEIVED  CONFIG  RECOVERY-MODE
# STATE is deferred (retry later), failed (for good) or waiting (set-up
# error: nothing was attempted, the message stays in the queue).
# RECEIVED: messages the faulty server got in full (the one in flight,
# whose answer was lost: sent again later, under the same Message-ID).
matrix() {
	cat <<'EOF'
greet421        75 deferred ^421.4\.3\.2.faultd:.service.not.available          0 plain ok
mail451         75 deferred ^451.4\.3\.0.faultd:.MAIL.deferred                  0 plain ok
mail550         69 failed   ^550.5\.7\.1.faultd:.sender.refused$                0 plain ok
rcpt451         75 deferred ^451.4\.2\.0.faultd:.mailbox.busy                   0 plain ok
rcpt550         69 failed   ^550.5\.1\.1.faultd:.no.such.user$                  0 plain ok
data451         75 deferred ^451.4\.3\.0.faultd:.queue.full                     0 plain ok
data554         69 failed   ^554.5\.6\.0.faultd:.message.refused$               0 plain ok
drop-before-dot 75 deferred ^no.reply.after.DATA:.                              0 plain ok
drop-after-dot  75 deferred ^no.reply.after.DATA:.                              2 plain ok
stall           75 deferred ^Operation.timed.out                                0 plain ok
stall-after-dot 75 deferred ^no.reply.after.DATA:.*timeout                      2 plain ok
no-starttls     78 waiting  does.not.offer.STARTTLS;.nothing.was.sent           0 tls   starttls
starttls        78 waiting  TLS.failed:.*certificate.*;.nothing.was.sent        0 tls   starttls
EOF
}

tools="notify consent-send"
[ "${SERVER_FAULTS:-}" = http ] && tools=""
for pass in lockstep pipelining; do
SMTPD="$SCRATCH/smtpd-$pass"
eval "SMTP_PORT=\$PORT_$pass"
for tool in $tools; do
	while read -r mode want st ere got cfg heal <&3; do
		# a stalled greeting is the same with or without PIPELINING
		[ $pass = pipelining ] && [ $mode = stall ] && continue
		n="$tool $mode"
		[ $pass = pipelining ] && n="$tool $mode (pipelining)"
		export PRIVACY_DB="$SCRATCH/$tool-$mode-$pass.db"
		cp "$SCRATCH/template.db" "$PRIVACY_DB"
		TIMEOUT=60
		[ "${mode#stall}" != "$mode" ] && TIMEOUT=$STALL_TIMEOUT
		config "$cfg"
		echo "$mode" >"$SMTPD/mode"
		: >"$SMTPD/log"
		t0=$(now_ms)
		send "$tool"
		ms=$(elapsed)
		status "$want" "$n: exit $want"
		case "$tool:$st" in
		notify:deferred) w="deferred:1:2026-03-02T09:05:00Z:deferred" ;;
		notify:failed) w="failed:1:-:failed" ;;
		notify:waiting) w="pending:0:-:none" ;;
		consent-send:deferred) w="deferred:1:2026-03-02T09:15:00Z" ;;
		consent-send:failed) w="failed:1:-" ;;
		consent-send:waiting) w="queued:0:-" ;;
		esac
		is "$(state "$tool")" "$w $w" "$n: both $st"
		R=$(replies "$tool")
		if [ "$st" = waiting ]; then
			like "$(stderr)" "$ere" "$n: says why"
			[ "$tool" = consent-send ] &&
				like "$R" "$ere" "$n: the reply stored is why"
			unlike "$(grep -v '^CONNECT\|^EHLO\|^STARTTLS\|^TLS\|^CLOSED' "$SMTPD/log")" . \
				"$n: nothing but EHLO and STARTTLS in clear"
		else
			is "$(printf '%s\n' "$R" | grep -Evc "$ere")" "0" "$n: every stored reply is the server's answer"
			is "$(printf '%s\n' "$R" | grep -Ec "$ere")" \
				"$([ "$tool" = notify ] && echo 4 || echo 2)" "$n: a reply for each"
			is "$(grep -o '"reply":"[^"]*"' "$out" | cut -d'"' -f4 | grep -Ec "$ere")" "2" "$n: the output shows it"
		fi
		unlike "$R" "^221|[Bb]ye" "$n: never the reply to QUIT"
		M=$(received)
		is "$(printf '%s' "$M" | grep -c .)" "$got" "$n: $got message(s) received in full"
		is "$(printf '%s' "$M" | cut -d' ' -f1 | sort | uniq -d)" "" "$n: none twice"
		if [ "${mode#stall}" != "$mode" ]; then
			[ "$ms" -lt $(( 2 * TIMEOUT * 1000 + 60000 )) ]
			ok $? "$n: gave up after the timeout (two messages: ${ms} ms, the server never answers)"
		fi
		first=$(printf '%s' "$M" | cut -d' ' -f2 | sort | tr '\n' ' ')

		# later, a healthy server
		TIMEOUT=60
		if [ "$heal" = starttls ]; then config tls-ca; else config "$cfg"; fi
		echo "$heal" >"$SMTPD/mode"
		: >"$SMTPD/log"
		PRIVACY_NOW=$LATER send "$tool"
		if [ "$st" = failed ]; then
			status 0 "$n: later: nothing due"
			is "$(received | wc -l)" "0" "$n: later: nothing sent again"
			continue
		fi
		status 0 "$n: later: delivered"
		case $tool in
		notify) w="delivered:$([ "$st" = waiting ] && echo 1 || echo 2):-:delivered" ;;
		*) w="sent:$([ "$st" = waiting ] && echo 1 || echo 2):-" ;;
		esac
		is "$(state "$tool")" "$w $w" "$n: later: both delivered"
		like "$(replies "$tool" | sort -u | tr '\n' ' ')" "^(250 2\.0\.0 ok: queued )+$" "$n: later: the reply is the 250"
		M=$(received)
		is "$(printf '%s' "$M" | grep -c .)" "2" "$n: later: two messages"
		is "$(printf '%s' "$M" | cut -d' ' -f1 | sort -u | grep -c .)" "2" "$n: later: each once"
		is "$(grep -c '^QUIT' "$SMTPD/log")" "$(grep -c '^CONNECT' "$SMTPD/log")" \
			"$n: later: every session ends with QUIT"
		is "$(grep -c '^PIPELINED' "$SMTPD/log")" "$([ $pass = pipelining ] && echo 2 || echo 0)" \
			"$n: later: MAIL, RCPT and DATA $([ $pass = pipelining ] || echo not) in one write"
		[ "$heal" = starttls ] &&
			like "$(grep -c '^TLS ok' "$SMTPD/log")" "^[12]$" "$n: later: over TLS, the certificate trusted"
		if [ "$got" != 0 ]; then
			is "$(printf '%s' "$M" | cut -d' ' -f2 | sort | tr '\n' ' ')" "$first" \
				"$n: the one in flight is sent again under its Message-ID"
		fi
	done 3< <(matrix)
done
done

# ---- the HTTP matrix (notify webhooks) ------------------------------------
# FAULT (DIR/status of tests/httpd.py, or "down": nothing listens)
# EXIT STATE REPLY-ERE RECEIVED
hmatrix() {
	cat <<'EOF'
down       75 deferred ^Failed.to.connect                         0
stall      75 deferred ^Operation.timed.out.*0.bytes.received      1
stall-body 75 deferred ^Operation.timed.out.*10.out.of.100         1
500        75 deferred ^HTTP.500$                                 1
503        75 deferred ^HTTP.503$                                 1
429        75 deferred ^HTTP.429$                                 1
400        69 failed   ^HTTP.400$                                 1
410        69 failed   ^HTTP.410$                                 1
redirect   69 failed   ^HTTP.307:.redirects.are.not.followed$     1
badcert    75 deferred certificate                                0
EOF
}
while read -r fault want st ere got <&3; do
	TIMEOUT=60
	[ "${fault#stall}" != "$fault" ] && TIMEOUT=$STALL_TIMEOUT
	config plain
	n="webhook $fault"
	export PRIVACY_DB="$SCRATCH/hook-$fault.db"
	cp "$SCRATCH/template.db" "$PRIVACY_DB"
	port=$HTTP_PORT
	scheme=http
	[ "$fault" = down ] && port=$DEAD_PORT
	[ "$fault" = badcert ] && port=$HTTPS_PORT scheme=https
	sql "UPDATE settings SET notify_email = NULL,
	     notify_webhook = '$scheme://127.0.0.1:$port/hook' WHERE location_id = 1"
	case $fault in
	down | badcert) rm -f hook/status ;;
	# another host name for the same receiver: a redirect followed
	# would show up in its log as /moved
	redirect) echo "redirect http://localhost:$HTTP_PORT/moved" >hook/status ;;
	*) echo "$fault" >hook/status ;;
	esac
	: >hook/log
	t0=$(now_ms)
	run notify --pending </dev/null
	ms=$(elapsed)
	status "$want" "$n: exit $want"
	case $st in
	deferred) w="deferred:1:2026-03-02T09:05:00Z" ;;
	failed) w="failed:1:-" ;;
	esac
	is "$(sql "SELECT group_concat(e.status || ':' || e.attempts || ':' ||
		coalesce(e.next_attempt_at, '-') || ':' || d.status, ' ')
		FROM events e JOIN deliveries d ON d.event_id = e.id AND
		d.channel = 'webhook' ORDER BY e.id")" "$w:$st $w:$st" "$n: both $st"
	is "$(sql "SELECT last_reply FROM deliveries" | grep -Ec "$ere")" "2" "$n: the stored reply"
	is "$(grep -o '"reply":"[^"]*"' "$out" | cut -d'"' -f4 | grep -Ec "$ere")" "2" "$n: the output shows it"
	is "$(hget delivery | wc -l)" "$((2 * got))" "$n: $got request(s) per event arrived"
	is "$(hget delivery | sort | uniq -d)" "" "$n: none twice"
	is "$(hget path | grep -vc '^/hook$')" "0" "$n: nothing but the configured URL"
	[ "$fault" = badcert ] &&
		is "$(cat hooktls/log 2>/dev/null | wc -l)" "0" "$n: nothing reached the HTTPS receiver"
	if [ "${fault#stall}" != "$fault" ]; then
		[ "$ms" -lt $(( 2 * TIMEOUT * 1000 + 60000 )) ]
		ok $? "$n: gave up after the timeout (two events: ${ms} ms, the receiver never answers)"
	fi
	first=$(hget delivery | sort | tr '\n' ' ')

	# later, a healthy receiver
	rm -f hook/status
	: >hook/log
	TIMEOUT=60
	config plain
	sql "UPDATE settings SET notify_webhook = 'http://127.0.0.1:$HTTP_PORT/hook'"
	PRIVACY_NOW=$LATER run notify --pending </dev/null
	if [ "$st" = failed ]; then
		status 0 "$n: later: nothing due"
		is "$(wc -l <hook/log)" "0" "$n: later: nothing sent again"
		continue
	fi
	status 0 "$n: later: delivered"
	is "$(sql "SELECT group_concat(e.status || ':' || d.attempts, ' ') FROM events e
		JOIN deliveries d ON d.event_id = e.id ORDER BY e.id")" \
		"delivered:2 delivered:2" "$n: later: both delivered"
	is "$(hget status | tr '\n' ' ')" "204 204 " "$n: later: each once"
	is "$(hget signature_ok | sort -u)" "true" "$n: later: signed"
	[ "$got" != 0 ] &&
		is "$(hget delivery | sort | tr '\n' ' ')" "$first" \
			"$n: the one in flight again under its X-Privacy-Delivery"
done 3< <([ "${SERVER_FAULTS:-}" = smtp ] || hmatrix)

done_testing
