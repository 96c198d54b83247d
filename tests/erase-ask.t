#!/bin/bash
# dsar-erase at a terminal (issue 17 item 3): a stream of more than 5
# subjects piped in while stderr is a terminal is read whole, then
# "erase N subjects? [y/N]" is asked on /dev/tty; only "y" erases; --yes
# skips the question; -n, a handful, and pipes without a terminal (cron,
# scripts) never ask.  Progress goes to the terminal only (item 3: its
# line is drawn first after 0.2 s, at most five times a second, so only
# its clearing at the end is certain in a short test).
. "$(dirname "$0")/lib.sh"
export PRIVACY_NOW=2026-06-01T10:00:00Z
PTY="/usr/bin/python3 $TOP/tests/pty.py"

privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
{
	echo 'external_id,first_name,last_name,email'
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do
		echo "K-$i,First$i,Last$i,c$i@example.org"
	done
} >c.csv
privacyctl customer import --location mitte c.csv >/dev/null
subjects() { for i in $(seq "$1" "$2"); do echo "{\"customer_id\":$i}"; done; }
left() { sql "SELECT count(*) FROM customers"; }

# ---- no answer, "n": nothing erased, exit 1
snapshot before
subjects 1 6 >six.ndjson
run $PTY --ctty $'\n' dsar-erase <six.ndjson
status 1 "no answer at the terminal is exit 1"
like "$(stderr)" "dsar-erase: erase 6 subjects\? \[y/N\]" "the question names the count"
like "$(stderr)" "not confirmed: nothing erased" "the refusal says nothing was erased"
is "$(stdout)" "" "no report records"
unchanged before "no answer erases nothing"
run $PTY --ctty $'n\n' dsar-erase <six.ndjson
status 1 "'n' is exit 1"
unchanged before "'n' erases nothing"
run $PTY --ctty $'yess\n' dsar-erase <six.ndjson
status 1 "an answer other than y is no"
unchanged before "an unclear answer erases nothing"

# ---- -n never asks
run $PTY --ctty $'\n' dsar-erase -n <six.ndjson
status 0 "a dry run at a terminal does not ask"
unlike "$(stderr)" "\[y/N\]" "no question for -n"
is "$(stdout | grep -c '"status":"planned"')" 6 "six planned"
unchanged before "dry run changed nothing"

# ---- a pipe without a terminal (cron, scripts): unchanged, no question
subjects 1 7 >seven.ndjson
run dsar-erase <seven.ndjson
status 0 "seven subjects without a terminal: erased, no question (cron)"
is "$(stderr)" "" "nothing on stderr under cron"
is "$(stdout | grep -c '"status":"erased"')" 7 "seven erased without asking"
is "$(left)" 23 "seven customers gone"

# ---- "y" erases all of them
subjects 8 13 >six.ndjson
run $PTY --ctty $'y\n' dsar-erase <six.ndjson
status 0 "'y' erases"
like "$(stderr)" "erase 6 subjects\? \[y/N\]" "asked before erasing"
is "$(stdout | grep -c '"status":"erased"')" 6 "six erased reports"
is "$(left)" 17 "six customers gone"
grep -q $'\r\033\[K' "$err"; ok $? "the progress line on the terminal is cleared at the end"

# ---- a handful (5) does not ask
subjects 14 18 >five.ndjson
run $PTY --ctty $'\n' dsar-erase <five.ndjson
status 0 "five subjects are erased without a question"
unlike "$(stderr)" "\[y/N\]" "no question for five"
is "$(left)" 12 "five more gone"

# ---- --yes and -y skip the question
subjects 19 24 >six.ndjson
run $PTY --ctty $'\n' dsar-erase --yes six.ndjson
status 0 "--yes erases without asking (records from a file)"
unlike "$(stderr)" "\[y/N\]" "no question with --yes"
is "$(left)" 6 "six more gone with --yes"
subjects 25 30 >six.ndjson
run $PTY --ctty $'\n' dsar-erase -y <six.ndjson
status 0 "-y erases without asking"
unlike "$(stderr)" "\[y/N\]" "no question with -y"
is "$(left)" 0 "the last six gone with -y"

done_testing
