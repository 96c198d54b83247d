#!/bin/bash
# The crontab of privacy(7) under cron's own environment (issue 17 item 3):
# installed as 'make install PREFIX=/usr/local' would (here under DESTDIR),
# every line runs with nothing but what cron gives (env -i, PATH=/usr/bin:
# /bin, HOME, SHELL) plus the crontab's own PATH= line, exits 0 or 1, and
# says nothing when there is nothing new.
. "$(dirname "$0")/lib.sh"

dest="$SCRATCH/root"
make -s -C "$TOP" install DESTDIR="$dest" PREFIX=/usr/local >"$SCRATCH/install.log" 2>&1
ok $? "make install DESTDIR=... PREFIX=/usr/local"
bindir="$dest/usr/local/bin"

awk '/^\.Ss Cron/ { on = 1 } on && /^\.Bd/ { lit = 1; next } lit && /^\.Ed/ { exit } lit' \
	"$TOP/man/privacy.7" >crontab.txt
grep -q '^PATH=/usr/local/bin:/usr/bin:/bin$' crontab.txt
ok $? "the crontab sets PATH (cron's is /usr/bin:/bin)"
# the crontab as cron reads it: variables, then the lines' commands
path=$(sed -n 's/^PATH=//p' crontab.txt | sed "s|/usr/local/bin|$bindir|")
grep -v '^#' crontab.txt | grep -v '^[A-Z_]*=' | grep . | cut -c14- |
	sed "s|/srv/export|$SCRATCH/export|" >commands
is "$(wc -l <commands | tr -d ' ')" 8 "eight cron lines"

# cron's environment: no PRIVACY_*, the user's default database
cron() {
	env -i HOME="$HOME" LOGNAME=salon SHELL=/bin/sh PATH=/usr/bin:/bin \
		sh -c "PATH=$path; export PATH; $1"
}
run cron "privacyctl init"
status 0 "privacyctl init by cron's PATH"
[ -f "$HOME/.local/share/privacyctl/privacy.db" ]; ok $? "the database in its default place"
cron "privacyctl location add mitte --name Mitte" >/dev/null
mkdir -p export
printf 'external_id,first_name,email\n' >export/customers.csv
printf 'external_id,customer_external_id,starts_at\n' >export/appointments.csv
printf 'number,customer_external_id,issued_on,total_cents\n' >export/invoices.csv

# without the PATH line every line is 127 (the binaries are not found)
env -i HOME="$HOME" PATH=/usr/bin:/bin sh -c "privacyctl check -q" >/dev/null 2>&1
is "$?" 127 "without PATH= cron finds no privacyctl (the bug of the old crontab)"

n=0
while IFS= read -r cmd; do
	n=$((n + 1))
	run cron "$cmd"
	[ "$rc" -le 1 ]; ok $? "line $n runs under cron's environment (exit $rc): ${cmd%% *} ..."
	is "$(stdout)$(stderr)" "" "line $n says nothing when there is nothing new"
done <commands

done_testing
