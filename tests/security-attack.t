#!/bin/bash
# The findings of the second independent attack (issue 18), one section
# each, numbered as in the issue.  Each test failed on 5e6c13d.
. "$(dirname "$0")/lib.sh"
export PRIVACY_NOW=2026-03-02T09:00:00Z

privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl settings set mitte notify-email=team@salon-mitte.example >/dev/null
privacyctl customer import --location mitte "$TOP/examples/salon/customers.csv" >/dev/null

# --- 1: two notify --pending at once send each event once ----------------
# One notify run at a time per database: the second waits for the first
# (up to the busy timeout, then 75) and then finds nothing left to send.
for i in $(seq 40); do
	privacyctl request new --type access --email "ask$i@example.org" --location mitte >/dev/null
done
# each request: the business's notice and the customer's receipt (J3)
is "$(sql "SELECT count(*) FROM events WHERE status = 'pending'")" 80 \
	"1: eighty events wait"
start_smtpd smtp1
salon_config >config.yaml
cat >>config.yaml <<EOF1
smtp:
  url: smtp://127.0.0.1:$SMTP_PORT
  tls: none
EOF1
export PRIVACY_CONFIG=$SCRATCH/config.yaml
PRIVACY_BUSY_TIMEOUT=60000 notify --pending >n1.out 2>n1.err &
p1=$!
PRIVACY_BUSY_TIMEOUT=60000 notify --pending >n2.out 2>n2.err &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
is "$r1:$r2" "0:0" "1: both runs exit 0"
is "$(ls smtp1/msg | wc -l)" 80 "1: the server received eighty messages, not more"
is "$(cat n1.out n2.out | grep -vc '^{"summary":')" 80 "1: eighty deliveries reported in all (past the summary record)"
is "$(sql "SELECT count(*) FROM deliveries WHERE attempts <> 1")" 0 \
	"1: each delivery was attempted once"
# A second run that cannot get the turn within the busy timeout: 75.
exec 8>"$PRIVACY_DB.notify-lock"
flock 8
privacyctl request new --type access --customer 1 >/dev/null
snapshot s1
PRIVACY_BUSY_TIMEOUT=300 run notify --pending
status 75 "1: a notify while another runs (beyond the busy timeout) is 75"
like "$(stderr)" 'another notify is running' "1: ... saying why"
unchanged s1 "1: ... and changes nothing"
exec 8>&-
unset PRIVACY_CONFIG
stop_server $SMTPD_PID

# --- 2: no personal data, no control characters in error messages -------
# A customer file that lost its header row: its first customer's values
# became the column names.  One message, naming no value.
tail -n +2 "$TOP/examples/salon/customers.csv" >nohdr.csv
printf 'K-77,Eve\033]0;owned\007\033[2J,Evil,eve@evil.example\r\n' >>nohdr.csv
snapshot s2
run privacyctl customer import --location mitte nohdr.csv
status 65 "2: a customer file without its header row is refused (65)"
like "$(stderr)" '^privacyctl: nohdr.csv:1: header: none of the 14 columns is known: is the header row missing\?$' \
	"2: ... with one message saying so"
for v in Jürgen Müller juergen.mueller@example.de '+49 30 1234567' 1975-03-14 \
	Friedrichstraße 'Mag keine Hitze' Eve; do
	unlike "$(stderr)" "$(printf '%s' "$v" | sed 's/[+.]/\\&/g')" "2: ... naming no value ($v)"
done
unchanged s2 "2: ... and the database is unchanged"
{ tail -1 nohdr.csv; printf 'K-79,Bob,Brown,bob@example.org\n'; } >esc.csv
run privacyctl customer import --location mitte -v esc.csv
status 65 "2: a file whose first line has escape sequences, with -v"
is "$(tr -d '\n' <"$err" | tr -cd '\001-\037\177' | wc -c)" 0 \
	"2: ... no control character reaches the terminal, not even with -v"
