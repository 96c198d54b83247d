#!/bin/bash
# privacy-web as a CGI program (RFC 3875), driven by environment and stdin
# the way a web server runs it: the consent page (GET, HEAD, POST with and
# without the CSRF token, RFC 8058 one-click), the request form and its
# code page, and bad input of every kind.  GET and HEAD never change the
# database, nor does a POST that is refused; no token, code, address or
# user agent is ever an argument, and nothing personal reaches stderr.
. "$(dirname "$0")/lib.sh"

export PRIVACY_NOW=2026-02-01T09:00:00Z
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl location add nord --name "Studio Nord" >/dev/null
privacyctl settings set nord language=en >/dev/null
privacyctl settings set mitte requests=self-service notify-email=team@salon-mitte.example >/dev/null
cat >mitte.csv <<'CSV'
external_id,first_name,last_name,email,marketing_email,marketing_opt_in_at
K-1,Anna,Becker,anna@example.org,yes,2016-06-01
K-2,Jonas,Wolf,jonas@example.org,yes,2016-09-12
K-3,Lea,Krause,lea@example.org,yes,2017-02-03
K-4,Emre,Yilmaz,emre@example.org,yes,2017-11-20
CSV
cat >nord.csv <<'CSV'
external_id,first_name,last_name,email,marketing_email,marketing_opt_in_at
N-1,Mia,Lange,mia@example.org,yes,2016-03-01
CSV
privacyctl customer import --location mitte mitte.csv >/dev/null
privacyctl customer import --location nord nord.csv >/dev/null

start_smtpd smtp --no-starttls
{
	salon_config | sed 's|https://salon.example/consent/yes?t=|https://salon.example/privacy/confirm?t=|;
		s|https://salon.example/consent/no?t=|https://salon.example/privacy/decline?t=|'
	cat <<EOF
smtp:
  url: smtp://127.0.0.1:$SMTP_PORT
  tls: none
  timeout: 60
web:
  codes_per_hour: 4
export:
  delivery: link
  link_url: https://salon.example/privacy/export?t={token}
  link_days: 7
EOF
} >config.yaml
export PRIVACY_CONFIG=$SCRATCH/config.yaml

run consent-send --campaign r1 --kind repermission --location mitte
status 0 "consent-send mails the four customers of Salon Mitte"
run consent-send --campaign r2 --kind repermission --location nord
status 0 "and the one of Studio Nord"

# link ADDRESS confirm|decline: the token in that link of the mail to ADDRESS
link() {
	/usr/bin/python3 - "$SCRATCH/smtp/msg" "$1" "$2" <<'PY'
import email, glob, re, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    m = email.message_from_binary_file(open(f, "rb"))
    if sys.argv[2] not in m["To"]:
        continue
    part = next(p for p in m.walk() if p.get_content_type() == "text/plain")
    body = part.get_payload(decode=True).decode()
    print(re.search(r"/privacy/%s\?t=([A-Za-z0-9_~-]+)" % sys.argv[3], body).group(1))
    break
PY
}
t_anna=$(link anna@example.org confirm)
t_jonas=$(link jonas@example.org decline)
t_lea=$(link lea@example.org confirm)
t_emre=$(link emre@example.org decline)
t_mia=$(link mia@example.org confirm)
like "$t_anna $t_jonas $t_lea $t_emre $t_mia" "^([A-Za-z0-9_~-]{43} ){4}[A-Za-z0-9_~-]{43}$" \
	"the tokens are read from the mails as received"

