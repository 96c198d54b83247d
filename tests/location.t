#!/bin/bash
# privacyctl location add|list|show|remove
. "$(dirname "$0")/lib.sh"

privacyctl init >/dev/null

run privacyctl location add mitte --name "Salon Mitte" --timezone Europe/Berlin --holidays DE-BE
status 0 "location add"
is "$(stdout)" '{"location":"mitte","name":"Salon Mitte","timezone":"Europe/Berlin","holidays":"DE-BE","requests":"manual","marketing":"off","notify_email":null,"notify_webhook":null,"language":"de"}' "location add prints the new location with default settings"

run privacyctl location add nord --name "Studio Nord – Köln"
status 0 "location add with defaults and non-ASCII name"
is "$(sql "SELECT timezone, holidays FROM locations WHERE slug = 'nord'")" "Europe/Berlin|DE" "defaults: Europe/Berlin, DE"

snapshot before
run privacyctl location add mitte --name Again
status 65 "a duplicate slug is refused"
like "$(stderr)" "location exists already: 'mitte'" "the duplicate is named"
unchanged before "a duplicate leaves the database as it was"

run privacyctl location add "Bad Slug" --name X
status 64 "an invalid slug is a usage error"
run privacyctl location add ok-slug
status 64 "--name is required"
run privacyctl location add zone --name Z --timezone Mars/Olympus
status 64 "an unknown time zone is refused"
like "$(stderr)" "unknown time zone 'Mars/Olympus'" "the time zone is named"
run privacyctl location add zone --name Z --timezone ../../etc/passwd
status 64 "a path is not a time zone"
run privacyctl location add reg --name R --holidays DE-XX
status 64 "an unknown holiday region is refused"
like "$(stderr)" "unknown holiday region 'DE-XX'" "the region is named"
unchanged before "refused adds leave the database as it was"

run privacyctl location list
status 0 "location list"
is "$(wc -l <"$out")" "2" "two locations listed"
is "$(head -1 "$out" | jget location)" "mitte" "sorted by slug"

run privacyctl location list -f csv
status 0 "location list as CSV"
is "$(head -1 "$out")" $'location,name,timezone,holidays,requests,marketing,notify_email,notify_webhook,language\r' "CSV header"
is "$(sed -n 2p "$out")" $'mitte,Salon Mitte,Europe/Berlin,DE-BE,manual,off,,,de\r' "CSV row"

run privacyctl location list -f json
status 0 "location list as JSON"
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d)==2 and d[1]["name"]=="Studio Nord – Köln"' "$out"
ok $? "JSON list parses and keeps the umlaut"

run privacyctl location show nord -f json
status 0 "location show"
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["location"]=="nord"' "$out"
ok $? "location show -f json is one document"

run privacyctl location show nowhere
status 66 "show of an unknown location is exit 66"
like "$(stderr)" "no such location: 'nowhere'" "the unknown location is named"

# remove is refused while data belongs to the location
sql "INSERT INTO customers (location_id, external_id, created_at, updated_at) SELECT id, 'c1', 'x', 'x' FROM locations WHERE slug = 'nord'"
snapshot before
run privacyctl location remove nord
status 1 "remove is refused while customers exist"
like "$(stderr)" "location still has 1 customers: 'nord'" "the refusal says why"
unchanged before "a refused remove changes nothing"
sql "DELETE FROM customers"

run privacyctl location remove nord
status 0 "remove an empty location"
is "$(sql "SELECT count(*) FROM locations WHERE slug = 'nord'")" "0" "the location is gone"
is "$(sql "SELECT count(*) FROM settings")" "1" "its settings are gone"
is "$(sql "SELECT action || ' ' || object FROM audit ORDER BY id" | tr '\n' ';')" "location.add location:mitte;location.add location:nord;location.remove location:nord;" "adds and removes are audited"
run privacyctl location remove nord
status 66 "removing twice is exit 66"

done_testing