# An unknown column named by a value: its position, not the value.
printf 'external_id,first_name,Anna Schmidt\nK-78,Anna,x\n' >col.csv
run privacyctl customer import --location mitte col.csv
status 65 "2: an unknown column that is not a column name"
is "$(head -1 "$err")" "privacyctl: col.csv:1: column 3: unknown column" \
	"2: ... is named by its position"

# --- 4: plain-text transports only to hosts that resolve to loopback ------
for u in http://127.attacker.invalid/hook http://127.0.0.1.attacker.invalid/ \
	http://127.0.0.1@attacker.invalid/ http://localhost.attacker.invalid/; do
	snapshot s4
	run privacyctl settings set mitte "notify-webhook=$u"
	status 65 "4: plain http webhook to $u is refused"
	unchanged s4 "4: ... the settings unchanged"
done
run privacyctl settings set mitte notify-webhook=http://127.0.0.1:9/hook
status 0 "4: plain http to 127.0.0.1 is accepted"
run privacyctl settings set mitte notify-webhook=http://localhost:9/hook
status 0 "4: ... and to localhost"
run privacyctl settings set mitte notify-webhook=
salon_config >config4.yaml
cat >>config4.yaml <<EOF4
smtp:
  url: smtp://127.attacker.invalid:25
  tls: none
EOF4
privacyctl request new --type access --customer 2 >/dev/null
snapshot s4
PRIVACY_CONFIG=$SCRATCH/config4.yaml run notify --pending
status 78 "4: smtp.tls: none towards 127.attacker.invalid is a configuration error"
like "$(stderr)" "smtp.tls: 'none' is allowed only towards a loopback host" "4: ... saying why"
unchanged s4 "4: ... nothing sent, nothing changed"

# --- 10: CSV formulas behind a ';' and negative numbers -------------------
# A German spreadsheet splits at ';': no cell it would see may start a
# formula, whatever separator it splits at; numbers stay numbers.
cat >inv10.csv <<'EOF10'
number,customer_external_id,issued_on,total_cents,currency,billing_name,billing_address
R-10,K-1001,2025-01-05,-3500,EUR,Anna;=1+1;,"x;""=cmd|' /C calc'!A0"""
EOF10
run privacyctl invoice import --location mitte inv10.csv
status 0 "10: an invoice with formulas behind separators is imported"
cid10=$(sql "SELECT id FROM customers WHERE external_id = 'K-1001'")
echo "{\"customer_id\":$cid10}" | dsar-export -f csv >exp10.csv
status10=$?
is "$status10" 0 "10: the Art. 15 CSV is written"
/usr/bin/python3 - exp10.csv <<'PY' >exp10.chk
import csv, sys
raw = open(sys.argv[1], encoding="utf-8", newline="").read()
bad = []
for sep in (",", ";", "\t"):
    for row in csv.reader(raw.splitlines(), delimiter=sep):
        for cell in row:
            c = cell.lstrip(' "')
            if c[:1] in ("=", "@", "+") or (c[:1] == "-" and not c.lstrip("-").isdigit()):
                bad.append(sep + repr(cell))
rows = list(csv.DictReader(raw.splitlines()))
tot = [r["value"] for r in rows if r["field"] == "total_cents" and r["value"].startswith(("-", "'-"))]
print("bad:", bad)
print("total:", tot)
PY
is "$(sed -n 1p exp10.chk)" "bad: []" "10: no cell starts a formula when split at ',', ';' or tab"
is "$(sed -n 2p exp10.chk)" "total: ['-3500']" "10: the credit note -3500 stays a number"
grep -q "Anna;'=1+1;" exp10.csv
ok $? "10: the value is kept, neutralised after the ';'"

