#!/bin/bash
# J8 and J9 through privacy-web's self-service request form (issue 14),
# run as a CGI program the way a web server runs it (tests/web.t): a
# request for an address we hold nothing about is recorded and answered
# "we hold no data about you", with the same answer page as a customer's,
# and a customer's request by e-mail address covers every location of the
# controller.  From an empty database, public commands only, every mail
# through the real SMTP server and read back as MIME.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/journeys/requests.sh"

export PRIVACY_NOW=2026-03-02T09:00:00Z
journey_setup
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl location add nord --name "Salon Nord" >/dev/null
privacyctl settings set mitte requests=self-service \
	notify-email=team@salon-mitte.example >/dev/null
privacyctl settings set nord requests=self-service \
	notify-email=team@salon-nord.example >/dev/null
printf '%s\n' \
	'{"external_id":"K-1","first_name":"Erika","last_name":"Muster","email":"erika@kunde.example"}' |
	privacyctl customer import --location mitte >/dev/null
printf '%s\n' \
	'{"external_id":"N-7","first_name":"Erika","last_name":"Muster","email":"erika@kunde.example"}' \
	'{"external_id":"N-9","first_name":"Greta","last_name":"Garbe","email":"greta@kunde.example"}' |
	privacyctl customer import --location nord >/dev/null
printf '%s\n' 'external_id,customer_external_id,starts_at,service,staff,price_cents' \
	'T-1,K-1,2025-05-02T10:00:00+02:00,Waschen und Föhnen,Sabine,2500' |
	privacyctl appointment import --location mitte >/dev/null
printf '%s\n' 'external_id,customer_external_id,starts_at,service,staff,price_cents' \
	'T-7,N-7,2025-09-20T15:00:00+02:00,Dauerwelle,Jörg,7900' |
	privacyctl appointment import --location nord >/dev/null

