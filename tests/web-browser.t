#!/bin/bash
# privacy-web in a real web server (Debian's lighttpd, mod_cgi, on a free
# loopback port) driven by a real browser (Debian's chromium, headless,
# through chromium-driver and python3-selenium: tests/web-browser.py):
# the confirm link of a mail that consent-send sent through the test SMTP
# server is opened and confirmed, and the browser's user agent and
# 127.0.0.1 are in the ledger; an access request is filed through the form
# and confirmed with the code from the mail notify sent, and its export
# downloaded through the link of the access mail.  Screenshots of
# every page are kept in the scratch directory (screens/).
. "$(dirname "$0")/lib.sh"

for need in /usr/sbin/lighttpd /usr/bin/chromium /usr/bin/chromedriver; do
	[ -x "$need" ]; ok $? "$need is installed (make deps)"
done
/usr/bin/python3 -c 'import selenium' 2>/dev/null
ok $? "python3-selenium is installed (make deps)"

export PRIVACY_NOW=2026-02-01T09:00:00Z
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl settings set mitte requests=self-service notify-email=team@salon-mitte.example >/dev/null
cat >mitte.csv <<'CSV'
external_id,first_name,last_name,email,marketing_email,marketing_opt_in_at
K-1,Anna,Becker,anna@example.org,yes,2016-06-01
K-2,Jonas,Wolf,jonas@example.org,no,
CSV
privacyctl customer import --location mitte mitte.csv >/dev/null

WEB_PORT=$(free_port)
start_smtpd smtp --no-starttls
{
	salon_config | sed "s|https://salon.example/consent/yes?t=|http://127.0.0.1:$WEB_PORT/privacy/confirm?t=|;
		s|https://salon.example/consent/no?t=|http://127.0.0.1:$WEB_PORT/privacy/decline?t=|"
	cat <<EOF
smtp:
  url: smtp://127.0.0.1:$SMTP_PORT
  tls: none
  timeout: 60
export:
  delivery: link
  link_url: http://127.0.0.1:$WEB_PORT/privacy/export?t={token}
EOF
} >config.yaml
export PRIVACY_CONFIG=$SCRATCH/config.yaml

# lighttpd runs privacy-web as the web server runs any CGI program: with
# the environment of the config below only.
mkdir www
cat >lighttpd.conf <<EOF
server.bind = "127.0.0.1"
server.port = $WEB_PORT
server.document-root = "$SCRATCH/www"
server.errorlog = "$SCRATCH/lighttpd.log"
server.modules = ("mod_alias", "mod_cgi", "mod_setenv")
alias.url = ("/privacy" => "$(command -v privacy-web)")
\$HTTP["url"] =~ "^/privacy(/|\$)" {
  cgi.assign = ("" => "")
}
setenv.add-environment = (
  "PRIVACY_DB" => "$PRIVACY_DB",
  "PRIVACY_CONFIG" => "$PRIVACY_CONFIG",
  "PRIVACY_SYSCONFIG" => "$PRIVACY_SYSCONFIG",
  "PRIVACY_NOW" => "$PRIVACY_NOW",
  "HOME" => "$HOME",
  "ASAN_OPTIONS" => "$ASAN_OPTIONS",
  "UBSAN_OPTIONS" => "$UBSAN_OPTIONS",
  "LSAN_OPTIONS" => "$LSAN_OPTIONS"
)
server.max-request-size = 16
EOF
# Until it listens, as long as it lives (up to a minute); if another
# process took the free port first, lighttpd exits: again on another one.
listening=1
for try in 1 2 3 4 5; do
	/usr/sbin/lighttpd -D -f lighttpd.conf 2>lighttpd.stderr &
	web_pid=$!
	/usr/bin/python3 - "$WEB_PORT" "$web_pid" <<'PY'
import os, socket, sys, time
for _ in range(600):
    try:
        os.kill(int(sys.argv[2]), 0)
    except OSError:
        sys.exit(1)
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
	listening=$?
	if [ "$listening" -eq 0 ] && kill -0 "$web_pid" 2>/dev/null; then
		_pids="$_pids $web_pid"
		break
	fi
	listening=1
	kill "$web_pid" 2>/dev/null
	wait "$web_pid" 2>/dev/null
	diag "try $try: lighttpd did not start on port $WEB_PORT: $(tail -n 1 lighttpd.stderr)"
	new=$(free_port)
	sed -i "s/127\.0\.0\.1:$WEB_PORT/127.0.0.1:$new/g" config.yaml
	sed -i "s/^server\.port = $WEB_PORT\$/server.port = $new/" lighttpd.conf
	WEB_PORT=$new
done
[ "$listening" -eq 0 ]
ok $? "lighttpd listens on 127.0.0.1:$WEB_PORT"

run consent-send --campaign r1 --kind repermission --location mitte
status 0 "consent-send mails the re-permission request through the SMTP server"
confirm_url=$(/usr/bin/python3 - "$SCRATCH/smtp/msg" <<'PY'
import email, glob, re, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    m = email.message_from_binary_file(open(f, "rb"))
    part = next(p for p in m.walk() if p.get_content_type() == "text/plain")
    hit = re.search(r"http://127\.0\.0\.1:\d+/privacy/confirm\?t=[A-Za-z0-9_~-]+",
                    part.get_payload(decode=True).decode())
    if "anna@example.org" in m["To"] and hit:
        print(hit.group(0))
PY
)
like "$confirm_url" "^http://127.0.0.1:$WEB_PORT/privacy/confirm\?t=" "the confirm link is read from the mail as received"

