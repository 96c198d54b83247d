#!/bin/bash
# Completions (issue 17 item 6): generated from the option tables, they
# know the nouns and verbs, each verb's own options, the values of
# enumerated options and the location slugs of the database.  bash is run;
# zsh and fish (not installed here) are checked for the same structure.
. "$(dirname "$0")/lib.sh"

privacyctl init >/dev/null
privacyctl location add mitte --name Mitte >/dev/null
privacyctl location add nord --name Nord >/dev/null
touch export.csv

# complete WORDS...: what bash offers for the last (possibly empty) word
complete_bash() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_privacyctl; printf "%s\n" "${COMPREPLY[@]}" | grep . | sort | tr "\n" " "' \
		- "$TOP/completions/privacyctl.bash" privacyctl "$@"
}
is "$(complete_bash request '')" "ack cancel complete extend list new process reject resend-code show verify " \
	"after a noun: its verbs, not the nouns again"
got=$(complete_bash request list --)
like "$got" '--open ' "request list --: its own options"
like "$got" '--format ' "and the common ones"
unlike "$got" '--verified-by|--reason|--channel' "not the options of request's other verbs"
is "$(complete_bash request list --status '')" "cancelled completed in-progress received rejected unverified verified " \
	"--status: the statuses"
is "$(complete_bash request new --type e)" "erasure " "--type: the request types"
is "$(complete_bash customer list --marketing n)" "needs-repermission none " "--marketing: the states"
is "$(complete_bash customer list --location '')" "mitte nord " "--location: the slugs in the database"
is "$(complete_bash -f '')" "csv json ndjson table " "-f: the formats"
is "$(complete_bash settings set '')" "mitte nord " "settings set: a slug first"
is "$(complete_bash settings set mitte '')" "" "then no file names"
like "$(complete_bash customer import '')" "^export.csv home " "import: file names"
is "$(complete_bash settings show '')" "mitte nord " "settings show: a slug"
PRIVACY_DB=$SCRATCH/none.db
is "$(PRIVACY_DB=$SCRATCH/none.db complete_bash customer list --location '')" "" "no database: no slugs, no error"

z="$TOP/completions/_privacyctl"
grep -q 'noun=\$w' "$z"; ok $? "zsh: a noun alone is remembered, its verbs come next"
grep -qF '("request list""|--status") compadd -- unverified received' "$z"; ok $? "zsh: --status values"
grep -q '_privacyctl_slugs' "$z"; ok $? "zsh: location slugs"
f="$TOP/completions/privacyctl.fish"
grep -q -- '-l open -n "__fish_seen_subcommand_from request; and __fish_seen_subcommand_from list"' "$f"
ok $? "fish: an option belongs to its noun and verb"
grep -q -- '-l status -x -a "unverified received' "$f"; ok $? "fish: --status values"
grep -q -- '-l location -x -a "(__privacyctl_slugs)"' "$f"; ok $? "fish: location slugs"
grep -q 'not __fish_seen_subcommand_from list' "$f"; ok $? "fish: no verbs after a verb"
for sh in "$TOP"/completions/*.bash; do bash -n "$sh"; ok $? "$(basename "$sh") parses"; done

done_testing
