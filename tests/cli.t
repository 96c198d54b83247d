#!/bin/bash
# The command line that helps (issue 17, items 3 and 7): one message per
# usage error, "did you mean", help CMD, -V, a short unknown-command hint,
# stdout checked at the one exit.
. "$(dirname "$0")/lib.sh"

privacyctl init >/dev/null
privacyctl location add hamburg --name Hamburg >/dev/null
snapshot before

run privacyctl settings set hamburg marketing=yes
status 64 "a setting's bad value is a usage error"
is "$(grep -c 'must be on or off' "$err")" 1 "the usage message is printed once"
like "$(stderr)" "see 'privacyctl settings set --help'" "and points at the command's help"
unchanged before "a refused setting changes nothing"

run privacyctl frobnicate
status 64 "an unknown command is a usage error"
is "$(wc -l <"$err")" 2 "an unknown command is a two-line hint, not the usage"
like "$(stderr)" "see 'privacyctl --help'" "the hint says where the commands are"

run privacyctl requst list
status 64 "a misspelt noun is a usage error"
like "$(stderr)" "did you mean 'request list'\\?" "a misspelt command gets a suggestion"
run privacyctl request lsit
like "$(stderr)" "did you mean 'request list'\\?" "a misspelt verb gets a suggestion"
run privacyctl custmer
like "$(stderr)" "did you mean 'customer'\\?" "a misspelt noun alone gets the noun"
run privacyctl audit lst
like "$(stderr)" "did you mean 'audit list'\\?" "a missing letter is a near match"
run privacyctl rqeuest list
like "$(stderr)" "did you mean 'request list'\\?" "swapped letters are a near match"

# An option before the command, with no command: the option is named, not
# the whole usage printed without a word of what was wrong.
run privacyctl --verison
status 64 "an unknown option without a command is a usage error"
like "$(stderr)" "unknown option '--verison'" "the option is named"
like "$(stderr)" "did you mean '--version'\\?" "with a suggestion among the global options"
is "$(wc -l <"$err")" 3 "three lines, not the usage"
run privacyctl --db
status 64 "a global option without its value is a usage error"
is "$(stderr)" "privacyctl: option '--db' needs a value
see 'privacyctl --help'" "it says which option needs a value"
run privacyctl -Z
status 64 "an unknown short option without a command is a usage error"
like "$(stderr)" "unknown option '-Z'" "the short option is named"
run privacyctl --db x.db
status 64 "known options and no command: the usage"
like "$(stderr)" "^usage: privacyctl" "the usage says what the commands are"

run privacyctl request list --stauts verified
status 64 "an unknown option is a usage error"
like "$(stderr)" "unknown option '--stauts'" "the option is named"
like "$(stderr)" "did you mean '--status'\\?" "a misspelt option gets a suggestion"
is "$(grep -c "unknown option" "$err")" 1 "the option error is said once"
run privacyctl location list --zzzzzzzzzz
unlike "$(stderr)" "did you mean" "nothing similar: no suggestion"

# every tool: one message for an unknown option, with the near one
for t in "dsar-erase --dry-rn:--dry-run" "dsar-export --custmer:--customer" \
	"notify --pendign:--pending" "consent-send --campagn:--campaign" \
	"privacyctl customer list --limt:--limit" \
	"privacyctl --verbos request list:--verbose"; do
	cmd=${t%%:*} want=${t##*:}
	run $cmd </dev/null
	status 64 "$cmd: a usage error"
	is "$(stderr)" "${cmd%% *}: unknown option '$(echo "$cmd" | grep -o -- '--[a-z-]*' | head -1)'
did you mean '$want'?
see '$(echo "$cmd" | sed 's/ --[a-z-]*//') --help'" "$cmd: said once, with '$want' and where the help is"
	is "$(stdout)" "" "$cmd: nothing on stdout"
done
run privacyctl request new --type acces --customer 1
status 64 "a bad --type is a usage error, before the customer is looked up (was 66)"
is "$(stderr)" "privacyctl: --type: must be one of access, portability, erasure, rectification, restriction, objection
see 'privacyctl request new --help'" "one message and the pointer to the help"
run privacyctl request new --type access --channel fax --customer 1
status 64 "so is a bad --channel"
like "$(stderr)" "^privacyctl: --channel: must be one of " "which says so"
unchanged before "no usage error changes anything"

run privacyctl help request list
status 0 "help CMD exits 0"
like "$(stdout)" '^usage: privacyctl request list' "help CMD prints the command's usage"
like "$(stdout)" '--status' "help CMD lists the command's options"
is "$(stderr)" "" "help CMD writes nothing on stderr"
run privacyctl help request
status 0 "help NOUN exits 0"
like "$(stdout)" 'request verify' "help NOUN lists the noun's commands"
run privacyctl help
status 0 "help alone exits 0"
like "$(stdout)" 'location add' "help alone lists every command"
run privacyctl help requst
status 64 "help of an unknown command is a usage error"
like "$(stderr)" "did you mean 'request'\\?" "help of a misspelt command suggests"

for p in privacyctl dsar-erase dsar-export consent-send notify; do
	run $p -V
	status 0 "$p -V exits 0"
	like "$(stdout)" "^$p [0-9]+\\.[0-9]+\\.[0-9]+\$" "$p -V prints the version"
done

# one exit path: standard output is checked there for every command
run privacyctl location list
status 0 "location list runs"
privacyctl location list >/dev/full 2>"$SCRATCH/full.err"
is "$?" 74 "a full disk on stdout is exit 74"
like "$(cat "$SCRATCH/full.err")" 'write error' "and says so"
privacyctl help request list >/dev/full 2>"$SCRATCH/full.err"
is "$?" 74 "help on a full disk is exit 74 too"

done_testing
