#!/bin/bash
# Replay the fuzz corpora (tests/fuzz/corpus/NAME) and every crash the
# fuzzers ever found (tests/fuzz/crashes/NAME) through the fuzz targets,
# built with the normal compiler: under `make check SANITIZE=...` this runs
# them under ASan/UBSan.  `make fuzz` finds new inputs; see SECURITY.md.
. "$(dirname "$0")/lib.sh"

FZ="$TOP/tests/fuzz"
n=0
for src in "$FZ"/fuzz-*.c; do
	name=$(basename "$src" .c)
	bin="$FZ/$name-replay"
	n=$((n + 1))
	test -x "$bin"
	ok $? "$name: replay driver built"
	seeds=$(find "$FZ/corpus/$name" -type f 2>/dev/null | wc -l)
	test "$seeds" -ge 2
	ok $? "$name: a seed corpus ($seeds inputs)"
	dirs="$FZ/corpus/$name"
	[ -d "$FZ/crashes/$name" ] && dirs="$dirs $FZ/crashes/$name"
	run "$bin" $dirs
	status 0 "$name: corpus and crashes replay cleanly"
	crashes=$(find "$FZ/crashes/$name" -type f 2>/dev/null | wc -l)
	is "$(grep -c '^ok' "$out")" "$(echo $dirs | wc -w)" \
		"$name: every directory replayed ($crashes past crashes)"
done
test "$n" -ge 9
ok $? "at least the targets of the readers, config, clock, templates, headers and retention ($n)"

# The driver itself must fail loudly when it cannot read what it is given
# (a replay that silently replays nothing would be no test).
run "$FZ/fuzz-clock-replay" "$SCRATCH/does-not-exist"
status 1 "a missing corpus is a failure, not silence"

done_testing