# --- 11: text is UTF-8; JSON objects are no text; JSON errors say where ---
rid11=$(privacyctl request new --type erasure --customer 2 | jget request_id)
latin1=$(printf 'Gr\xfcnde: Kunde w\xfcnscht es')
snapshot s11
run privacyctl request reject "$rid11" --reason "$latin1"
status 65 "11: a Latin-1 --reason is refused (65)"
is "$(stderr)" "privacyctl: --reason: not valid UTF-8 (is the terminal set to UTF-8?)" \
	"11: ... naming the option"
run privacyctl request complete "$rid11" --note "$latin1"
status 65 "11: a Latin-1 --note is refused (65)"
like "$(stderr)" "--note: not valid UTF-8" "11: ... naming the option"
run privacyctl consent grant 2 --purpose marketing-email --source staff \
	--user-agent "$(printf 'Mozilla \xe9')"
status 65 "11: a Latin-1 --user-agent is refused (65)"
unchanged s11 "11: ... and nothing changed"
echo '{"external_id":"K-11","first_name":{"a":1},"last_name":["x"]}' >obj11.ndjson
run privacyctl customer import --location mitte obj11.ndjson
status 65 "11: a JSON object or array for a text field is refused (65)"
is "$(head -2 "$err")" "privacyctl: obj11.ndjson:1: first_name: a JSON object or array where a value is expected
privacyctl: obj11.ndjson:1: last_name: a JSON object or array where a value is expected" \
	"11: ... naming file, line and field"
unchanged s11 "11: ... nothing imported"
printf '{\n  "external_id": "K-12",\n  "first_name": "Anna" "x"\n}\n' >syn11.ndjson
printf '{"external_id":"K-12"}\n{"external_id": "K-13", "first_name": tru}\n' >syn12.ndjson
run privacyctl customer import --location mitte syn11.ndjson
status 65 "11: a JSON syntax error is 65"
like "$(stderr)" "^privacyctl: syn11.ndjson:3: column [0-9]+: '}' expected" \
	"11: ... with line, column and reason (pretty record)"
run privacyctl customer import --location mitte syn12.ndjson
like "$(stderr)" "^privacyctl: syn12.ndjson:2: column 41: invalid token" \
	"11: ... with line, column and reason (NDJSON)"
unlike "$(stderr)" "tru|Anna" "11: ... quoting none of the input"
unchanged s11 "11: ... nothing imported"

# --- 12: configuration: passwords, unknown keys, FIFOs, database mode ------
cat >config12.yaml <<'EOF12'
smtp:
  url: smtp://mailer:Geheim-42@relay.example:587
EOF12
run privacyctl -c config12.yaml config show
status 0 "12: config show"
unlike "$(stdout)" "Geheim-42" "12: the password in smtp.url is not shown"
like "$(stdout)" 'smtp://mailer:\(hidden\)@relay.example:587' "12: ... the rest of the URL is"
printf 'smtp:\n  url: smtp://127.0.0.1:25\n  pasword_file: /x\n' >config12b.yaml
run privacyctl -c config12b.yaml config show
status 78 "12: an unknown key inside a section is 78"
is "$(stderr)" "privacyctl: config12b.yaml:3: pasword_file: unknown key" "12: ... with file and line"
printf 'mail:\n  from: a@b.example\nconsent:\n  confirm_url: https://x/{token}\n  token_dayz: 3\n' >config12c.yaml
run privacyctl -c config12c.yaml config show
status 78 "12: ... in every section with fixed keys"
is "$(stderr)" "privacyctl: config12c.yaml:5: token_dayz: unknown key" "12: ... naming it"
mkfifo fifo12
run timeout 60 privacyctl -c fifo12 config show
status 78 "12: a config that is a FIFO is refused at once, not hung on"
like "$(stderr)" "config 'fifo12' is not a regular file" "12: ... saying why"
chmod 644 "$PRIVACY_DB"
snapshot s12
run privacyctl customer list
status 77 "12: a database readable by others is refused (77)"
like "$(stderr)" "mode 0644.*PRIVACY_DB_SHARED=1" "12: ... naming the mode and the override"
run dsar-export --customer 1
status 77 "12: ... by every tool"
PRIVACY_DB_SHARED=1 run privacyctl customer list
status 0 "12: PRIVACY_DB_SHARED=1 is the documented override"
unchanged s12 "12: ... nothing changed"
chmod 600 "$PRIVACY_DB"

