#!/bin/bash
# --help, the man pages and the completions say the same; man pages lint
# clean; the committed completions are what completions/gen makes now.
. "$(dirname "$0")/lib.sh"

for bin in "$TOP"/bin/*; do
	name=$(basename "$bin")
	man="$TOP/man/$name.1"
	[ -f "$man" ] || man="$TOP/man/$name.8" # privacy-web, a CGI program
	[ -f "$man" ]; ok $? "$name has a man page"
	# fields split on a non-blank separator: a one-command binary has an
	# empty command field, which tab splitting would swallow
	"$bin" --dump-options | tr '\t' '\037' >"$SCRATCH/$name.dump"
	missing_man="" missing_help="" missing_bash="" missing_zsh=""
	while IFS=$'\037' read -r kind cmd opt key arg; do
		case $kind in
		command)
			# a command is documented as ".It Cm noun verb"
			if [ -n "$cmd" ] && ! grep -q "^\.It Cm $cmd\( \|$\)" "$man"; then
				missing_man="$missing_man [$cmd]"
			fi
			if [ -n "$cmd" ] && ! grep -q "|$cmd|\||$cmd\"\|\"$cmd|" "$TOP/completions/$name.bash"; then
				missing_bash="$missing_bash [$cmd]"
			fi
			continue ;;
		option)
			flag=${opt#--}
			help=$("$bin" $cmd --help)
			printf '%s' "$help" | grep -q -- "$opt\b" || missing_help="$missing_help $cmd:$opt"
			grep -q "^\.Fl $flag\b\|Fl $flag\b" "$man" || missing_man="$missing_man $opt"
			;;
		words) # the KEY=VALUE operands of settings set: tests/completion.t
			continue ;;
		common)
			opt=$cmd; flag=${opt#--}
			grep -q "Fl $flag\b" "$man" "$TOP/man/privacy.7" || missing_man="$missing_man $opt"
			;;
		esac
		grep -q -- "$opt\b" "$TOP/completions/$name.bash" || missing_bash="$missing_bash $opt"
		grep -q -- "$opt\b" "$TOP/completions/_$name" || missing_zsh="$missing_zsh $opt"
	done <"$SCRATCH/$name.dump"
	is "$missing_man" "" "$name: every command and option is in its man page"
	is "$missing_help" "" "$name: every option is in --help"
	is "$missing_bash" "" "$name: every command and option is in the bash completion"
	is "$missing_zsh" "" "$name: every option is in the zsh completion"
done

mkdir "$SCRATCH/comp"
sh "$TOP/completions/gen" "$SCRATCH/comp"
for f in "$SCRATCH"/comp/*; do
	cmp -s "$f" "$TOP/completions/$(basename "$f")"
	ok $? "completions/$(basename "$f") is current (run 'make completions')"
done
for f in "$TOP"/completions/*.bash; do
	bash -n "$f"; ok $? "$(basename "$f") is valid bash"
done

if command -v mandoc >/dev/null; then
	lint=$(mandoc -Tlint -Wwarning "$TOP"/man/*.[1578] 2>&1)
	is "$lint" "" "mandoc -Tlint is clean"
else
	ok 1 "mandoc is installed (make deps)"
fi

# the EXAMPLES of the man pages that are marked as runnable are run by the
# tests of each tool; here: every page has EXIT STATUS and EXAMPLES
for m in "$TOP"/man/*.[18]; do
	grep -q '^\.Sh EXIT STATUS' "$m"; ok $? "$(basename "$m") has EXIT STATUS"
	grep -q '^\.Sh EXAMPLES' "$m"; ok $? "$(basename "$m") has EXAMPLES"
done

done_testing
