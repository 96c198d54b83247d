#!/bin/bash
# J9 a customer of several locations (issue 14): one request by e-mail
# address covers every location of the controller that holds that
# address.  The export the customer receives holds the records of all of
# them; the erasure erases all of them and each location's business
# address is told.  From an empty database, public commands only, every
# mail through the real SMTP server and read back as MIME.
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
	'{"external_id":"K-1","first_name":"Erika","last_name":"Muster","email":"erika@kunde.example"}' \
	'{"external_id":"K-2","first_name":"Hans","last_name":"Lang","email":"hans@kunde.example"}' |
	privacyctl customer import --location mitte >/dev/null
printf '%s\n' \
	'{"external_id":"N-7","first_name":"Erika","last_name":"Muster-Nord","email":"erika@kunde.example","phone":"+49 40 123456"}' \
	'{"external_id":"N-8","first_name":"Hans","last_name":"Lang","email":"hans@kunde.example"}' |
	privacyctl customer import --location nord >/dev/null
is "$(sql "SELECT count(*) FROM customers WHERE email = 'erika@kunde.example'")" 2 \
	"the same person is a customer of both locations"

# --- access: one request by address, without naming a location
run privacyctl request new --type access --email erika@kunde.example \
	--channel booking-form
status 0 "one request by e-mail address, no location named"
r1=$(jget request_id <"$out")
is "$(sql "SELECT count(*) FROM requests")" 1 "one request, not one per location"
is "$(sql "SELECT c.external_id FROM request_customers rc JOIN customers c ON c.id = rc.customer_id WHERE rc.request_id = $r1")" \
	N-7 "it covers the customer of the other location"
run notify --pending
status 0 "the code mail is sent"
is "$(nmails_to erika@kunde.example)" 1 "one code mail, not one per location"
code=$(code_in "$(mails_to erika@kunde.example | tail -1)")
printf '%s\n' "$code" | privacyctl request verify "$r1" >/dev/null
is "$(sql "SELECT status FROM requests WHERE id = $r1")" verified "the code verifies the request"
run privacyctl request process
status 0 "request process"
notify --pending >/dev/null
is "$(nmails_to erika@kunde.example)" 2 "the export mail arrives, once"
for f in $(mails_to team@salon-mitte.example); do
	case "$(mail "$f" subject)" in "Neue Datenschutzanfrage Nr. $r1 "*) nb=$f ;; esac
done
like "$(mail "$nb" body)" 'Eingegangen am: 2\. März 2026' \
	"the business's mail of the verified request says when it came in"
is "$(/usr/bin/python3 "$TOP/tests/journeys/mail.py" "$nb" lint de business)" "" \
	"and reads well"
m=$(mails_to erika@kunde.example | tail -1)
/usr/bin/python3 - "$TOP/tests/journeys/mail.py" "$m" <<'PY' >json.check
import json, subprocess, sys
doc = json.loads(subprocess.run(["/usr/bin/python3", sys.argv[1], sys.argv[2],
    "attachment", "auskunft.json"], capture_output=True, text=True).stdout)
c = doc["data"]["customer"]
print(doc["format"], c["external_id"], c["last_name"])
for o in doc["other_locations"]:
    c = o["data"]["customer"]
    print(o["format"], c["external_id"], c["last_name"], c["phone"])
PY
is "$(cat json.check)" "$(printf '%s\n' 'privacyctl-export/1 K-1 Muster' \
	'privacyctl-export/1 N-7 Muster-Nord +49 40 123456')" \
	"the JSON attachment holds the records of both locations"
unlike "$(cat json.check)" "Lang" "and nobody else's"
is "$(sql "SELECT status FROM requests WHERE id = $r1")" completed \
	"the request is completed once the mail was accepted"

# --- erasure: one request erases the customer at both locations
run privacyctl request new --type erasure --email erika@kunde.example \
	--channel booking-form