# --- 7: codes in parallel: five attempts, one use ------------------------
privacyctl settings set mitte requests=self-service >/dev/null
code_of() { sql "SELECT json_extract(payload, '\$.code') FROM events WHERE request_id = $1 AND type = 'request.verification' ORDER BY id DESC LIMIT 1"; }
r7=$(privacyctl request new --type access --customer 3 --channel booking-form | jget request_id)
c7=$(code_of "$r7")
like "$c7" '^[A-Z0-9-]+$' "7: a request waits for its code"
for i in $(seq 20); do
	PRIVACY_BUSY_TIMEOUT=60000 privacyctl request verify "$r7" WRNG-WRNG \
		>/dev/null 2>>wrong7.err &
done
wait
is "$(sql "SELECT verify_attempts FROM requests WHERE id = $r7")" 5 \
	"7: twenty wrong codes in parallel count five attempts, not more"
is "$(sql "SELECT count(*) FROM audit WHERE action = 'request.verify-failed' AND object = 'request:$r7'")" 5 \
	"7: ... five failures audited"
PRIVACY_BUSY_TIMEOUT=60000 run privacyctl request verify "$r7" "$c7"
status 77 "7: then even the right code is refused"
r8=$(privacyctl request new --type access --customer 4 --channel booking-form | jget request_id)
c8=$(code_of "$r8")
for i in $(seq 8); do
	( PRIVACY_BUSY_TIMEOUT=60000 privacyctl request verify "$r8" "$c8" >/dev/null 2>&1
	  echo $? >"ok8.$i" ) &
done
wait
is "$(cat ok8.* | grep -c '^0$')" 1 "7: one code verifies its request once when tried eight times in parallel"
is "$(sql "SELECT count(*) FROM events WHERE request_id = $r8 AND type = 'request.received'")" 1 \
	"7: ... and the business is told once"
is "$(sql "SELECT count(*) FROM audit WHERE action = 'request.verify' AND object = 'request:$r8'")" 1 \
	"7: ... one verification audited"

