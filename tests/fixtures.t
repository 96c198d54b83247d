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

done_testing
