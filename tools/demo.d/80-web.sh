# 80-web.sh - the customer's pages (privacy-web) behind a real lighttpd on
# a free loopback port: a consent link opened (nothing changes), answered
# with the page's own form; a request filed through the form and confirmed
# with the code from the outbox.
say "The customer's pages: privacy-web behind lighttpd"
if ! command -v lighttpd >/dev/null 2>&1 && [ ! -x /usr/sbin/lighttpd ]; then
	note "(lighttpd is not installed: make deps installs it; step skipped)"
else
	privacyctl location show demo-web >/dev/null 2>&1 ||
		privacyctl location add demo-web --name "Salon am Markt" >/dev/null
	printf '%s\n' 'external_id,first_name,last_name,email,marketing_email,marketing_opt_in_at' \
		'W-1,Clara,Hoffmann,clara.h@example.org,yes,2016-04-02' >"$DEMO/web.csv"
	privacyctl customer import --location demo-web "$DEMO/web.csv" >/dev/null
	web_port=$(/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
	cat >"$DEMO/web.yaml" <<YAML
controller:
  name: Salon am Markt GmbH
  address: Markt 3, 04109 Leipzig
  email: datenschutz@salon-am-markt.example
consent:
  confirm_url: http://127.0.0.1:$web_port/privacy/confirm?t={token}
  decline_url: http://127.0.0.1:$web_port/privacy/decline?t={token}
web:
  locations: demo-web
YAML
	export PRIVACY_CONFIG="$DEMO/web.yaml"
	mkdir -p "$DEMO/www"
	cat >"$DEMO/lighttpd.conf" <<CONF
server.bind = "127.0.0.1"
server.port = $web_port
server.document-root = "$DEMO/www"
server.errorlog = "$DEMO/lighttpd.log"
server.modules = ("mod_alias", "mod_cgi", "mod_setenv")
alias.url = ("/privacy" => "$top/bin/privacy-web")
\$HTTP["url"] =~ "^/privacy(/|\$)" {
  cgi.assign = ("" => "")
}
setenv.add-environment = ("PRIVACY_DB" => "$PRIVACY_DB",
  "PRIVACY_CONFIG" => "$DEMO/web.yaml", "PRIVACY_SYSCONFIG" => "$DEMO/none.yaml")
server.max-request-size = 16
CONF
	step consent-send --campaign demo-web --kind repermission --location demo-web \
		--transport "dir:$DEMO/web-mail" -q
	PATH="$PATH:/usr/sbin" lighttpd -D -f "$DEMO/lighttpd.conf" &
	web_pid=$!
	trap 'kill $web_pid 2>/dev/null; rm -rf "$DEMO"' EXIT
	# web GET|POST URL [FORM]: fetch a page, print its status, the security
	# headers once, and the page as text
	web() {
		/usr/bin/python3 - "$@" <<'PY'
import html.parser, sys, time, urllib.error, urllib.parse, urllib.request
method, url = sys.argv[1], sys.argv[2]
data = sys.argv[3].encode() if len(sys.argv) > 3 else None
for _ in range(300):
    try:
        req = urllib.request.Request(url, data=data, method=method,
            headers={"User-Agent": "privacyctl-demo/1.0"})
        try:
            r = urllib.request.urlopen(req)
        except urllib.error.HTTPError as e:
            r = e
        break
    except urllib.error.URLError:
        time.sleep(0.1)
body = r.read().decode()
print("   HTTP %d %s" % (r.status, r.reason))
if method == "GET" and "/confirm" in url:
    for h in ("Content-Security-Policy", "Referrer-Policy", "Cache-Control"):
        print("   %s: %s" % (h, r.headers[h]))
class Text(html.parser.HTMLParser):
    skip = False
    out = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("style", "title"):
            self.skip = True
        if tag == "button":
            self.out.append(" [")
        if tag == "input" and a.get("type") in ("email", "text"):
            self.out.append(" [________]")
        if tag == "input" and a.get("type") == "radio":
            self.out.append("\n( ) ")
        if tag in ("p", "h1", "blockquote", "label", "option", "legend"):
            self.out.append("\n")
    def handle_endtag(self, tag):
        if tag in ("style", "title"):
            self.skip = False
        if tag == "button":
            self.out.append("]")
    def handle_data(self, d):
        if not self.skip:
            self.out.append(d.replace("\n", " "))
t = Text()
t.feed(body)
for line in "".join(t.out).split("\n"):
    if line.strip():
        print("   | " + line.strip())
PY
	}
	tok=$(/usr/bin/python3 -c 'import email, glob, re, sys
m = email.message_from_binary_file(open(sorted(glob.glob(sys.argv[1] + "/new/*"))[0], "rb"))
print(re.search(r"/confirm\?t=([A-Za-z0-9_~-]+)", m.get_payload(decode=True).decode()).group(1))' "$DEMO/web-mail")
	base="http://127.0.0.1:$web_port/privacy"
	note "Clara opens the confirm link from her mail (a mail scanner would"
	note "do the same: nothing changes on GET):"
	printf '\n$ GET %s/confirm?t=...\n' "$base"
	web GET "$base/confirm?t=$tok"
	cid=$(sqlite3 "$PRIVACY_DB" "SELECT id FROM customers WHERE external_id = 'W-1'")
	step privacyctl consent show "$cid"
	note "She presses the Confirm button (the form posts the link's token and"
	note "its CSRF token):"
	csrf=$(/usr/bin/python3 -c 'import re, sys, urllib.request
print(re.search(r"name=\"csrf\" value=\"([0-9a-f]+)\"", urllib.request.urlopen(sys.argv[1]).read().decode()).group(1))' "$base/confirm?t=$tok")
	printf '\n$ POST %s/confirm\n' "$base"
	web POST "$base/confirm" "t=$tok&csrf=$csrf&answer=confirm"
	note "The ledger has her answer, with her address and browser as evidence:"
	step privacyctl consent show "$cid"
	note "The same link again: already answered (410), nothing changes."
	web GET "$base/confirm?t=$tok"

	note "Clara asks for a copy of her data through the form:"
	printf '\n$ GET %s/request\n' "$base"
	web GET "$base/request"
	printf '\n$ POST %s/request\n' "$base"
	web POST "$base/request" "location=demo-web&kind=access&email=clara.h%40example.org"
	rid=$(sqlite3 "$PRIVACY_DB" "SELECT max(id) FROM requests WHERE channel = 'web'")
	code=$(sqlite3 "$PRIVACY_DB" "SELECT json_extract(payload, '\$.code') FROM events WHERE request_id = $rid AND type = 'request.verification'")
	note "(notify mails her the code; here we read it from the outbox)"
	printf '\n$ POST %s/code\n' "$base"
	web POST "$base/code" "email=clara.h%40example.org&code=$code"
	step privacyctl request show "$rid"
	kill $web_pid 2>/dev/null
	wait $web_pid 2>/dev/null
	trap 'rm -rf "$DEMO"' EXIT
	unset PRIVACY_CONFIG
fi