# --- 3, 6: an erasure while another process reads -------------------------
# A reader's open snapshot stops the checkpoint that wipes the old copies.
# The erasure is done and says so (0); the clean-up is retried by the next
# run of any tool and reported by check meanwhile; the write lock is not
# held for the busy timeout.  (A busy timeout of 60 s and a bound of 30:
# a machine under load takes seconds, never the busy timeout.)
start_reader() {
	rm -f reader.ready; mkfifo reader.fifo
	/usr/bin/python3 - "$PRIVACY_DB" <<'PY' &
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN")
db.execute("SELECT count(*) FROM customers").fetchall()
open("reader.ready", "w").close()
open("reader.fifo").read()
db.execute("COMMIT")
db.close()
PY
	reader=$!
	_pids="$_pids $reader"
	for _ in $(seq 1200); do [ -e reader.ready ] && break; sleep 0.05; done # up to a minute
}
stop_reader() { echo >reader.fifo; wait "$reader" 2>/dev/null; rm -f reader.fifo; }
inbytes() { cat "$PRIVACY_DB" "$PRIVACY_DB-wal" 2>/dev/null | grep -caF -- "$1"; }
sql "UPDATE customers SET notes = 'Zq3Residue-Note-Kunde5' WHERE external_id = 'K-1005'"
privacyctl customer list >/dev/null # a writer's close checkpoints the update
cid3=$(sql "SELECT id FROM customers WHERE external_id = 'K-1005'")
start_reader
t0=$(date +%s)
PRIVACY_BUSY_TIMEOUT=60000 run dsar-erase --customer "$cid3"
t1=$(date +%s)
status 0 "3: an erasure while a reader holds a snapshot reports done (0)"
like "$(stdout)" '"status":"erased"' "3: ... and says erased"
is "$(sql "SELECT count(*) FROM customers WHERE id = $cid3")" 0 "3: ... the customer is gone"
[ $((t1 - t0)) -lt 30 ]; ok $? "6: ... without waiting the busy timeout (60 s) for the reader ($((t1 - t0)) s)"
[ -e "$PRIVACY_DB.scrub-pending" ]; ok $? "3: the clean-up owed is noted"
run privacyctl check
status 1 "3: check reports it"
like "$(stdout)" '"event":"security.erasure-cleanup-pending"' "3: ... as security.erasure-cleanup-pending"
t0=$(date +%s)
PRIVACY_BUSY_TIMEOUT=60000 run privacyctl settings set mitte marketing=off
t1=$(date +%s)
status 0 "6: another writer meanwhile is not stalled"
[ $((t1 - t0)) -lt 30 ]; ok $? "6: ... not by the busy timeout ($((t1 - t0)) s)"
stop_reader
run privacyctl location list
status 0 "3: the next run of any tool (a reading one)"
[ ! -e "$PRIVACY_DB.scrub-pending" ]; ok $? "3: ... does the clean-up"
is "$(inbytes Zq3Residue-Note-Kunde5)" 0 "3: ... and the erased note is in neither the file nor the WAL"
run privacyctl check
unlike "$(stdout)" 'erasure-cleanup-pending' "3: check no longer reports it"

# request process (the self-service erasure) under the same reader
r3=$(privacyctl request new --type erasure --customer "$(sql "SELECT id FROM customers WHERE external_id = 'K-1003'")" --channel booking-form | jget request_id)
privacyctl request verify "$r3" "$(code_of "$r3")" >/dev/null
sql "UPDATE customers SET notes = 'Zq3Residue-Note-Kunde3' WHERE external_id = 'K-1003'"
privacyctl customer list >/dev/null
start_reader
run privacyctl request process
status 0 "3: request process erases while a reader holds a snapshot"
[ -e "$PRIVACY_DB.scrub-pending" ]; ok $? "3: ... and notes the clean-up owed, not silently"
stop_reader
run privacyctl customer list
[ ! -e "$PRIVACY_DB.scrub-pending" ]; ok $? "3: ... which the next run does"
is "$(inbytes Zq3Residue-Note-Kunde3)" 0 "3: ... leaving no copy"

# --- 5: SIGTERM and SIGINT: finish the record in hand, report, exit 143/130 -
# The signal comes at a point the program reaches: right after its Nth
# commit (PRIVACY_TEST_KILL_AFTER_COMMIT with PRIVACY_TEST_KILL_SIGNAL).
privacyctl location add sued --name "Salon Süd" >/dev/null
{ echo "external_id,first_name,last_name,email"
  for i in $(seq 40); do echo "S-$i,Vor$i,Nach$i,s$i@kunde.example"; done; } >sued.csv
privacyctl customer import --location sued sued.csv >/dev/null
sql "SELECT id FROM customers WHERE location_id = (SELECT id FROM locations WHERE slug = 'sued') ORDER BY id" |
	sed 's/.*/{"customer_id":&}/' >sued.ndjson
before5=$(sql "SELECT count(*) FROM customers")
PRIVACY_TEST_KILL_AFTER_COMMIT=3 PRIVACY_TEST_KILL_SIGNAL=TERM \
	dsar-erase --commit-every 5 sued.ndjson >er5.out 2>er5.err
