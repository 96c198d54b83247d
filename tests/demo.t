#!/bin/bash
# make demo's narrated run works start to end (every step in tools/demo.d).
. "$(dirname "$0")/lib.sh"

run sh "$TOP/tools/demo.sh"
status 0 "the demo runs to the end"
like "$(stdout)" "== Done\." "the demo reaches its last line"
grep -q '"marketing":"on"' "$out"; ok $? "the demo ends with marketing switched on"
like "$(stdout)" 'auskunft\.json, application/json' "J1: the demo shows the customer's mail with the export attached"
like "$(stdout)" 'Ihre Daten bei Studio Süd wurden gelöscht' "J2: and the erasure confirmation"

done_testing
