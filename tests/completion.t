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
# after the slug: the settings as KEY=VALUE (was: nothing)
is "$(complete_bash settings set mitte '')" "language=de language=en marketing=off marketing=on notify-email= notify-webhook= requests=manual requests=self-service " \
	"settings set SLUG: the keys with their values, no file names"
is "$(complete_bash settings set mitte m)" "marketing=off marketing=on " "a key's beginning: its pairs"
is "$(complete_bash settings set mitte notify-e)" "notify-email= " "a free value: the key and '='"
is "$(complete_bash settings set mitte requests=manual l)" "language=de language=en " "after a pair, the next"
# bash splits "requests=" at "=" (COMP_WORDBREAKS): the words it sees
is "$(complete_bash settings set mitte requests =)" "manual self-service " "KEY=<tab>: the key's values"
is "$(complete_bash settings set mitte requests = s)" "self-service " "KEY=s<tab>: the values that start so"
is "$(complete_bash settings set mitte notify-email =)" "" "a free value: nothing offered"
is "$(complete_bash settings set mitte language=e)" "language=en " "without the split too"
is "$(complete_bash settings set '')" "mitte nord " "the slug still comes first"
# every word offered is a setting that settings set accepts
for w in $(complete_bash settings set mitte ''); do
	case $w in
	notify-email=) w=${w}team@mitte.example ;;
	notify-webhook=) w=${w}https://hooks.example/privacy ;;
	esac
	privacyctl settings set -n mitte "$w" >/dev/null 2>&1
	ok $? "settings set accepts the completed '$w'"
done
like "$(complete_bash customer import '')" "^export.csv home " "import: file names"
is "$(complete_bash settings show '')" "mitte nord " "settings show: a slug"
PRIVACY_DB=$SCRATCH/none.db
is "$(PRIVACY_DB=$SCRATCH/none.db complete_bash customer list --location '')" "" "no database: no slugs, no error"

z="$TOP/completions/_privacyctl"
grep -q 'noun=\$w' "$z"; ok $? "zsh: a noun alone is remembered, its verbs come next"
grep -qF '("request list""|--status") compadd -- unverified received' "$z"; ok $? "zsh: --status values"
grep -q '_privacyctl_slugs' "$z"; ok $? "zsh: location slugs"
grep -qF 'compadd -- requests=self-service requests=manual marketing=on' "$z"; ok $? "zsh: settings set: the pairs"
grep -qF 'compadd -S "" -- notify-email= notify-webhook=' "$z"; ok $? "zsh: a free value's key without a space after '='"
f="$TOP/completions/privacyctl.fish"
grep -q -- '-l open -n "__fish_seen_subcommand_from request; and __fish_seen_subcommand_from list"' "$f"
ok $? "fish: an option belongs to its noun and verb"
grep -q -- '-l status -x -a "unverified received' "$f"; ok $? "fish: --status values"
grep -q -- '-l location -x -a "(__privacyctl_slugs)"' "$f"; ok $? "fish: location slugs"
grep -q 'not __fish_seen_subcommand_from list' "$f"; ok $? "fish: no verbs after a verb"
grep -qF -- '-a "requests=self-service requests=manual marketing=on marketing=off notify-email= notify-webhook= language=de language=en" -n "__fish_seen_subcommand_from settings; and __fish_seen_subcommand_from set; and test (count (commandline -opc)) -ge 4"' "$f"
ok $? "fish: settings set: the pairs after the slug"
grep -qF -- '-a "(__privacyctl_slugs)" -n "__fish_seen_subcommand_from settings; and __fish_seen_subcommand_from set; and test (count (commandline -opc)) -eq 3"' "$f"
ok $? "fish: settings set: the slug first"
for sh in "$TOP"/completions/*.bash; do bash -n "$sh"; ok $? "$(basename "$sh") parses"; done

done_testing