is "$?" 143 "5: dsar-erase stopped by SIGTERM exits 143"
erased5=$((before5 - $(sql "SELECT count(*) FROM customers")))
is "$erased5" 15 "5: ... after the three batches it committed"
is "$(grep -c '"status":"erased"' er5.out)" "$erased5" "5: ... each erased subject is reported"
like "$(cat er5.err)" "stopped by signal 15" "5: ... saying it stopped"
run dsar-erase sued.ndjson
status 1 "5: a rerun erases the rest (those erased before are gone: 1)"
is "$(grep -c '"status":"erased"' "$out")" 25 "5: ... the 25 left"
# dsar-export -o: the document in hand is finished, reported, no partial file
mkdir exp5
sql "SELECT id FROM customers ORDER BY id" | sed 's/.*/{"customer_id":&}/' >all5.ndjson
PRIVACY_TEST_KILL_AFTER_COMMIT=1 PRIVACY_TEST_KILL_SIGNAL=INT \
	dsar-export -o exp5 all5.ndjson >ex5.out 2>ex5.err
is "$?" 130 "5: dsar-export -o stopped by SIGINT exits 130"
nfiles=$(ls exp5 | wc -l)
is "$(grep -c '"path"' ex5.out)" "$nfiles" "5: ... every file written is reported ($nfiles)"
/usr/bin/python3 -c 'import json, os, sys
for f in os.listdir("exp5"):
    json.load(open(os.path.join("exp5", f)))' 2>/dev/null
ok $? "5: ... and each is a whole document"

# --- 8: an erasure while a mail to the customer is in flight --------------
# The server holds its answer until the customer is erased, then refuses
# the mail quoting the address: that reply must not be kept.
privacyctl location add west --name "Studio West" >/dev/null
privacyctl settings set west requests=self-service notify-email=west@salon.example >/dev/null
printf 'external_id,first_name,last_name,email\nW-1,Wanda,West,wanda.qx8@kunde.example\n' >west.csv
privacyctl customer import --location west west.csv >/dev/null
serve fd8 /usr/bin/python3 "$TOP/tests/smtp-faultd.py" --dir fd8
SMTP_PORT8=$SERVE_PORT
salon_config >config8.yaml
printf 'smtp:\n  url: smtp://127.0.0.1:%s\n  tls: none\n  timeout: 60\n' "$SMTP_PORT8" >>config8.yaml
export PRIVACY_CONFIG=$SCRATCH/config8.yaml
notify --pending >/dev/null 2>&1 # what earlier sections left waiting
cw=$(sql "SELECT id FROM customers WHERE external_id = 'W-1'")
privacyctl request new --type access --customer "$cw" --channel booking-form >/dev/null
echo hold-550-quote >fd8/mode
PRIVACY_BUSY_TIMEOUT=60000 notify --pending >n8.out 2>n8.err &
n8=$!
for _ in $(seq 1200); do grep -q "^MSG" fd8/log 2>/dev/null && break; sleep 0.05; done # up to a minute
grep -q '^MSG' fd8/log; ok $? "8: the mail to the customer is at the server, unanswered"
run dsar-erase --customer "$cw"
status 0 "8: the customer is erased meanwhile"
touch fd8/release
wait $n8
like "$(cat fd8/log)" 'CLOSED' "8: the server refused the mail quoting the address"
is "$(sql "SELECT count(*) FROM deliveries WHERE last_reply LIKE '%qx8%'") $(sql "SELECT count(*) FROM events WHERE last_reply LIKE '%qx8%'")" "0 0" \
	"8: the reply quoting the erased address is not kept"
unset PRIVACY_CONFIG

