#!/bin/bash
# privacyctl settings show|set
. "$(dirname "$0")/lib.sh"

privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl location add nord --name "Studio Nord" >/dev/null

run privacyctl settings set mitte requests=self-service notify-email=team@salon-mitte.example language=en
status 0 "settings set with several pairs"
is "$(stdout)" '{"location":"mitte","requests":"self-service","marketing":"off","notify_email":"team@salon-mitte.example","notify_webhook":null,"language":"en"}' "set prints the new settings"

run privacyctl settings show
status 0 "settings show (all)"
is "$(wc -l <"$out")" "2" "one record per location"
run privacyctl settings show nord -f csv
is "$(cat "$out")" $'location,requests,marketing,notify_email,notify_webhook,language\r\nnord,manual,off,,,de\r' "settings show as CSV"
run privacyctl settings show mitte -f json
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[0]["requests"]=="self-service", d' "$out"
ok $? "settings show as JSON"

# audit of each change with old and new value
is "$(sql "SELECT detail FROM audit WHERE action = 'settings.set' ORDER BY id" | tr '\n' ';')" \
	'{"key":"requests","old":"manual","new":"self-service"};{"key":"notify_email","old":null,"new":"team@salon-mitte.example"};{"key":"language","old":"de","new":"en"};' \
	"every change is audited with old and new value"

# an unchanged value is not a change
n=$(sql "SELECT count(*) FROM audit")
run privacyctl settings set mitte language=en
status 0 "setting the same value"
is "$(sql "SELECT count(*) FROM audit")" "$n" "an unchanged value is not audited"

snapshot before
run privacyctl settings set mitte colour=blue
status 64 "an unknown key is exit 64"
like "$(stderr)" "unknown setting 'colour' \(requests, marketing, notify-email, notify-webhook, language\)" "the valid keys are listed"
run privacyctl settings set mitte requests=sometimes
status 64 "a value outside the choices is exit 64"
like "$(stderr)" "requests: must be self-service or manual" "the choices are named"
run privacyctl settings set mitte language=fr
status 64 "an unknown language is exit 64"
run privacyctl settings set mitte notify-email=not-an-address
status 65 "a bad address is exit 65"
like "$(stderr)" "notify-email: not a valid e-mail address" "the bad address is reported"
unlike "$(stderr)" "not-an-address" "the bad value itself is not echoed"
run privacyctl settings set mitte "notify-email=a@b.example
Bcc: x@evil.example"
status 65 "an address with a newline is refused"
run privacyctl settings set mitte notify-webhook=http://example.org/hook
status 65 "a plain-http webhook off loopback is refused"
run privacyctl settings set mitte requests=manual notify-email=bad
status 65 "one bad pair refuses the whole call"
run privacyctl settings set mitte requests
status 64 "a pair without = is a usage error"
run privacyctl settings set mitte requests=manual requests=self-service
status 64 "a key given twice is a usage error"
run privacyctl settings set nowhere requests=manual
status 66 "an unknown location is exit 66"
run privacyctl settings set mitte
status 64 "no pairs is a usage error"
unchanged before "refused changes leave the database as it was"

run privacyctl settings set mitte -n requests=manual
status 0 "dry run"
is "$(jget requests <"$out")" "self-service" "dry run shows the unchanged settings"
unchanged before "dry run changes nothing"

run privacyctl settings set mitte notify-webhook=https://hooks.example.org/privacy notify-email=
status 0 "set a webhook and clear the address"
is "$(sql "SELECT coalesce(notify_email, 'NULL') || ' ' || notify_webhook FROM settings s JOIN locations l ON l.id = s.location_id WHERE slug = 'mitte'")" "NULL https://hooks.example.org/privacy" "empty value clears the setting"
run privacyctl settings set mitte notify-webhook=http://127.0.0.1:8080/hook
status 0 "plain http to loopback is allowed"

run privacyctl settings set mitte marketing=on
status 0 "marketing on without any opt-ins"
run privacyctl settings set mitte marketing=off
status 0 "marketing off"

run privacyctl audit verify
status 0 "the audit chain is intact after all that"

done_testing