status 0 "an erasure request by e-mail address"
r2=$(jget request_id <"$out")
notify --pending >/dev/null
code=$(code_in "$(mails_to erika@kunde.example | tail -1)")
printf '%s\n' "$code" | privacyctl request verify "$r2" >/dev/null
nm=$(nmails_to team@salon-mitte.example)
nn=$(nmails_to team@salon-nord.example)
run privacyctl request process
status 0 "request process erases"
is "$(/usr/bin/python3 -c 'import json,sys; r = json.load(sys.stdin)["result"]
print(r["status"], r["location"], *[(o["status"], o["location"]) for o in r["other_locations"]])' <"$out")" \
	"erased mitte ('erased', 'nord')" "its report names the erasure at each location"
is "$(sql "SELECT count(*) FROM customers WHERE email = 'erika@kunde.example'")" 0 \
	"the customer is erased at both locations"
is "$(sql "SELECT group_concat(external_id, ' ') FROM customers ORDER BY id")" "K-2 N-8" \
	"the other customers stay"
is "$(sql "SELECT count(*) FROM request_customers")" 0 "no link to an erased customer stays"
is "$(sql "SELECT status FROM requests WHERE id = $r2")" completed "the request is completed"
run notify --pending
status 0 "notify --pending"
is "$(( $(nmails_to team@salon-nord.example) - nn ))" 1 "Salon Nord's business address gets one mail"
like "$(mail "$(mails_to team@salon-nord.example | tail -1)" subject)" \
	'löschen: Kunde N-7 \(Salon Nord\)' "it is told to erase its customer in its other systems too"
like "$(mail "$(mails_to team@salon-mitte.example | tail -1)" subject)" \
	'löschen: Kunde K-1 \(Salon Mitte\)' "Salon Mitte's business address is told of its customer"
is "$(( $(nmails_to team@salon-mitte.example) - nm ))" 2 \
	"Salon Mitte's business address gets the new request and the erasure"
is "$(nmails_to erika@kunde.example)" 4 "the customer gets one confirmation, not one per location"
unlike "$(sql "SELECT group_concat(detail) FROM audit")" "erika" "no address in the audit log"

# --- manual locations: a letter to Salon Nord, staff check the identity,
# and the documented pipe erases the person at both locations
privacyctl settings set mitte requests=manual >/dev/null
privacyctl settings set nord requests=manual >/dev/null
notify --pending >/dev/null
run privacyctl request new --type erasure --email hans@kunde.example \
	--location nord --channel letter
status 0 "a letter to one location, by e-mail address"
r3=$(jget request_id <"$out")
is "$(sql "SELECT l.slug FROM requests r JOIN locations l ON l.id = r.location_id WHERE r.id = $r3")" \
	nord "the request goes to the location named"
is "$(sql "SELECT c.external_id FROM request_customers rc JOIN customers c ON c.id = rc.customer_id WHERE rc.request_id = $r3")" \
	K-2 "and covers the customer of the other location"
run privacyctl request verify "$r3" --verified-by "Ausweis an der Theke"
status 0 "staff checked the identity"
notify --pending >/dev/null
nm=$(nmails_to team@salon-mitte.example)
nn=$(nmails_to team@salon-nord.example)
dsar-erase --request "$r3" | notify >pipe.out 2>pipe.err
is "${PIPESTATUS[*]}" "0 0" "dsar-erase --request N | notify: both exit 0"
is "$(sql "SELECT count(*) FROM customers")" 0 "the customer is erased at both locations"
is "$(sql "SELECT status FROM requests WHERE id = $r3")" completed "the request is completed"
is "$(( $(nmails_to team@salon-mitte.example) - nm ))" 1 "Salon Mitte's business address is told"
like "$(mail "$(mails_to team@salon-mitte.example | tail -1)" subject)" \
	'Kunde K-2 \(Salon Mitte\)' "of its customer"
is "$(( $(nmails_to team@salon-nord.example) - nn ))" 1 "Salon Nord's business address is told"
like "$(mail "$(mails_to team@salon-nord.example | tail -1)" subject)" \
	'Kunde N-8 \(Salon Nord\)' "of its customer"
is "$(nmails_to hans@kunde.example)" 2 \
	"the customer gets the receipt and one confirmation, not one per location"