# --- 14: Bavaria: 15 August only where the municipality is mainly Catholic -
privacyctl location add muenchen --name "Salon München" --holidays DE-BY >/dev/null
privacyctl location add erlangen --name "Salon Erlangen" --holidays DE-BY-EVANG >/dev/null
printf 'external_id,first_name,last_name,email\nM-1,Maria,Huber,m1@kunde.example\n' >m14.csv
printf 'external_id,first_name,last_name,email\nE-1,Ernst,Meier,e1@kunde.example\n' >e14.csv
privacyctl customer import --location muenchen m14.csv >/dev/null
privacyctl customer import --location erlangen e14.csv >/dev/null
due14() {
	PRIVACY_NOW=2025-07-15T10:00:00Z privacyctl request new --type access \
		--customer "$(sql "SELECT id FROM customers WHERE external_id = '$1'")" | jget due
}
is "$(due14 M-1)" 2025-08-18 "14: DE-BY: a deadline on Friday 15 August 2025 moves to Monday"
is "$(due14 E-1)" 2025-08-15 "14: DE-BY-EVANG (not mainly Catholic): 15 August is a working day"
run privacyctl location add x14 --name X --holidays DE-BY-FOO
status 64 "14: an unknown Bavarian variant is refused"
like "$(stderr)" "DE-BY-KATH, DE-BY-EVANG" "14: ... naming the ones there are"

# --- 15: smaller ones -----------------------------------------------------
# A closed standard input is no empty input.
run dsar-export <&-
status 66 "15: dsar-export with standard input closed is 66, not an empty run"
is "$(stderr)" "dsar-export: standard input is closed: no records to read" "15: ... saying so"
run notify <&-
status 66 "15: ... notify too"
# One garbage line is no header of an empty list of subjects.
echo 'Bitte alle Daten von Frau Huber' >garbage15.txt
run dsar-export garbage15.txt
# one rule for a stream's bad input (privacy(7), issue 17): reported with
# file:line, exit 1 in dsar-export as in dsar-erase (it was 65 here, on
# purpose); never 0, never an empty run
status 1 "15: a single garbage line piped to dsar-export is refused: 1"
like "$(stderr)" "^dsar-export: garbage15.txt:1: header: names none of the fields that select a subject" \
	"15: ... naming the line"
run dsar-erase garbage15.txt
status 1 "15: ... dsar-erase the same: 1"
like "$(stderr)" "garbage15.txt:1: header: names none" "15: ... dsar-erase too"
is "$(sql "SELECT count(*) FROM customers WHERE last_name = 'Huber'")" 1 "15: ... erasing nothing"

# --- 15: empty campaign ---------------------------------------------------
# A re-permission campaign with nobody to ask (Erlangen's one customer gave
# no consent) is recorded with no messages, so its cron resume run finds it.
cat >config15c.yaml <<'EOF'
mail:
  from: datenschutz@salon.example
controller:
  name: Salon Beispiel GmbH
  address: Hauptstr. 1, 10115 Berlin
  email: datenschutz@salon.example
consent:
  confirm_url: https://salon.example/consent/yes?t={token}
  decline_url: https://salon.example/consent/no?t={token}
  unsubscribe_mailto: abmelden@salon.example
EOF
export PRIVACY_CONFIG=$SCRATCH/config15c.yaml
run consent-send --campaign leer15 --kind repermission --location erlangen --transport dir:leer15
status 0 "15: a campaign with nobody to ask exits 0"
is "$(stdout)" "" "15: ... writing no records"
is "$(stderr)" "" "15: ... and no diagnostic"
is "$(sql "SELECT kind, (SELECT slug FROM locations WHERE id = location_id) FROM campaigns WHERE name = 'leer15'")" "repermission|erlangen" \
	"15: ... but is recorded in campaigns"
is "$(sql "SELECT count(*) FROM campaign_messages m JOIN campaigns c ON c.id = m.campaign_id WHERE c.name = 'leer15'")" 0 \
	"15: ... with no messages"