# The browser runs in the background; when it has filed the request it
# waits for the file 'code', which is written from the mail notify sends.
/usr/bin/python3 "$TOP/tests/web-browser.py" "$SCRATCH" "$confirm_url" \
	"http://127.0.0.1:$WEB_PORT/privacy" anna@example.org >browser.out 2>&1 &
browser=$!
_pids="$_pids $browser"
/usr/bin/python3 - "$SCRATCH" "$browser" <<'PY'
import os, sys, time
# until the browser asks for the code, or has stopped
while not os.path.exists(sys.argv[1] + "/waiting-for-code"):
    try:
        os.kill(int(sys.argv[2]), 0)
    except OSError:
        break
    time.sleep(0.1)
PY
run notify --pending
status 0 "notify mails the verification code"
/usr/bin/python3 - "$SCRATCH/smtp/msg" >code.tmp <<'PY'
import email, glob, re, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    m = email.message_from_binary_file(open(f, "rb"))
    part = next(p for p in m.walk() if p.get_content_type() == "text/plain")
    # the code stands indented on a line of its own (lib/mail/texts.c)
    hit = re.search(r"\n {4}([A-Z0-9-]{6,})\r?\n", part.get_payload(decode=True).decode())
    if "anna@example.org" in m["To"] and hit:
        print(hit.group(1))
PY
mv code.tmp code
like "$(cat code)" "^[A-Z0-9-]{6,}$" "the code is read from the mail to the address on file"
# when the request is verified, the browser waits for the download link:
# request process stores the export, notify mails the link
/usr/bin/python3 - "$SCRATCH" "$browser" <<'PY'
import os, sys, time
while not os.path.exists(sys.argv[1] + "/waiting-for-link"):
    try:
        os.kill(int(sys.argv[2]), 0)
    except OSError:
        break
    time.sleep(0.1)
PY
run privacyctl request process
status 0 "request process fulfils the verified access request"
run notify --pending
status 0 "notify mails the download link"
/usr/bin/python3 - "$SCRATCH/smtp/msg" >link.tmp <<'PY'
import email, glob, re, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    m = email.message_from_binary_file(open(f, "rb"))
    part = next(p for p in m.walk() if p.get_content_type() == "text/plain")
    hit = re.search(r"http://127\.0\.0\.1:\d+/privacy/export\?t=[A-Za-z0-9_~-]+",
                    part.get_payload(decode=True).decode())
    if "anna@example.org" in m["To"] and hit:
        print(hit.group(0))
PY
mv link.tmp link
like "$(cat link)" "^http://127.0.0.1:$WEB_PORT/privacy/export\?t=" "the download link is read from the access mail"
wait "$browser"
ok $? "the browser went through every page"
[ -s browser.json ] || echo '{}' >browser.json
bget() { /usr/bin/python3 -c 'import json, sys
v = json.load(open("browser.json"))
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v.get(k, "")
print(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))' "$1"; }
[ "$(bget ok)" = true ] || { diag "$(bget error)"; sed 's/^/#   /' browser.out | tail -20; }

ua=$(bget user_agent)
like "$ua" "Chrome" "the browser's user agent"
like "$(bget pages.0.text)" "SALON MITTE|Salon Mitte" "the consent page names the salon"
like "$(bget pages.0.text)" "Neuigkeiten und Angebote per E-Mail" "and what is asked"
like "$(bget pages.0.text)" "Sie haben uns, Salon Mitte, vor dem 25. Mai 2018 erlaubt" "and the archived text agreed to"
like "$(bget pages.1.h1)" "Danke" "Confirm pressed: the thank-you page"
is "$(sql "SELECT event, source, evidence_ip, evidence_user_agent FROM consents
	WHERE customer_id = (SELECT id FROM customers WHERE external_id = 'K-1')
	ORDER BY id DESC LIMIT 1")" "confirmed|re-permission|127.0.0.1|$ua" \
	"the ledger holds the confirmation with 127.0.0.1 and the browser's user agent"
like "$(bget pages.2.text)" "Auskunft" "the request form"
like "$(bget pages.3.text)" "Code" "the answer page asks for the code"
like "$(bget pages.4.h1)" "Anfrage best" "the code confirmed the request"
is "$(sql "SELECT r.type, r.channel, r.status FROM requests r JOIN customers c
	ON c.id = r.customer_id WHERE c.external_id = 'K-1'")" "access|web|completed" \
	"the access request was verified, then completed when the link went out"
like "$(bget pages.5.text)" "Code" "the download link asks for the code again"
like "$(bget pages.6.text)" "JSON-Datei" "then offers the report and the file"
/usr/bin/python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if "anna@example.org" in json.dumps(d) else 1)' downloads/datenauskunft.json
ok $? "the browser downloaded the JSON file: the customer's export"
like "$(bget pages.7.text)" "Becker" "the readable report shows the customer's data"
is "$(bget console)" "[]" "no console messages (no CSP violation, nothing refused)"
for s in 01-consent 02-consent-confirmed 03-request-form 04-request-sent 05-request-verified \
	06-export-code 07-export-ready 08-export-report; do
	[ -s "screens/$s.png" ]; ok $? "screenshot $s.png"
done
[ -n "${WEB_SCREENS:-}" ] && mkdir -p "$WEB_SCREENS" && cp screens/*.png "$WEB_SCREENS/"

# the server's error log: nothing personal, no sanitizer report
log=$(cat lighttpd.log lighttpd.stderr 2>/dev/null)
unlike "$log" "anna@|Becker|127\.0\.0\.1.*privacy-web|Chrome/|$(cat code)|${confirm_url##*t=}" \
	"the server's error log names no person, token, code or user agent"
unlike "$log" "Sanitizer|runtime error" "no sanitizer report from privacy-web"

done_testing
