#!/bin/bash
# privacyctl check: the compliance check, as records for notify.
. "$(dirname "$0")/lib.sh"

export PRIVACY_NOW=2026-03-02T09:00:00Z
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl settings set mitte notify-email=team@mitte.example >/dev/null
cust() { # cust LOC XID -> id, through the real import
	printf '{"external_id":"%s","email":"c%s@example.org"}\n' "$2" "$2" |
		privacyctl customer import --location "$1" >/dev/null
	sql "SELECT c.id FROM customers c JOIN locations l ON l.id = c.location_id WHERE l.slug = '$1' AND c.external_id = '$2'"
}
c1=$(cust mitte 1)
chmod 600 "$PRIVACY_DB"

run privacyctl check
status 0 "a clean installation: exit 0"
is "$(stdout)" "" "no findings, no output"

# requests: overdue and due within 7 days
privacyctl request new --type access --customer "$c1" --received 2026-01-20T10:00:00Z >/dev/null
privacyctl request new --type erasure --customer "$c1" --received 2026-02-05T10:00:00Z >/dev/null
privacyctl request new --type portability --customer "$c1" --received 2026-03-01T10:00:00Z >/dev/null
sql "UPDATE events SET status = 'delivered'"
snapshot before
run privacyctl check
status 1 "findings: exit 1"
is "$(jget event <"$out" | tr '\n' ' ')" "request.overdue request.deadline-near " "one overdue, one due within 7 days"
is "$(jget request_id <"$out" | tr '\n' ' ')" "1 2 " "the requests are named"
is "$(jget location <"$out" | sort -u) $(jget at <"$out" | sort -u)" "mitte 2026-03-02T09:00:00Z" "each record has location and at"
like "$(stderr)" "2 findings" "a summary on stderr"
unchanged before "check changes nothing"
run privacyctl check -q
is "$(stderr)" "" "-q: no summary"
privacyctl request complete 1 --unverified-ok >/dev/null
privacyctl request reject 2 --reason "duplicate" >/dev/null
sql "UPDATE events SET status = 'delivered'"
run privacyctl check
status 0 "closed requests are no findings"

# self-service without notify-email
privacyctl location add nord --name "Studio Nord" >/dev/null
privacyctl settings set nord requests=self-service >/dev/null
run privacyctl check
status 1 "self-service without notify-email"
is "$(jget event <"$out") $(jget location <"$out")" "settings.notify-email-missing nord" "the location is named"
run privacyctl check --location mitte
status 0 "--location: only that location"
run privacyctl check --location sued
status 66 "an unknown location"
privacyctl settings set nord notify-email=nord@example.org >/dev/null
sql "UPDATE events SET status = 'delivered'"

# marketing on while opt-ins lack proof
c2=$(cust nord 2)
sql "INSERT INTO consents (customer_id, purpose, event, at, source, recorded_at) VALUES ($c2, 'marketing-email', 'granted', '2017-03-01T10:00:00Z', 'import', '2026-01-01T00:00:00Z')"
sql "UPDATE settings SET marketing = 'on' WHERE location_id = (SELECT id FROM locations WHERE slug = 'nord')"
run privacyctl check
status 1 "marketing on with an unproven opt-in"
is "$(jget event <"$out") $(jget location <"$out") $(jget customers <"$out")" "marketing.unproven-consent nord 1" "counted, no personal data"
sql "UPDATE settings SET marketing = 'off'"

# outbox events undelivered for more than a day
privacyctl request new --type access --customer "$c2" >/dev/null
PRIVACY_NOW=2026-03-03T08:59:59Z run privacyctl check
status 0 "an event a little under a day old is no finding"
PRIVACY_NOW=2026-03-03T09:00:01Z run privacyctl check --location nord
status 1 "an event more than a day old"
is "$(jget event <"$out") $(jget events <"$out") $(jget oldest <"$out")" "outbox.undelivered 1 2026-03-02T09:00:00Z" "counted with the oldest"
sql "UPDATE events SET status = 'delivered'"
run privacyctl request complete 4 --unverified-ok
status 0 "the request is answered"
sql "UPDATE events SET status = 'delivered'"

# retention past its end
sql "INSERT INTO retained (location_id, kind, record_key, record_date, data, basis, retain_until, created_at) VALUES (1, 'invoices', 'R-1', '2017-05-01', '{}', '§ 147 AO', '2026-03-01', '2026-01-01T00:00:00Z'), (1, 'invoices', 'R-2', '2018-05-01', '{}', '§ 147 AO', '2026-03-02', '2026-01-01T00:00:00Z')"
run privacyctl check
status 1 "retention past its end"
is "$(jget event <"$out") $(jget records <"$out") $(jget oldest <"$out")" "retention.expired 1 2026-03-01" "only what ended before today"
sql "DELETE FROM retained"

# insecure permissions: the database and secret files
chmod 644 "$PRIVACY_DB"
# every tool refuses such a database (77) unless PRIVACY_DB_SHARED=1
# says it is meant; check still reports it then (issue 18, 12)
run privacyctl check --location mitte
status 77 "a world-readable database is refused"
PRIVACY_DB_SHARED=1 run privacyctl check --location mitte
status 1 "a world-readable database"
head -1 "$out" >"$SCRATCH/first"
is "$(jget event <"$SCRATCH/first") $(jget what <"$SCRATCH/first") $(jget mode <"$SCRATCH/first")" "security.insecure-permissions database 0644" "the file and its mode"
is "$(jget file <"$SCRATCH/first")" "$PRIVACY_DB" "the path is named"
like "$(jget what <"$out" | tr '\n' ',')" "^database,(database WAL,)?database shared memory,$" "a -shm (and -wal) made with the database's mode is reported too"
chmod 600 "$PRIVACY_DB"*
printf 'secret\n' >"$SCRATCH/smtp.pw"
chmod 640 "$SCRATCH/smtp.pw"
printf 'smtp:\n  password_file: %s\n' "$SCRATCH/smtp.pw" >"$SCRATCH/cfg.yaml"
PRIVACY_CONFIG="$SCRATCH/cfg.yaml" run privacyctl check --location mitte
status 1 "a group-readable SMTP password file"
is "$(jget what <"$out") $(jget mode <"$out")" "SMTP password file 0640" "named"
unlike "$(stdout)" "secret" "the secret is not read into the report"
chmod 600 "$SCRATCH/smtp.pw"
PRIVACY_CONFIG="$SCRATCH/cfg.yaml" run privacyctl check
status 0 "0600 is fine"
printf 'k' >"$PRIVACY_DB.key"
chmod 604 "$PRIVACY_DB.key"
run privacyctl check --location mitte
is "$(jget what <"$out")" "tombstone key" "the key beside the database is checked"
rm -f "$PRIVACY_DB.key"

# a broken audit chain
sqlite3 "$PRIVACY_DB" "DROP TRIGGER audit_no_update; UPDATE audit SET detail = '{\"forged\":1}' WHERE id = 3"
run privacyctl check
status 1 "a broken audit chain"
is "$(jget event <"$out" | sort -u)" "audit.chain-broken" "reported"
is "$(jget bad_entry <"$out" | sort -u)" "3" "with the first bad entry"
is "$(jget location <"$out" | tr '\n' ' ')" "mitte nord " "once per location, so each address hears of it"

# the records pipe into tools that read records
run privacyctl check -f csv
like "$(head -1 "$out")" "^event,at,location" "CSV too"

done_testing