is "$(sql "SELECT count(*) FROM audit WHERE action = 'campaign.create' AND object = 'campaign:' || (SELECT id FROM campaigns WHERE name = 'leer15')")" 1 "15: ... its creation audited"
run consent-send --campaign leer15 --transport dir:leer15 </dev/null
status 0 "15: its cron resume run (consent-send --campaign NAME) exits 0, not 66"
is "$(stdout)$(stderr)" "" "15: ... quietly"
is "$(sql "SELECT count(*) FROM campaigns WHERE name = 'leer15'")" 1 "15: ... recording it once"
run consent-send --campaign leer15b --kind repermission --location erlangen --dry-run
status 0 "15: a dry run of an empty campaign exits 0"
is "$(sql "SELECT count(*) FROM campaigns WHERE name = 'leer15b'")" 0 "15: ... and records nothing"
unset PRIVACY_CONFIG

# --- 9: a one-customer export in constant memory --------------------------
# Maximum RSS of exports of a customer with 40,000 and with 100,000
# appointments, in every format: the document is written as it is made
# (beyond SQLite's page cache and malloc's kept memory, a few MB, which
# both already fill).
privacyctl location add ost --name "Salon Ost" >/dev/null
printf 'external_id,first_name,last_name,email\nO-1,Otto,Ost,o1@kunde.example\nO-2,Olga,Ost,o2@kunde.example\n' >o9.csv
privacyctl customer import --location ost o9.csv >/dev/null
/usr/bin/python3 - >o9a.csv <<'PY'
print("external_id,customer_external_id,starts_at,service,staff,price_cents,notes")
for i in range(140000):
    c = "O-1" if i < 40000 else "O-2"
    print("OA-%d,%s,2024-01-01T10:00:00Z,Haarschnitt %d,Sabine,3500,Notiz %s" % (i, c, i, "x" * 60))
PY
privacyctl appointment import --location ost o9a.csv >/dev/null
rss() { /usr/bin/time -f %M dsar-export --customer "$(sql "SELECT id FROM customers WHERE external_id = '$1'")" -f "$2" 2>&1 >/dev/null | tail -1; }
for f in json ndjson csv; do
	if sanitized dsar-export; then
		ok 0 "9: -f $f: # skip a sanitizer build measures its own memory"
		continue
	fi
	small=$(rss O-1 $f)
	big=$(rss O-2 $f)
	[ $((big - small)) -lt 4096 ]
	ok $? "9: -f $f: 60,000 more appointments cost less than 4 MB more ($small KB -> $big KB)"
done

# --- 15: a webhook receiver with a private CA --------------------------
# webhook.ca_file, as smtp.ca_file.
mkdir certs15
make_cert certs15
head -c 32 /dev/urandom | base64 >whsecret15
chmod 600 whsecret15
start_httpd hook15 whsecret15 --tls certs15/cert.pem certs15/key.pem
privacyctl settings set west notify-webhook="https://127.0.0.1:$HTTP_PORT/hook" \
	notify-email= >/dev/null
printf 'external_id,first_name,last_name,email\nW-2,Walter,West,w2@kunde.example\n' >west15.csv
privacyctl customer import --location west west15.csv >/dev/null
privacyctl request new --type access --customer "$(sql "SELECT id FROM customers WHERE external_id = 'W-2'")" >/dev/null
salon_config >config15.yaml
dead_port
printf 'smtp:\n  url: smtp://127.0.0.1:%s\n  tls: none\nwebhook:\n  secret_file: %s\n' "$DEAD_PORT" "$SCRATCH/whsecret15" >>config15.yaml
# (other locations' events wait without a route: 78 for them)
hook15() { sql "SELECT group_concat(DISTINCT status) FROM deliveries WHERE channel = 'webhook'"; }
PRIVACY_CONFIG=$SCRATCH/config15.yaml run notify --pending
is "$(hook15)" deferred "15: a webhook receiver with a private CA does not verify without webhook.ca_file (deferred)"
printf '  ca_file: %s\n' "$SCRATCH/certs15/cert.pem" >>config15.yaml
PRIVACY_CONFIG=$SCRATCH/config15.yaml PRIVACY_NOW=2026-03-02T10:00:00Z run notify --pending
is "$(hook15)" delivered "15: ... and is verified against webhook.ca_file, the event delivered"

done_testing