# post PATH BODY: a form POST to the CGI program, the body on stdin
post() {
	printf '%s' "$2" >body
	run env -i PATH="$PATH" PRIVACY_DB="$PRIVACY_DB" \
		PRIVACY_CONFIG="$PRIVACY_CONFIG" PRIVACY_NOW="$PRIVACY_NOW" \
		HOME="$HOME" ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
		GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 \
		REQUEST_METHOD=POST PATH_INFO="$1" QUERY_STRING= \
		CONTENT_TYPE=application/x-www-form-urlencoded \
		CONTENT_LENGTH="${#2}" SCRIPT_NAME=/privacy \
		REMOTE_ADDR=192.0.2.7 HTTP_USER_AGENT="TestBrowser/1.0" \
		privacy-web <body
}
hstatus() { sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$out" | tr -d '\r'; }
page() { sed '1,/^\r\{0,1\}$/d' "$out"; }

# --- the form: the same answer for a stranger and for a customer
post /request "location=mitte&kind=access&email=fremd%40irgendwo.example"
status 0 "the form takes a request for an address we hold nothing about"
is "$(hstatus)" 200 "200"
page | sed 's/fremd@irgendwo.example/ADDR/g' >stranger.html
rs=$(sql "SELECT id FROM requests WHERE requester_email = 'fremd@irgendwo.example'")
is "$(sql "SELECT l.slug, r.type, r.channel, r.status, r.customer_id IS NULL, r.due_on FROM requests r JOIN locations l ON l.id = r.location_id WHERE r.id = '$rs'")" \
	"mitte|access|web|unverified|1|2026-04-02" \
	"it is recorded (J8), with its deadline, waiting for the code like any other"
post /request "location=mitte&kind=access&email=erika%40kunde.example"
is "$(hstatus)" 200 "a customer's request: 200"
page | sed 's/erika@kunde.example/ADDR/g' >customer.html
cmp -s stranger.html customer.html
ok $? "the two answer pages are the same: the form tells nobody who is a customer"
like "$(cat customer.html)" 'Wir haben soeben einen Code an <strong>ADDR</strong> geschickt' \
	"the page says the code went out"
re=$(sql "SELECT r.id FROM requests r JOIN customers c ON c.id = r.customer_id WHERE c.external_id = 'K-1'")
is "$(sql "SELECT r.status, r.channel FROM requests r WHERE r.id = '$re'")" "unverified|web" \
	"the customer's request waits for its code"
is "$(sql "SELECT c.external_id FROM request_customers rc JOIN customers c ON c.id = rc.customer_id WHERE rc.request_id = '$re'")" \
	N-7 "a request by e-mail address covers the customer at the other location (J9)"
post /request "location=mitte&kind=access&email=greta%40kunde.example"
is "$(hstatus)" 200 "a request at Salon Mitte by a customer of Salon Nord only: 200"
rg=$(sql "SELECT r.id FROM requests r JOIN customers c ON c.id = r.customer_id WHERE c.external_id = 'N-9'")
is "$(sql "SELECT l.slug FROM requests r JOIN locations l ON l.id = r.location_id WHERE r.id = '$rg'")" nord \
	"is the request of the customer of the controller's other location, not an unknown person's"
is "$(sql "SELECT count(*) FROM requests")" 3 "three requests"
is "$(stderr)" "" "nothing on stderr"

run notify --pending
status 0 "notify sends the codes"
is "$(nmails_to fremd@irgendwo.example) $(nmails_to erika@kunde.example) $(nmails_to greta@kunde.example)" \
	"1 1 1" "one code mail to each address, not one per location"
m=$(mails_to fremd@irgendwo.example)
like "$(mail "$m" subject)" 'Bestätigungscode' "the stranger's mail is the same code mail"

# --- the code page, then request process, then the answers
for who in fremd@irgendwo.example erika@kunde.example; do
	code=$(code_in "$(mails_to "$who" | tail -1)")
	post /code "email=${who/@/%40}&code=$code"
	is "$(hstatus)" 200 "$who: the code confirms the request"
done
is "$(sql "SELECT group_concat(status, ' ') FROM (SELECT status FROM requests WHERE id IN ('$rs', '$re') ORDER BY id)")" \
	"verified verified" "both requests are verified"
run privacyctl request process
status 0 "request process"
run notify --pending
status 0 "notify --pending"
is "$(sql "SELECT group_concat(status, ' ') FROM (SELECT status FROM requests WHERE id IN ('$rs', '$re') ORDER BY id)")" \
	"completed completed" "both are answered and completed"
m=$(mails_to fremd@irgendwo.example | tail -1)
like "$(mail "$m" body)" 'haben wir keine Daten über Sie gespeichert' \
	"the stranger hears that we hold no data about them (J8)"
is "$(/usr/bin/python3 "$TOP/tests/journeys/mail.py" "$m" lint de)" "" "and the mail reads well"
m=$(mails_to erika@kunde.example | tail -1)
is "$(/usr/bin/python3 "$TOP/tests/journeys/mail.py" "$m" attachment auskunft.json |
	/usr/bin/python3 -c 'import json, sys
d = json.load(sys.stdin)
for x in [d] + d["other_locations"]:
    print(x["subject"]["location"], x["data"]["customer"]["external_id"],
          *[a["service"] for a in x["data"]["appointments"]])')" \
	"mitte K-1 Waschen und Föhnen
nord N-7 Dauerwelle" "the customer's answer holds both locations' data (J9)"
for f in $(mails_to team@salon-mitte.example); do
	case "$(mail "$f" subject)" in "Datenschutzanfrage Nr. $rs erledigt") b=$f ;; esac
done
like "$(mail "$b" body)" 'Ergebnis: zu der anfragenden E-Mail-Adresse sind keine Daten gespeichert' \
	"the business hears how the stranger was answered, in German"
is "$(/usr/bin/python3 "$TOP/tests/journeys/mail.py" "$b" lint de business)" "" \
	"and its mail reads well"
unlike "$(sql "SELECT group_concat(detail) FROM audit")" "fremd|erika" "no address in the audit log"

done_testing
