#!/bin/bash
# Secret files readable or writable by group or others are refused with
# exit status 77, naming the file and not its content, changing nothing:
# every kind, end to end through the binaries that read it (the unit test
# tests/unit/t-secret covers the loaders' modes one by one).
#   SMTP password (smtp.password_file)  notify, consent-send
#   webhook secret (webhook.secret_file) notify (a location with a webhook)
#   tombstone key (<db>.key)            dsar-erase, dsar-export,
#                                       privacyctl customer import, consent-send
#   campaign key (<db>.campaign-key)    consent-send
# With 0600 the same command gets past the file (the control).
. "$(dirname "$0")/lib.sh"

export PRIVACY_NOW=2026-03-02T09:00:00Z
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
dead_port # nothing listens there: a send fails with 75, not 77
DEAD=$DEAD_PORT
privacyctl settings set mitte notify-email=team@salon.example \
	notify-webhook="http://127.0.0.1:$DEAD/hook" >/dev/null
for i in 1 2; do
	sql "INSERT INTO customers (id, location_id, external_id, first_name,
		last_name, email, created_at, updated_at) VALUES ($i, 1, 'k$i',
		'Vor$i', 'Nach$i', 'kunde$i@example.org', '2016-01-01', '2016-01-01');
	INSERT INTO consents (customer_id, purpose, event, at, source, recorded_at)
		VALUES ($i, 'marketing-email', 'granted', '2016-05-0$i', 'import', '2016-01-01')"
done
sql "INSERT INTO events (type, at, location_id, request_id, audience, payload)
	VALUES ('request.received', '2026-03-02T08:00:00Z', 1, 7, 'business', '{}')"
printf 'pw-S3CRETVALUE\n' >smtp-pw
printf 'hook-S3CRETVALUE-0123456789\n' >hook-secret
chmod 600 smtp-pw hook-secret
cat >config.yaml <<EOF
smtp:
  url: smtp://127.0.0.1:$DEAD
  user: mailer
  password_file: $SCRATCH/smtp-pw
  timeout: 2
webhook:
  secret_file: $SCRATCH/hook-secret
EOF
salon_config >>config.yaml
export PRIVACY_CONFIG=$SCRATCH/config.yaml
printf 'external_id,first_name,last_name,email\nk9,Neu,Kunde,neu@example.org\n' >import.csv

# The keys beside the database, as the suite makes them.
head -c 32 /dev/urandom >"$PRIVACY_DB.key"
head -c 32 /dev/urandom >"$PRIVACY_DB.campaign-key"
chmod 600 "$PRIVACY_DB.key" "$PRIVACY_DB.campaign-key"

# refused FILE WHAT CMD...: for each insecure mode, CMD is 77 naming FILE,
# without its content, and the database is unchanged; FILE is 0600 after.
refused() {
	local file=$1 what=$2 mode
	shift 2
	# (notify: the event waits again, as before any attempt)
	sql "UPDATE events SET status = 'pending', attempts = 0, next_attempt_at = NULL,
		last_reply = NULL, delivered_at = NULL; DELETE FROM deliveries"
	snapshot before
	for mode in 640 604 620 602; do
		chmod "$mode" "$file"
		run "$@"
		status 77 "$what $mode: $1 refuses it: 77"
		if [ "$mode" = 640 ]; then
			like "$(stderr)" "accessible by group or others.*'$file'" "$what: the message names the file"
			unlike "$(stderr)" "S3CRET" "$what: and not its content"
		fi
	done
	chmod 600 "$file"
	if [ "$what" = "webhook secret" ]; then
		# notify reads it when the first webhook is due, after the
		# event's e-mail went: the webhook channel is what must not move
		is "$(sql "SELECT count(*) FROM deliveries WHERE channel = 'webhook'") $(sql "SELECT status FROM events WHERE id = 1")" \
			"0 pending" "$what: no webhook delivery recorded, the event still pending"
	else
		unchanged before "$what: $1 changed nothing"
	fi
}

refused "$SCRATCH/smtp-pw" "SMTP password" notify --pending
refused "$SCRATCH/smtp-pw" "SMTP password" consent-send --campaign r1 --kind repermission
sed -i '/^smtp:/,/^  timeout/d' config.yaml
refused "$SCRATCH/hook-secret" "webhook secret" notify --pending --transport dir:"$SCRATCH/out"
# a first erasure, so that there is a tombstone an import must check
run dsar-erase --customer 2
status 0 "0600: dsar-erase works"
refused "$PRIVACY_DB.key" "tombstone key" dsar-erase --customer 1
refused "$PRIVACY_DB.key" "tombstone key" dsar-export --customer 1
refused "$PRIVACY_DB.key" "tombstone key" privacyctl customer import --location mitte import.csv
refused "$PRIVACY_DB.key" "tombstone key" consent-send --campaign r1 --kind repermission --transport dir:"$SCRATCH/mail"
refused "$PRIVACY_DB.campaign-key" "campaign key" consent-send --campaign r1 --kind repermission --transport dir:"$SCRATCH/mail"

# ---- the controls: 0600 files are read --------------------------------
run dsar-export --customer 1
status 0 "0600: dsar-export works"
run privacyctl customer import --location mitte import.csv
status 0 "0600: import works"
run consent-send --campaign r1 --kind repermission --transport dir:"$SCRATCH/mail"
status 0 "0600: consent-send works"
run notify --pending --transport dir:"$SCRATCH/out"
like "$rc" "^(0|75)$" "0600: notify gets past the webhook secret (delivered, or webhook deferred: $rc)"
ls "$SCRATCH/out/new" 2>/dev/null | grep -q .; ok $? "and the e-mail went out"
run dsar-erase --customer 1
status 0 "0600: dsar-erase works again"
cat >>config.yaml <<EOF
smtp:
  url: smtp://127.0.0.1:$DEAD
  user: mailer
  password_file: $SCRATCH/smtp-pw
  timeout: 2
EOF
sql "INSERT INTO events (type, at, location_id, request_id, audience, payload)
	VALUES ('request.received', '2026-03-02T08:00:00Z', 1, 8, 'business', '{}')"
run notify --pending --to ops@salon.example
status 75 "0600: the SMTP password is read; the dead server is a temporary failure"

done_testing
