#!/bin/bash
# Fixture-friendly and careful (issue 17 item 4): init makes no missing
# directories unless asked, location add --if-missing runs twice, check
# warns when no controller is configured.
. "$(dirname "$0")/lib.sh"

run privacyctl --db "$SCRATCH/no/such/dir/x.db" init
status 66 "init into a missing directory is exit 66"
like "$(stderr)" "no directory '$SCRATCH/no/such/dir' \\(init --parents creates it\\)" "and says how"
[ ! -e "$SCRATCH/no" ]; ok $? "no directory was made"
run privacyctl --db "$SCRATCH/no/such/dir/x.db" init --parents
status 0 "init --parents"
[ -f "$SCRATCH/no/such/dir/x.db" ]; ok $? "makes the directories and the database"
is "$(stat -c %a "$SCRATCH/no/such/dir")" 700 "private directories"
(unset PRIVACY_DB; cd "$SCRATCH" && privacyctl init >/dev/null)
[ -f "$HOME/.local/share/privacyctl/privacy.db" ]; ok $? "the default place is still made without --parents"

privacyctl init >/dev/null
run privacyctl location add mitte --name "Salon Mitte" --if-missing
status 0 "location add --if-missing of a new slug adds it"
snapshot before
run privacyctl location add mitte --name "Salon Mitte" --if-missing
status 0 "a second run is fine"
like "$(stdout)" '"location":"mitte"' "and shows the location"
unchanged before "and changes nothing (no audit entry either)"
run privacyctl location add mitte --name "Salon Mitte"
status 65 "without --if-missing an existing slug is still refused"
run privacyctl location add "Bad Slug" --name X --if-missing
status 64 "--if-missing does not excuse a bad slug"

run privacyctl check
like "$(stderr)" "warning: no controller in the configuration" "check warns when no controller is configured"
run privacyctl check -q
unlike "$(stderr)" "controller" "-q: no warning"
salon_config >config.yaml
PRIVACY_CONFIG=$SCRATCH/config.yaml run privacyctl check
unlike "$(stderr)" "controller" "with a controller: no warning"

# the refusal to switch marketing on counts both kinds; -v lists whole ids
privacyctl location add big --name Big >/dev/null
{
	echo 'external_id,email,marketing_email,marketing_opt_in_at'
	for i in $(seq 1 300); do echo "B-$i,b$i@example.org,yes,2016-01-01"; done
	for i in $(seq 301 320); do echo "B-$i,b$i@example.org,yes,2021-01-01"; done
} >big.csv
privacyctl customer import --location big big.csv >/dev/null
run privacyctl settings set big marketing=on
status 1 "marketing on refused"
like "$(stderr)" ": 320 customers of 'big' have .*: 300 from before 25 May 2018 need re-permission .*consent-send --kind repermission\), 20 a double opt-in \('privacyctl customer list --marketing unproven --location big', consent-send --kind double-opt-in\)$" \
	"it counts both kinds and names the list and campaign of each"
run privacyctl -v settings set big marketing=on
ids=$(stderr | sed -n 's/.*(customer ids: \(.*\) and \([0-9]*\) more)$/\1/p')
more=$(stderr | sed -n 's/.* and \([0-9]*\) more)$/\1/p')
[ -n "$ids" ] && [ -n "$more" ]; ok $? "-v: the ids that fit, and how many more"
want=$(sql "SELECT group_concat(id, ',') FROM (SELECT id FROM customers WHERE external_id LIKE 'B-%' ORDER BY id)" | cut -d, -f1-$(( $(echo "$ids" | tr ',' '\n' | wc -l) )))
is "$ids" "$want" "every id listed is whole (not cut in the middle of a number)"
is "$(( $(echo "$ids" | tr ',' '\n' | wc -l) + more ))" 320 "listed and more make all of them"

# a re-run of a finished erasure succeeds quietly and says so
privacyctl request new --type erasure --customer 1 --verified >/dev/null
rid=$(sql "SELECT max(id) FROM requests")
run dsar-erase --request "$rid"
status 0 "dsar-erase --request erases"
snapshot erased
run dsar-erase --request "$rid"
status 0 "the same again succeeds (it was 66)"
is "$(stdout)" "{\"request_id\":$rid,\"status\":\"already-erased\"}" "with a status saying so"
is "$(stderr)" "" "and nothing on stderr"
unchanged erased "a re-run changes nothing"
run dsar-erase --request 9999
status 66 "an unknown request is still 66"

done_testing