like "$(mail "$(mails_to hans@kunde.example | tail -1)" subject)" 'gelöscht' \
	"the last one confirms the erasure"

# --- manual access: a letter to Salon Nord by a customer of both
# locations; staff answer with the documented pipe, and the one answer
# holds both locations' data (appointments included)
printf '%s\n' \
	'{"external_id":"K-3","first_name":"Greta","last_name":"Garbe","email":"greta@kunde.example"}' |
	privacyctl customer import --location mitte >/dev/null
printf '%s\n' \
	'{"external_id":"N-9","first_name":"Greta","last_name":"Garbe-Nord","email":"greta@kunde.example","phone":"+49 40 123456"}' |
	privacyctl customer import --location nord >/dev/null
printf '%s\n' 'number,customer_external_id,issued_on,total_cents,currency,billing_name,billing_address' \
	'RE-N-1,N-9,2025-09-20,7900,EUR,Greta Garbe,"Nordweg 1, 20095 Hamburg"' |
	privacyctl invoice import --location nord >/dev/null
printf '%s\n' 'external_id,customer_external_id,starts_at,service,staff,price_cents' \
	'T-31,K-3,2025-05-02T10:00:00+02:00,Waschen und Föhnen,Sabine,2500' |
	privacyctl appointment import --location mitte >/dev/null
printf '%s\n' 'external_id,customer_external_id,starts_at,service,staff,price_cents' \
	'T-91,N-9,2025-09-20T15:00:00+02:00,Dauerwelle,Jörg,7900' |
	privacyctl appointment import --location nord >/dev/null
run privacyctl request new --type access --email greta@kunde.example \
	--location nord --channel letter
status 0 "a letter asking for access, to Salon Nord"
r4=$(jget request_id <"$out")
run privacyctl request verify "$r4" --verified-by "Ausweis an der Theke"
status 0 "staff checked the identity"
notify --pending >/dev/null
is "$(nmails_to greta@kunde.example)" 1 "the customer got the receipt"

export_check() { # the document on stdin: each location's customer and appointments
	/usr/bin/python3 -c '
import json, sys
doc = json.load(sys.stdin)
for d in [doc] + doc.get("other_locations", []):
    s, c = d["subject"], d["data"]["customer"]
    print(s["location"], s["location_name"], s.get("request_id"),
          c["external_id"], *[a["service"] for a in d["data"]["appointments"]])'
}
want="nord Salon Nord $r4 N-9 Dauerwelle
mitte Salon Mitte $r4 K-3 Waschen und Föhnen"
run dsar-export --request "$r4"
status 0 "dsar-export --request N"
is "$(export_check <"$out")" "$want" \
	"the document holds the person's data at both locations, appointments included"
is "$(grep -c . "$out")" 1 "one document (NDJSON: one line), not one per location"
run dsar-export --request "$r4" -f json
status 0 "dsar-export --request N -f json"
is "$(export_check <"$out")" "$want" "the same in pretty JSON"
run dsar-export --request "$r4" -f csv
status 0 "dsar-export --request N -f csv"
is "$(/usr/bin/python3 -c 'import csv, sys
print(*sorted({r["customer_id"] for r in csv.DictReader(sys.stdin)}))' <"$out")" \
	"$(sql "SELECT group_concat(id, ' ') FROM (SELECT id FROM customers WHERE email = 'greta@kunde.example' ORDER BY id)")" \
	"the CSV long form has the rows of both customers"