UA="Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0"
# cgi METHOD PATH [QUERY]: a request without body (the response in $out)
cgi() {
	run env -i PATH="$PATH" PRIVACY_DB="$PRIVACY_DB" PRIVACY_CONFIG="$PRIVACY_CONFIG" \
		PRIVACY_SYSCONFIG="$PRIVACY_SYSCONFIG" PRIVACY_NOW="$PRIVACY_NOW" HOME="$HOME" \
		${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
		GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 \
		REQUEST_METHOD="$1" PATH_INFO="$2" QUERY_STRING="${3:-}" \
		SCRIPT_NAME=/privacy REMOTE_ADDR="${ADDR:-192.0.2.7}" HTTP_USER_AGENT="$UA" \
		privacy-web
}
# post PATH BODY [QUERY] [CONTENT_TYPE]: a form POST, the body on stdin
post() {
	printf '%s' "$2" >body
	run env -i PATH="$PATH" PRIVACY_DB="$PRIVACY_DB" PRIVACY_CONFIG="$PRIVACY_CONFIG" \
		PRIVACY_SYSCONFIG="$PRIVACY_SYSCONFIG" PRIVACY_NOW="$PRIVACY_NOW" HOME="$HOME" \
		GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 \
		REQUEST_METHOD=POST PATH_INFO="$1" QUERY_STRING="${3:-}" \
		CONTENT_TYPE="${4:-application/x-www-form-urlencoded}" \
		CONTENT_LENGTH="${#2}" SCRIPT_NAME=/privacy \
		REMOTE_ADDR="${ADDR:-192.0.2.7}" HTTP_USER_AGENT="$UA" \
		privacy-web <body
}
hstatus() { sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$out" | tr -d '\r'; }
header() { sed -n "s/^$1: //p" "$out" | tr -d '\r' | head -1; }
page() { sed '1,/^\r\{0,1\}$/d' "$out"; }
csrf_of() { page | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p'; }
quiet() {
	is "$(stderr)" "" "$1: nothing on stderr"
}

# ---- the consent page: GET and HEAD change nothing ----------------------
snapshot s0
cgi GET /confirm "t=$t_anna"
status 0 "GET of the confirm link"
is "$(hstatus)" 200 "200"
is "$(header Content-Type)" "text/html; charset=utf-8" "HTML in UTF-8"
like "$(header Content-Security-Policy)" "^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+='; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$" \
	"a CSP that allows only the page's own stylesheet and forms to itself"
is "$(header Referrer-Policy)" "no-referrer" "no referrer (the token is in the URL)"
is "$(header Cache-Control)" "no-store" "not cached"
is "$(header X-Content-Type-Options)" "nosniff" "nosniff"
is "$(page | wc -c | tr -d ' ')" "$(header Content-Length)" "Content-Length is the body's length"
like "$(page)" "<header><p>Salon Mitte</p></header>" "the salon's name"
like "$(page)" "Neuigkeiten und Angebote per E-Mail" "what is asked, in German (the location's language)"
like "$(page)" "<p>Der Text, dem Sie zustimmen \(Fassung 1\):</p>" "the archived text the customer agrees to, with its version"
like "$(page)" "<blockquote>Guten Tag," "as the mail said it"
like "$(page)" "Sie haben uns, Salon Mitte, vor dem 25. Mai 2018 erlaubt, Ihnen Neuigkeiten und Angebote per E-Mail zu senden." \
	"with its placeholders filled (location, purposes)"
like "$(page)" "Salon Beispiel GmbH" "and the controller"
is "$(sql "SELECT version FROM consent_texts WHERE id = (SELECT text_id FROM campaign_messages LIMIT 1)")" 1 \
	"the version shown is the archived one the mail was sent with"
like "$(page)" 'value="confirm" id="confirm">Ja, ich stimme zu' "a Confirm button"
unlike "$(page)" 'value="decline"' "no Decline button: the confirm token cannot decline (token.h)"
like "$(page)" "nichts tun: ohne Ihre Zustimmung" "says that not answering declines"
like "$(page)" '<form method="post" action="/privacy/confirm">' "posting to the script itself"
unlike "$(page)" "<script|https?://" "no script, nothing from elsewhere"
unlike "$(page)" "Anna|Becker|anna@" "no personal data on the page"
csrf_anna=$(csrf_of)
like "$csrf_anna" "^[0-9a-f]{64}$" "the page carries a CSRF token"
quiet "GET"
cgi HEAD /confirm "t=$t_anna"
is "$(hstatus)" 200 "HEAD: 200"
is "$(page)" "" "HEAD: no body"
like "$(header Content-Length)" "^[0-9]+$" "HEAD: the length of the body a GET gets"
cgi GET "/confirm/$t_anna"
is "$(hstatus)" 200 "the token as a path segment works too"
cgi GET /decline "t=$t_jonas"
is "$(hstatus)" 200 "GET of a decline link: 200"
like "$(page)" 'value="decline" id="decline">Keine Werbung mehr' "a Decline button"
unlike "$(page)" 'value="confirm"' "and no Confirm button"
cgi HEAD /decline "t=$t_jonas"
is "$(hstatus)" 200 "HEAD of a decline link"
unchanged s0 "a scanner's GETs and HEADs changed nothing"
is "$(sql "SELECT count(*) FROM consents WHERE event <> 'granted'")" 0 "no answer in the ledger"

# ---- POSTs that are refused change nothing -------------------------------
post /confirm "t=$t_anna&answer=confirm"
is "$(hstatus)" 403 "POST without the CSRF token: 403"
like "$(page)" "Link aus der E-Mail noch einmal" "tells the customer to open the link again"
cgi GET /confirm "t=$t_lea"
csrf_lea=$(csrf_of)
post /confirm "t=$t_anna&csrf=$csrf_lea&answer=confirm"
is "$(hstatus)" 403 "POST with the CSRF token of another link: 403"
changed=${csrf_anna%?}$([ "${csrf_anna: -1}" = 0 ] && echo 1 || echo 0)
post /confirm "t=$t_anna&csrf=$changed&answer=confirm"
is "$(hstatus)" 403 "POST with a changed CSRF token: 403"
post /confirm "t=$t_anna&csrf=$csrf_anna&answer=maybe"
is "$(hstatus)" 400 "POST with an unknown answer: 400"
post /confirm "t=$t_anna&csrf=$csrf_anna&answer=decline"
is "$(hstatus)" 400 "a confirm token with answer=decline: 400 (one capability cannot act as the other)"
cgi GET /decline "t=$t_emre"
post /decline "t=$t_emre&csrf=$(csrf_of)&answer=confirm"
is "$(hstatus)" 400 "a decline token with answer=confirm: 400"
post /confirm "t=$t_anna&csrf=$csrf_anna&answer=confirm" "" "multipart/form-data; boundary=x"
is "$(hstatus)" 415 "a body that is not a form: 415"
post /confirm "t=$t_anna&csrf=$csrf_anna&answer=confirm" "" "text/plain"
is "$(hstatus)" 415 "text/plain: 415"
post /confirm "t=$t_anna&csrf=$csrf_anna&answer=confirm&pad=$(head -c 9000 /dev/zero | tr '\0' a)"
is "$(hstatus)" 413 "a body over 8 KiB: 413"
like "$(page)" "zu gro" "with a human page"
post /confirm "t=$t_anna&csrf=$csrf_anna&answer=confirm&answer=decline"
is "$(hstatus)" 400 "a parameter given twice: 400"
post /confirm "t=$t_anna&csrf=$csrf_anna&answer=con%ZZfirm"
is "$(hstatus)" 400 "bad percent-encoding: 400"
post /confirm "t=$t_anna&csrf=$csrf_anna&answer=confirm%00"
is "$(hstatus)" 400 "a NUL in a value: 400"
cgi GET /confirm "t=$t_anna&x=$(head -c 3000 /dev/zero | tr '\0' a)"
is "$(hstatus)" 414 "a query over 2 KiB: 414"
cgi PUT /confirm "t=$t_anna"
is "$(hstatus)" 405 "PUT: 405"
is "$(header Allow)" "GET, HEAD, POST" "with Allow"
run env -i PATH="$PATH" PRIVACY_DB="$PRIVACY_DB" PRIVACY_CONFIG="$PRIVACY_CONFIG" \
	PRIVACY_SYSCONFIG="$PRIVACY_SYSCONFIG" HOME="$HOME" GATEWAY_INTERFACE=CGI/1.1 \
	REQUEST_METHOD=POST PATH_INFO=/confirm privacy-web </dev/null
is "$(hstatus)" 411 "a POST without a length: 411"
# forged and unknown tokens
forged=${t_anna:0:42}$([ "${t_anna: -1}" = A ] && echo B || echo A)
cgi GET /confirm "t=$forged"
is "$(hstatus)" 404 "a forged token: 404"
like "$(page)" "Diesen Link kennen wir nicht" "says the link is unknown"
post /confirm "t=$forged&csrf=$csrf_anna&answer=confirm"
is "$(hstatus)" 404 "POST with a forged token: 404"
cgi GET /confirm "t=short"
is "$(hstatus)" 404 "a malformed token: 404"
cgi GET /nowhere
is "$(hstatus)" 404 "an unknown page: 404"
# RFC 8058 one-click is for the decline link only
post /confirm "List-Unsubscribe=One-Click" "t=$t_anna"
is "$(hstatus)" 403 "one-click POST to a confirm link: 403"
unchanged s0 "none of the refused POSTs changed anything"
quiet "refused POSTs"

# ---- another location's site -----------------------------------------------
sed 's/^web:$/web:\n  locations: nord/' config.yaml >config-nord.yaml
PRIVACY_CONFIG=$SCRATCH/config-nord.yaml cgi GET /confirm "t=$t_anna"
is "$(hstatus)" 404 "a site serving Studio Nord does not know Salon Mitte's tokens"
PRIVACY_CONFIG=$SCRATCH/config-nord.yaml post /confirm "t=$t_anna&csrf=$csrf_anna&answer=confirm"
is "$(hstatus)" 404 "nor answers them"
PRIVACY_CONFIG=$SCRATCH/config-nord.yaml cgi GET /confirm "t=$t_mia"
is "$(hstatus)" 200 "its own tokens it serves"
like "$(page)" '<html lang="en">' "in English, Studio Nord's language"
like "$(page)" "news and offers by e-mail" "what is asked, in English"
unchanged s0 "still nothing changed"

# ---- the answers ------------------------------------------------------------
post /confirm "t=$t_anna&csrf=$csrf_anna&answer=confirm"
status 0 "Confirm pressed"
is "$(hstatus)" 200 "200"
like "$(page)" "Ihre Einwilligung ist gespeichert" "thanks the customer"
is "$(sql "SELECT event, source, evidence_ip, evidence_user_agent, campaign FROM consents WHERE customer_id = (SELECT id FROM customers WHERE external_id = 'K-1') AND event <> 'granted'")" \
	"confirmed|re-permission|192.0.2.7|$UA|r1" "the ledger holds the confirmation with REMOTE_ADDR and the user agent"
quiet "the answer"
snapshot s1
post /confirm "t=$t_anna&csrf=$csrf_anna&answer=confirm"
is "$(hstatus)" 410 "the same POST again (a replay): 410"
like "$(page)" "bereits zugestimmt, am 01.02.2026" "says it was answered, and when"
cgi GET /confirm "t=$t_anna"
is "$(hstatus)" 410 "GET of a used link: 410"
unchanged s1 "a replay changes nothing"

cgi GET /decline "t=$t_jonas"
post /decline "t=$t_jonas&csrf=$(csrf_of)&answer=decline"
is "$(hstatus)" 200 "Decline pressed"
like "$(page)" "keine Werbung mehr" "confirms there is no more advertising"
is "$(sql "SELECT event FROM consents WHERE customer_id = (SELECT id FROM customers WHERE external_id = 'K-2') ORDER BY id DESC LIMIT 1")" \
	"withdrawn" "the ledger holds the withdrawal"

post /decline "List-Unsubscribe=One-Click" "t=$t_emre"
is "$(hstatus)" 200 "RFC 8058 one-click POST to the decline link: 200, without a CSRF token"
is "$(sql "SELECT event, evidence_ip FROM consents WHERE customer_id = (SELECT id FROM customers WHERE external_id = 'K-4') ORDER BY id DESC LIMIT 1")" \
	"withdrawn|192.0.2.7" "withdrawn, with the client's address"

# ---- an expired link ------------------------------------------------------
snapshot s2
PRIVACY_NOW=2026-04-01T09:00:00Z cgi GET /confirm "t=$t_lea"
is "$(hstatus)" 410 "GET of an expired link: 410"
like "$(page)" "abgelaufen" "says it expired"
PRIVACY_NOW=2026-04-01T09:00:00Z post /confirm "t=$t_lea&csrf=$csrf_lea&answer=confirm"
is "$(hstatus)" 410 "POST to an expired link: 410"
unchanged s2 "an expired link changes nothing"

# ---- the request form -----------------------------------------------------
cgi GET /request
is "$(hstatus)" 200 "the request form"
like "$(page)" '<select name="location" id="location">' "lets the customer choose the location"
like "$(page)" 'value="access".*Auskunft' "access"
like "$(page)" 'value="objection".*Widerspruch gegen Werbung' "objection to marketing"
cgi HEAD /request
is "$(hstatus) $(page | wc -c | tr -d ' ')" "200 0" "HEAD of the form: 200, no body"
cgi GET /
is "$(hstatus)" 200 "the site's root is the form"
cgi HEAD /code
is "$(hstatus) $(page | wc -c | tr -d ' ')" "200 0" "HEAD of the code page: 200, no body"
cgi GET /code
like "$(page)" 'name="code" id="code"' "GET of the code page: the form"
unchanged s2 "showing the forms changes nothing"
post /request "location=mitte&kind=access&email=nobody%40example.org"
is "$(hstatus)" 200 "a request for an address that is no customer's: 200"
page | sed 's/nobody@example.org/ADDR/g' >nobody.html
# (J8: a stranger's request is recorded and answered "we hold no data
# about you", like privacyctl request new --email; tests/journeys/j13)
is "$(sql "SELECT r.type, r.channel, r.status, r.customer_id IS NULL FROM requests r WHERE r.requester_email = 'nobody@example.org'")" \
	"access|web|unverified|1" "a stranger's request is recorded, waiting for its code like any other"
post /request "location=mitte&kind=access&email=lea%40example.org"
is "$(hstatus)" 200 "the same for a customer's address"
page | sed 's/lea@example.org/ADDR/g' >lea.html
cmp -s nobody.html lea.html
ok $? "the two answer pages are the same: the form tells nobody who is a customer"
is "$(sql "SELECT r.type, r.channel, r.status FROM requests r JOIN customers c ON c.id = r.customer_id WHERE c.external_id = 'K-3'")" \
	"access|web|unverified" "the customer's request waits for its code"
quiet "the request form"

snapshot s3
post /request "location=mitte&kind=access&email=not-an-address"
is "$(hstatus)" 400 "a bad address: 400"
like "$(page)" "ltige E-Mail-Adresse" "with the form and the reason"
post /request "location=elsewhere&kind=access&email=lea%40example.org"
is "$(hstatus)" 400 "an unknown location: 400"
post /request "location=mitte&kind=rectification&email=lea%40example.org"
is "$(hstatus)" 400 "a kind the form does not offer: 400"
unchanged s3 "bad forms change nothing"

# the code reaches the customer through the outbox and notify
run notify --pending
status 0 "notify mails the code"
# mail_code ADDRESS: the code in the latest mail to ADDRESS that has one
mail_code() {
	/usr/bin/python3 - "$SCRATCH/smtp/msg" "$1" <<'PY'
import email, glob, re, sys
code = ""
for f in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    m = email.message_from_binary_file(open(f, "rb"))
    if sys.argv[2] not in m["To"]:
        continue
    part = next(p for p in m.walk() if p.get_content_type() == "text/plain")
    # the code stands indented on a line of its own (lib/mail/texts.c)
    hit = re.search(r"\n {4}([A-Z0-9-]{6,})\r?\n", part.get_payload(decode=True).decode())
    if hit:
        code = hit.group(1)
print(code)
PY
}
code=$(mail_code lea@example.org)
like "$code" "^[A-Z0-9-]{6,}$" "the code is read from the mail to the address on file"

cgi GET /code
is "$(hstatus)" 200 "the code page"
post /code "email=lea%40example.org&code=WRONGCODE"
is "$(hstatus)" 400 "a wrong code: 400"
like "$(page)" "passt zu keiner offenen Anfrage" "says so"
is "$(sql "SELECT verify_attempts FROM requests WHERE customer_id IS NOT NULL")" 1 "the wrong code counts against the request"
post /code "email=nobody%40example.org&code=$code"
is "$(hstatus)" 400 "the code with another address: 400"
post /code "email=lea%40example.org&code=$code"
is "$(hstatus)" 200 "the right code: 200"
like "$(page)" "Danke! Ihre Anfrage ist best" "the request is confirmed"
is "$(sql "SELECT status FROM requests WHERE customer_id IS NOT NULL")" "verified" "the request is verified"
post /code "email=lea%40example.org&code=$code"
is "$(hstatus)" 400 "the code again: 400 (nothing waits for it)"
snapshot s4
post /code "email=lea%40example.org&code=$code"
is "$(hstatus)" 429 "the fifth attempt within the hour from one address: 429"
is "$(header Retry-After)" 3600 "with Retry-After"
unchanged s4 "a refused attempt changes nothing"
PRIVACY_NOW=2026-02-01T10:00:01Z post /code "email=lea%40example.org&code=$code"
is "$(hstatus)" 400 "an hour later the address may try again"

grep -c . /dev/null >/dev/null
is "$(sql "SELECT count(*) FROM web_limits WHERE key LIKE '%192.0.2%'")" 0 "the rate limits store no address"
grep -qaF "192.0.2.7" "$PRIVACY_DB" "$PRIVACY_DB-wal" 2>/dev/null &&
	[ "$(sql "SELECT count(*) FROM consents WHERE evidence_ip = '192.0.2.7'")" -eq 0 ]
ok $((! $?)) "the address is in the database only as consent evidence"

# ---- the export download (export.delivery: link) ---------------------------
run privacyctl request process
status 0 "request process fulfils the verified access request"
is "$(sql "SELECT type FROM events WHERE request_id = (SELECT id FROM requests WHERE customer_id IS NOT NULL) AND type LIKE 'export.%'")" \
	"export.link" "the customer's event carries a link, not the document"
is "$(sql "SELECT document IS NOT NULL, expires_at FROM web_exports")" "1|2026-02-08T09:00:00Z" \
	"the export is stored until the link expires (7 days)"
run notify --pending
status 0 "notify mails the link"
dl=$(/usr/bin/python3 - "$SCRATCH/smtp/msg" <<'PY'
import email, glob, re, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    m = email.message_from_binary_file(open(f, "rb"))
    part = next(p for p in m.walk() if p.get_content_type() == "text/plain")
    hit = re.search(r"/privacy/export\?t=([A-Za-z0-9_~-]+)", part.get_payload(decode=True).decode())
    if "lea@example.org" in m["To"] and hit:
        print(hit.group(1), len([p for p in m.walk() if p.get_filename()]))
PY
)
like "$dl" "^[A-Za-z0-9_~-]{43} 0$" "the access mail carries the link and no attachment"
t_dl=${dl% *}
is "$(sql "SELECT status FROM requests WHERE requester_email IS NULL")" "completed" "the request is completed once the link is delivered"
ADDR=192.0.2.8
export ADDR
snapshot s5
cgi GET /export "t=$t_dl"
is "$(hstatus)" 200 "GET of the download link: the code form"
like "$(page)" 'name="code" id="code"' "it asks for the code again"
unlike "$(page)" "Krause|lea@" "and shows no data before it"
cgi HEAD /export "t=$t_dl"
is "$(hstatus) $(page | wc -c | tr -d ' ')" "200 0" "HEAD: 200, no body"
post /export "t=$t_dl&code=$code"
is "$(hstatus)" 403 "POST without the CSRF token: 403"
unchanged s5 "neither the GETs nor the refused POST changed anything"
cgi GET /export "t=$t_dl"
csrf_dl=$(csrf_of)
post /export "t=$t_dl&csrf=$csrf_dl&code=WRONGCODE"
is "$(hstatus)" 400 "a wrong code: 400"
is "$(sql "SELECT attempts FROM web_exports")" 1 "counted against the link"
post /export "t=$t_dl&csrf=$csrf_dl&code=$code"
is "$(hstatus)" 200 "the right code: the download page"
like "$(page)" 'id="html">Bericht ansehen' "a button for the report"
like "$(page)" 'id="json">JSON-Datei herunterladen' "and one for the file"
post /export "t=$t_dl&csrf=$csrf_dl&code=$code&what=json"
is "$(hstatus)" 200 "the JSON file"
is "$(header Content-Type)" "application/json; charset=utf-8" "as JSON"
is "$(header Content-Disposition)" 'attachment; filename="datenauskunft.json"' "to save"
page | /usr/bin/python3 -c 'import json, sys; d = json.load(sys.stdin); sys.exit(0 if "lea@example.org" in json.dumps(d) else 1)'
ok $? "the file is the export document of the customer"
post /export "t=$t_dl&csrf=$csrf_dl&code=$code&what=html"
is "$(hstatus)" 200 "the readable report"
like "$(header Content-Security-Policy)" "^default-src 'none'; style-src 'unsafe-inline'; form-action 'self'" \
	"its own stylesheet allowed, nothing else"
like "$(page)" "Krause" "the report shows the customer's data"
cgi GET /export "t=${t_dl%?}$([ "${t_dl: -1}" = A ] && echo B || echo A)"
is "$(hstatus)" 404 "a forged download token: 404"
PRIVACY_NOW=2026-02-08T09:00:00Z cgi GET /export "t=$t_dl"
is "$(hstatus)" 410 "after 7 days the link has expired: 410"
PRIVACY_NOW=2026-02-08T09:00:00Z run privacyctl request process
is "$(sql "SELECT count(*) FROM web_exports")" 0 "and the stored export is gone"
PRIVACY_NOW=2026-02-08T09:00:00Z cgi GET /export "t=$t_dl"
is "$(hstatus)" 404 "the link is unknown now"
unset ADDR

# ---- an erasure takes the stored export with it ---------------------------
export ADDR=192.0.2.9
post /request "location=mitte&kind=access&email=anna%40example.org"
run notify --pending
code_anna=$(mail_code anna@example.org)
post /code "email=anna%40example.org&code=$code_anna"
is "$(hstatus)" 200 "Anna's access request is verified on the code page"
run privacyctl request process
is "$(sql "SELECT count(*) FROM web_exports w JOIN customers c ON c.id = w.customer_id WHERE c.external_id = 'K-1' AND w.document IS NOT NULL")" 1 \
	"her export is stored for the download"
anna_id=$(sql "SELECT id FROM customers WHERE external_id = 'K-1'")
run dsar-erase --customer "$anna_id"
status 0 "Anna is erased"
run notify --pending
is "$(sql "SELECT count(*) FROM web_exports WHERE customer_id = $anna_id")" 0 "her stored export went with her"
grep -qaF "anna@example.org" "$PRIVACY_DB" "$PRIVACY_DB-wal" 2>/dev/null
ok $((! $?)) "her address is in no byte of the database file or its WAL"
unset ADDR

# ---- what the pages show is escaped ---------------------------------------
snapshot s6
privacyctl location add evil --name "Salon <b>\"&'</b>" >/dev/null
sed 's/^web:$/web:\n  locations: evil/' config.yaml >config-evil.yaml
PRIVACY_CONFIG=$SCRATCH/config-evil.yaml cgi GET /request
like "$(page)" "<header><p>Salon &lt;b&gt;&quot;&amp;&#39;&lt;/b&gt;</p></header>" "a location's name is escaped"
post /request "location=mitte&kind=access&email=o%27brien%27%3B--%40example.org"
like "$(hstatus)" "^(200|400)$" "an address with SQL metacharacters is only an address"
is "$(sql "SELECT count(*) FROM customers WHERE email LIKE 'o%'")" 0 "and changes no customer"
post /request "location=mitte&kind=access&email=%3Cscript%3E%40example.org"
unlike "$(page)" "<script>" "a form value is escaped where the page repeats it"

# ---- the web key ---------------------------------------------------------------
is "$(stat -c %a "$PRIVACY_DB.web-key")" 600 "the web key is 0600"
chmod 644 "$PRIVACY_DB.web-key"
snapshot s7
cgi GET /request
is "$(hstatus)" 500 "a web key readable by others is refused: 500"
unchanged s7 "and nothing changes"
chmod 600 "$PRIVACY_DB.web-key"

# ---- errors of the server side ---------------------------------------------
PRIVACY_DB=$SCRATCH/missing.db cgi GET /confirm "t=$t_lea"
is "$(hstatus)" 500 "no database: 500 with a page"
like "$(page)" "Ein Fehler ist aufgetreten" "a human page"
unlike "$(stderr)" "$t_lea|192\.0\.2|Mozilla|lea@" "stderr names no token, address or agent"

# ---- arguments are never ours under CGI (RFC 3875 4.4) ---------------------
run env -i PATH="$PATH" PRIVACY_DB="$PRIVACY_DB" PRIVACY_CONFIG="$PRIVACY_CONFIG" \
	PRIVACY_SYSCONFIG="$PRIVACY_SYSCONFIG" HOME="$HOME" GATEWAY_INTERFACE=CGI/1.1 \
	REQUEST_METHOD=GET PATH_INFO=/request QUERY_STRING=--help privacy-web --help
is "$(hstatus)" 200 "an ISINDEX query passed as arguments is ignored"

# the EXAMPLES of privacy-web(8) and the README, as written
run env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET PATH_INFO=/request privacy-web
status 0 "the man page's example runs"
is "$(hstatus)" 200 "and shows the request form"

run privacy-web --help
status 0 "--help outside CGI"
like "$(stdout)" "usage: privacy-web" "shows the usage"

done_testing
