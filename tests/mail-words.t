#!/bin/bash
# The mails notify sends for check's findings and for consent events read
# as words, in German and English: no enum values ("outbox.failed"), no
# JSON, no internal ids, no tool names or commands; the findings come from
# privacyctl check itself, the mails through the real SMTP server, parsed
# as MIME by /usr/bin/python3's email package (tests/journeys/mail.py).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/journeys/journey.sh"

export PRIVACY_NOW=2026-03-02T09:00:00Z
salon_setup self-service de
privacyctl location add nord --name "Studio Nord" >/dev/null
privacyctl settings set nord requests=self-service language=en >/dev/null
printf '%s\n' '{"external_id":"N-1","first_name":"Rita","email":"reject@kunde.example"}' |
	privacyctl customer import --location nord >/dev/null
privacyctl settings set mitte marketing=on >/dev/null 2>&1 || true

# a request whose mails are never sent, one whose address the server
# refuses (failed for good), a database readable by others
privacyctl request new --type access --email reject@kunde.example \
	--location nord --channel booking-form >/dev/null
run notify --pending
is "$(sql "SELECT count(*) FROM events WHERE status = 'failed'")" "1" "a mail the server refused: failed for good"
privacyctl request new --type access --email juergen@kunde.example \
	--location mitte --channel booking-form >/dev/null
chmod 644 "$PRIVACY_DB"

export PRIVACY_NOW=2026-03-04T09:00:00Z
run env PRIVACY_DB_SHARED=1 privacyctl check
findings=$(stdout)
for f in outbox.undelivered outbox.failed settings.notify-email-missing \
	security.insecure-permissions; do
	like "$findings" "\"event\":\"$f\"" "check finds $f"
done
chmod 600 "$PRIVACY_DB"

n0=$(nmails)
run notify --to admin@salon.example <<<"$findings"
status 0 "check | notify --to: delivered"
is "$(nmails)" "$((n0 + $(printf '%s\n' "$findings" | grep -c .)))" "one mail per finding"

# no machine words in any of them
reads_as_words() { # FILE LANG WHAT
	[ -s "$1" ]; ok $? "$3: the mail is there"
	mail_reads_well "$1" "$2" "$3" business
	unlike "$(mailf "$1" field Subject; mailf "$1" field body)" \
		'\b(outbox|retention|security|erasure|audit|settings|marketing|consent|request)\.[a-z-]+|chmod|--[a-z]|"[a-z_]+":|\b[a-z]+_[a-z_]+\b' \
		"$3: no enum values, JSON, field names or commands"
}
for m in $(mails | tail -n +$((n0 + 1))); do
	show_mail "$m"
done

# German (mitte) and English (nord), each finding by its subject
m=$(mail_by Subject 'Benachrichtigungen noch nicht zugestellt')
is "$(mailf "$m" field Subject)" "Datenschutz-Prüfung: Benachrichtigungen noch nicht zugestellt (Salon Mitte)" "outbox.undelivered: a German subject in words"
like "$(mailf "$m" field body)" 'Benachrichtigungen: [0-9]+' "the count, labelled"
like "$(mailf "$m" field body)" 'Älteste seit: 2\. März 2026' "the date as people write it"
like "$(mailf "$m" field body)" $'Was zu tun ist:\nDer Versand wird bei jedem Lauf erneut versucht' "what to do, in words"
reads_as_words "$m" de "outbox.undelivered (de)"

m=$(mail_by Subject 'Notifications failed for good')
is "$(mailf "$m" field Subject)" "Compliance check: Notifications failed for good (Studio Nord)" "outbox.failed: an English subject in words"
like "$(mailf "$m" field body)" $'Notifications: 1\nOldest since: 2 March 2026' "count and date in English"
like "$(mailf "$m" field body)" 'have the failed notifications sent again' "what to do, in words"
reads_as_words "$m" en "outbox.failed (en)"

m=$(mail_by Subject 'No notification address set')
is "$(mailf "$m" field Subject)" "Compliance check: No notification address set (Studio Nord)" "settings.notify-email-missing in words"
like "$(mailf "$m" field body)" "Enter an address for notifications in the location's settings" "what to do, in words, not the command"
reads_as_words "$m" en "settings.notify-email-missing (en)"

m=$(mail_by Subject 'Unsichere Dateirechte')
like "$(mailf "$m" field body)" $'Datei: .*\nWas: Datenbank\nDateirechte: 0644' "insecure permissions: the file, what it is, its mode"
reads_as_words "$m" de "security.insecure-permissions (de)"

# --- consent events, in both languages, as notify's input documents them
run notify <<<'{"event":"consent.withdrawn","location":"mitte","customer_id":1,"purpose":"marketing-email"}'
status 0 "consent.withdrawn (de): delivered"
m=$(mail_to team@salon-mitte.example)
show_mail "$m"
is "$(mailf "$m" field Subject)" "Einwilligung widerrufen (Salon Mitte)" "consent.withdrawn: a German subject in words"
like "$(mailf "$m" field body)" $'Bei Salon Mitte: Einwilligung widerrufen\\.\n\nZweck: Werbung per E-Mail' "the purpose in words"
reads_as_words "$m" de "consent.withdrawn (de)"
run notify --to admin@salon.example <<<'{"event":"consent.granted","location":"nord","customer_id":2,"purpose":"marketing-sms"}'
status 0 "consent.granted (en): delivered"
m=$(mail_to admin@salon.example)
show_mail "$m"
is "$(mailf "$m" field Subject)" "Consent granted (Studio Nord)" "consent.granted: an English subject in words"
like "$(mailf "$m" field body)" 'Purpose: marketing by text message' "the purpose in words"
reads_as_words "$m" en "consent.granted (en)"
# a type without words says what kind of message it is, not its name
run notify --to admin@salon.example <<<'{"event":"consent.renamed","location":"mitte","customer_id":1}'
status 0 "an unknown consent event: delivered"
is "$(mailf "$(mail_to admin@salon.example)" field Subject)" "Änderung einer Einwilligung (Salon Mitte)" "an unknown consent event: the kind, in words"

done_testing
