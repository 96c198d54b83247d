#!/bin/bash
# make demo's narrated run works start to end (every step in tools/demo.d).
. "$(dirname "$0")/lib.sh"

run sh "$TOP/tools/demo.sh"
status 0 "the demo runs to the end"
like "$(stdout)" "== Done\." "the demo reaches its last line"
grep -q '"marketing":"on"' "$out"; ok $? "the demo ends with marketing switched on"

done_testing