run dsar-export --request "$r4" -f html
status 0 "dsar-export --request N -f html"
html_check() { # the page on stdin: the location headings and the services
	/usr/bin/python3 -c '
import re, sys
h = sys.stdin.read()
print(*re.findall(r"<h2 class=\"location\">([^<]*)</h2>", h), sep=", ")
print("Dauerwelle" in h, "Waschen und Föhnen" in h, "<script" in h)'
}
is "$(html_check <"$out")" "Salon Nord, Salon Mitte
True True False" "the page shows every location, each with its appointments"
# each location's part of the page has that location's data, all of it:
# the customer's details as that location has them, the appointments,
# the invoices, the requests, the location by its name (not "nord")
/usr/bin/python3 -c '
import html, re, sys
h = sys.stdin.read()
parts = re.split(r"<h2 class=\"location\">", h)[1:]
for part in parts:
    name, body = part.split("</h2>", 1)
    body = body.split("<h2>")[0]  # up to the information of Art. 15(1)
    t = html.unescape(re.sub(r"<[^>]+>", " ", body))
    t = re.sub(r"\s+", " ", t)
    print(name + ":", *[w for w in ("N-9", "Garbe-Nord", "+49 40 123456",
        "Dauerwelle", "RE-N-1", "K-3", "Waschen und Föhnen", "Brief")
        if w in t], "| by slug:", len(re.findall(r"(?<![-.@\w])(nord|mitte)(?![-.\w])", t)),
          "by name:", t.count(name))
' <"$out" >html.parts
is "$(cat html.parts)" "Salon Nord: N-9 Garbe-Nord +49 40 123456 Dauerwelle RE-N-1 Brief | by slug: 0 by name: 2
Salon Mitte: K-3 Waschen und Föhnen | by slug: 0 by name: 1" \
	"each location's part shows its customer, appointments, invoices and requests, the location by its name"
page_text=$(/usr/bin/python3 -c 'import html, re, sys
print(html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", sys.stdin.read(), flags=re.S))))' <"$out")
like "$page_text" 'Auskunft: erstellt' "the request's result in words"
unlike "$page_text" 'export:|stdout|event_id|\bnord\b' "no machine words in the page"
is "$(sql "SELECT json_extract(detail, '\$.count') FROM audit WHERE action = 'customer.export' ORDER BY id DESC LIMIT 1")" 2 \
	"the audit log counts both customers exported"

nn=$(nmails_to team@salon-nord.example)
nm=$(nmails_to team@salon-mitte.example)
dsar-export --request "$r4" | notify >pipe.out 2>pipe.err
is "${PIPESTATUS[*]}" "0 0" "dsar-export --request N | notify: both exit 0"
is "$(nmails_to greta@kunde.example)" 2 "the customer gets one answer, not one per location"
m=$(mails_to greta@kunde.example | tail -1)
is "$(mail "$m" attachments)" "auskunft.json application/json
auskunft.html text/html" "with the document as JSON and as a page"
is "$(/usr/bin/python3 "$TOP/tests/journeys/mail.py" "$m" attachment auskunft.json | export_check)" \
	"$want" "the JSON attachment holds both locations' data"
is "$(/usr/bin/python3 "$TOP/tests/journeys/mail.py" "$m" attachment auskunft.html | html_check)" \
	"Salon Nord, Salon Mitte
True True False" "the HTML attachment shows both locations"
is "$(/usr/bin/python3 "$TOP/tests/journeys/mail.py" "$m" lint de)" "" \
	"the answer reads well"
is "$(sql "SELECT status FROM requests WHERE id = $r4")" completed \
	"the request is completed once the server accepted the mail"
is "$(( $(nmails_to team@salon-nord.example) - nn ))" 1 "Salon Nord's business address is told"
is "$(( $(nmails_to team@salon-mitte.example) - nm ))" 1 "Salon Mitte's business address is told too"
b=$(mails_to team@salon-mitte.example | tail -1)
like "$(mail "$b" body)" "Anfrage Nr\\. $r4 ist erledigt" "of the request that covered its customer"
like "$(mail "$b" body)" 'Ergebnis: die Auskunft wurde dem Kunden per E-Mail zugestellt; sie enthält auch die Daten, die dieser Standort' \
	"and that the answer, with its own data, reached the customer"
like "$(mail "$m" body)" 'alles, was wir bei Salon Nord und Salon Mitte über Sie gespeichert haben' \
	"the customer's mail names every location it answers for"
is "$(/usr/bin/python3 "$TOP/tests/journeys/mail.py" "$b" lint de business)" "" \
	"the business's mail reads well"

done_testing
