#!/bin/bash
# The README's step-by-step section works as written.
. "$(dirname "$0")/lib.sh"

awk '/^## Two locations/ { on = 1; next } /^## / { on = 0 } on && /^    / { sub(/^    /, ""); print }' \
	"$TOP/README.md" >"$SCRATCH/steps.sh"
[ -s "$SCRATCH/steps.sh" ]; ok $? "the README has the step-by-step commands"
run bash -e "$SCRATCH/steps.sh"
status 0 "the README's commands run without error"
grep -q '"location": "mitte"' "$out"; ok $? "settings come back as JSON"
grep -q $'^nord,manual,off,info@studio-nord.example,,en\r$' "$out"; ok $? "settings come back as CSV"
grep -q $'^LOCATION  REQUESTS      MARKETING  NOTIFY_EMAIL' "$out"; ok $? "settings come back as a table"
grep -qx 'nord' "$out"; ok $? "jq reads the records: the manual location"
grep -q '"intact":true' "$out"; ok $? "the audit chain verifies"

done_testing
