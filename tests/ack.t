#!/bin/bash
# check --new | notify: a request's finding is mailed again only when it
# changes or after 7 days (check.repeat_days); request ack silences it
# until a date or until the request's state or deadline changes, and
# request show / list say so (until when, by whom).  Real SMTP server.
. "$(dirname "$0")/lib.sh"

export PRIVACY_NOW=2026-03-02T07:00:00Z
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl settings set mitte notify-email=team@mitte.example >/dev/null
printf '{"external_id":"1","email":"c1@example.org"}\n' |
	privacyctl customer import --location mitte >/dev/null
c1=$(sql "SELECT id FROM customers WHERE external_id = '1'")
chmod 600 "$PRIVACY_DB"
mkdir certs
make_cert certs
start_smtpd smtp --tls certs/cert.pem certs/key.pem
cat >config.yaml <<EOF
smtp:
  url: smtp://127.0.0.1:$SMTP_PORT
  ca_file: $SCRATCH/certs/cert.pem
  timeout: 60
mail:
  from: datenschutz@salon.example
EOF
export PRIVACY_CONFIG=$SCRATCH/config.yaml
nmails() { ls smtp/msg/*.eml 2>/dev/null | wc -l; }
# cron_day DATE: the cron line of privacy(7) at 07:00 that day; prints
# the date (MM-DD) when it mailed
cron_day() {
	local before
	before=$(nmails)
	PRIVACY_NOW=${1}T07:00:00Z privacyctl check -q --new |
		PRIVACY_NOW=${1}T07:00:00Z notify -q >>notify.out
	if [ "$(nmails)" -gt "$before" ]; then
		printf '%s ' "${1#2026-}"
	fi
}
days() { # days FROM N: N dates from FROM on
	for i in $(seq 0 $(($2 - 1))); do date -u -d "$1 + $i day" +%F; done
}

# request 1: received in January, its deadline passed before March
privacyctl request new --type access --customer "$c1" --received 2026-01-20T10:00:00Z >/dev/null
notify --pending -q >>notify.out
run privacyctl check
like "$(stdout)" '"request.overdue"' "without --new: the overdue finding"

# --- 25 daily runs ----------------------------------------------------
n0=$(nmails)
sent=""
for d in $(days 2026-03-02 25); do sent="$sent$(cron_day "$d")"; done
is "$sent" "03-02 03-09 03-16 03-23 " "25 days: mailed on day 1 and every 7 days, not 25 times"
is "$(($(nmails) - n0))" "4" "4 mails in 25 days"
last=$(ls smtp/msg/*.eml | tail -1)
body=$(/usr/bin/python3 - "$last" <<'PY'
import email, sys
from email import policy
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=policy.default)
print(m["To"])
print(m.get_body(("plain",)).get_content())
PY
)
like "$body" "team@mitte.example" "to the location's address"
like "$body" "Anfrage Nr. 1 ist am 20. Februar 2026 abgelaufen" "the passed deadline is in the mail"
unlike "$body" "c1@example.org" "no customer address in the mail"
run privacyctl check
like "$(stdout)" '"request.overdue"' "check without --new still shows it"
is "$(sql "SELECT count(*) FROM reminders")" "1" "one reminder state"

# --- acknowledge until a date -----------------------------------------
export PRIVACY_NOW=2026-03-27T08:00:00Z
snapshot before
run privacyctl request ack 66 --until 2026-04-10
status 66 "unknown request: 66"
like "$(stderr)" "no such request: 66" "says so"
unchanged before "unknown request: database unchanged"
run privacyctl request ack 1 --until 2026-04-31
status 64 "an impossible date: 64"
like "$(stderr)" "until" "names the option"
run privacyctl request ack 1 --until tomorrow
status 64 "not a date: 64"
run privacyctl request ack 1 --until 2026-03-27
status 65 "today is no snooze: 65"
run privacyctl request ack 1 --until 2026-03-01
status 65 "a past date: 65"
run privacyctl request ack x1
status 64 "not a request id: 64"
unchanged before "bad input: database unchanged"
run privacyctl request ack 1 --until 2026-04-10 --reason "Kundin c1@example.org ruft zurück"
status 0 "ack --until"
is "$(jget request_id <"$out")" "1" "shows the request"
actor=$(sql "SELECT actor FROM audit WHERE action = 'request.ack'")
like "$actor" "^privacyctl/." "the actor is the program and the user"
is "$(jget acknowledged <"$out") $(jget acknowledged_until <"$out") $(jget acknowledged_by <"$out")" "true 2026-04-10 $actor" \
	"the answer says: acknowledged until 10 April, by whom"
run privacyctl request show 1
is "$(jget acknowledged <"$out") $(jget acknowledged_until <"$out") $(jget acknowledged_by <"$out")" "true 2026-04-10 $actor" \
	"request show: acknowledged until when, by whom"
is "$(jget acknowledged_reason <"$out")" "Kundin c1@example.org ruft zurück" "and why (for staff)"
run privacyctl request list --open
is "$(jget acknowledged <"$out") $(jget acknowledged_until <"$out") $(jget acknowledged_by <"$out")" "true 2026-04-10 $actor" \
	"request list: the same"
run privacyctl request list --open -f csv
like "$(head -1 "$out")" "acknowledged,acknowledged_until,acknowledged_by" "the CSV has the columns"
run script -qec "COLUMNS=200 privacyctl request show 1" /dev/null
like "$(stdout)" '"acknowledged_until": "2026-04-10"' "a terminal shows it too"
is "$(sql "SELECT action || ' ' || object || ' ' || detail FROM audit WHERE action = 'request.ack'")" \
	'request.ack request:1 {"until":"2026-04-10"}' "audited: the id and the date"
is "$(sql "SELECT count(*) FROM audit WHERE detail LIKE '%example.org%' OR detail LIKE '%Kundin%'")" "0" "no reason, no address in the audit log"
sent=""
for d in $(days 2026-03-27 17); do sent="$sent$(cron_day "$d")"; done
is "$sent" "04-10 " "snoozed until 2026-04-10, then mailed again"
PRIVACY_NOW=2026-04-10T08:00:00Z run privacyctl request show 1
is "$(jget acknowledged <"$out") $(jget acknowledged_until <"$out") $(jget acknowledged_by <"$out")" "false null null" \
	"after 10 April: no longer acknowledged"

# --- acknowledged until the deadline changes --------------------------
privacyctl request complete 1 --unverified-ok >/dev/null
snapshot before
run privacyctl request ack 1
status 65 "a closed request: 65"
unchanged before "closed request: database unchanged"
export PRIVACY_NOW=2026-04-13T08:00:00Z
privacyctl request new --type access --customer "$c1" --received 2026-04-13T08:00:00Z >/dev/null
notify --pending -q >>notify.out
due=$(privacyctl request show 2 | jget due)
near=$(date -u -d "$due - 6 day" +%F)
sent=""
for d in $(days "$near" 2); do sent="$sent$(cron_day "$d")"; done
is "$sent" "${near#2026-} " "deadline near: mailed once"
export PRIVACY_NOW=${near}T09:00:00Z
run privacyctl request ack 2 --reason "in Arbeit"
status 0 "ack without --until"
is "$(sql "SELECT ack_until IS NULL FROM reminders WHERE request_id = 2")" "1" "no end date"
is "$(jget acknowledged <"$out") $(jget acknowledged_until <"$out")" "true null" \
	"shown as acknowledged with no end date (while the state and deadline stay)"
is "$(cron_day "$(date -u -d "$near + 2 day" +%F)")" "" "acknowledged: silent"
run privacyctl request extend 2 --by 1 --reason "viele Daten"
status 0 "extended"
notify --pending -q >>notify.out
due2=$(privacyctl request show 2 | jget due)
near2=$(date -u -d "$due2 - 6 day" +%F)
sent=""
for d in $(days "$near2" 2); do sent="$sent$(cron_day "$d")"; done
is "$sent" "${near2#2026-} " "the new deadline brings it back"
PRIVACY_NOW=${near2}T09:00:00Z privacyctl request ack 2 >/dev/null
pass=$(date -u -d "$due2 + 1 day" +%F)
is "$(cron_day "$pass")" "${pass#2026-} " "an acknowledged near deadline is mailed when it passes"
PRIVACY_NOW=${pass}T09:00:00Z run privacyctl request show 2
is "$(jget acknowledged <"$out")" "false" "the deadline passed: the acknowledgement of the near deadline ended"

# --- the repeat interval is a config key (check.repeat_days) ----------
export PRIVACY_NOW=2026-07-01T07:00:00Z
privacyctl request new --type portability --customer "$c1" --received 2026-05-04T10:00:00Z >/dev/null
notify --pending -q >>notify.out
for bad in 0 366 -1 often; do
	cp config.yaml bad.yaml
	printf 'check:\n  repeat_days: %s\n' "$bad" >>bad.yaml
	snapshot before
	run privacyctl -c bad.yaml check --new
	status 78 "check.repeat_days: $bad is refused"
	like "$(stderr)" "bad.yaml:[0-9]*: check.repeat_days: " "with the file, line and key ($bad)"
	unchanged before "nothing remembered ($bad)"
done
cp config.yaml bad.yaml
printf 'check:\n  repeat_dayz: 3\n' >>bad.yaml
run privacyctl -c bad.yaml check --new
status 78 "a misspelt key in check: is refused"
printf 'check:\n  repeat_days: 3\n' >>config.yaml
n0=$(nmails)
sent=""
for d in $(days 2026-07-01 10); do sent="$sent$(cron_day "$d")"; done
is "$sent" "07-01 07-04 07-07 07-10 " "repeat_days: 3: mailed every 3 days, not 7"
is "$(($(nmails) - n0))" "8" "8 mails in 10 days: the two overdue requests (2 and 3), each every 3 days"
run privacyctl config show --origin
like "$(stdout)" '"key":"check.repeat_days","value":"3"' "config show lists the key"

unlike "$(cat notify.out)" '"status":"(failed|pending|deferred)"' "every mail was delivered"

done_testing
