#!/bin/bash
# One exit path (issue 17 item 7): every command of every tool leaves
# through pv_main, which flushes, checks and closes standard output.  Each
# command below runs twice on copies of the same database: into a file,
# and into /dev/full.  When it writes records, the full disk is exit 74
# (DESIGN.md) and "write error" is said once, after the same messages as
# in the good run; when it writes nothing, the two runs agree.  And a
# library's usage refusal is one usage message (64), said once.
. "$(dirname "$0")/lib.sh"
export PRIVACY_NOW=2026-06-01T10:00:00Z

salon_config >config.yaml
export PRIVACY_CONFIG=$SCRATCH/config.yaml
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl location add leer --name "Salon Leer" >/dev/null
privacyctl settings set mitte notify-email=team@salon-mitte.example >/dev/null
{
	echo 'external_id,first_name,last_name,email'
	for i in 1 2 3 4; do echo "K-$i,First$i,Last$i,c$i@example.org"; done
} >c.csv
privacyctl customer import --location mitte c.csv >/dev/null
echo 'external_id,customer_external_id,starts_at,service' >a.csv
echo 'T-1,K-1,2019-02-01T10:00:00Z,cut' >>a.csv
echo 'number,customer_external_id,issued_on,total_cents,currency' >i.csv
echo 'RE-1,K-1,2019-02-01,3500,EUR' >>i.csv
privacyctl invoice import --location mitte i.csv >/dev/null
echo 'customer_external_id,purpose,event,at,source' >k.csv
echo 'K-3,marketing-email,granted,2021-06-02T08:15:00Z,booking-form' >>k.csv
echo 'Ich willige ein.' >text.txt
privacyctl consent text-add --name booking-form --language de text.txt >/dev/null
privacyctl consent grant 1 --purpose marketing-email --source staff >/dev/null
privacyctl request new --type access --customer 1 --verified >/dev/null
privacyctl request new --type erasure --customer 2 --verified >/dev/null
privacyctl request new --type access --customer 3 >/dev/null
privacyctl retention hold invoices RE-1 --location mitte --reason audit >/dev/null
privacyctl customer list -f ndjson >subjects.ndjson
cp "$PRIVACY_DB" base.db

# one command line (sh) per line; every command of privacyctl's table is
# here (checked below), and every tool
cat >cases <<'EOF_CASES'
privacyctl --help
privacyctl -V
privacyctl help request
privacyctl request
privacyctl init
privacyctl config show
privacyctl location add nord --name Nord
privacyctl location list
privacyctl location show mitte
privacyctl location remove leer
privacyctl settings show
privacyctl settings set mitte language=en
privacyctl audit list
privacyctl audit verify
privacyctl customer import --location mitte c.csv
privacyctl customer list
privacyctl customer list --name nobody
privacyctl customer show 1
privacyctl customer hold 2 --reason court
privacyctl customer unhold 2
privacyctl customer unblock K-9 --location mitte --reason x
privacyctl customer notice --inactive-since 1d
privacyctl appointment import --location mitte a.csv
privacyctl invoice import --location mitte i.csv
privacyctl marketing audience
privacyctl consent grant 2 --purpose marketing-email --source staff
privacyctl consent withdraw 1 --purpose marketing-email
privacyctl consent show 1
privacyctl consent list
privacyctl consent text-add --name other --language en text.txt
privacyctl consent text-list
privacyctl consent text-show 1
privacyctl consent import --location mitte k.csv
privacyctl consent confirm nosuchtoken
privacyctl consent decline nosuchtoken
privacyctl consent expire
privacyctl request new --type access --customer 4
privacyctl request verify 3 --verified-by id-card
privacyctl request resend-code 3
privacyctl request cancel 3 --reason duplicate
privacyctl request extend 1 --by 1 --reason busy
privacyctl request reject 3 --reason unfounded
privacyctl request complete 1
privacyctl request ack 1
privacyctl request list
privacyctl request list -f csv
privacyctl request show 1
privacyctl request process -n
privacyctl check
privacyctl retention hold invoices RE-1 --location mitte --reason tax
privacyctl retention release invoices RE-1 --location mitte
privacyctl retention list
privacyctl status
privacyctl status -f html
dsar-export --help
dsar-export --request 1
dsar-export --customer 1 -f html
dsar-export subjects.ndjson
dsar-export -q subjects.ndjson
dsar-erase -V
dsar-erase --request 2
dsar-erase -n subjects.ndjson
dsar-erase --yes subjects.ndjson
consent-send --help
consent-send -n --campaign spring --kind repermission
notify --help
echo '{"event":"request.received","location":"mitte","request_id":1}' | notify -n
privacy-web --help
env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET PATH_INFO=/request privacy-web
EOF_CASES

# every command of privacyctl's table has a case
privacyctl --dump-options | awk -F'\t' '$1 == "command" { print $2 }' |
while read -r cmd; do
	grep -q "^privacyctl $cmd\\( \\|\$\\)" cases || echo "$cmd"
done >uncovered
is "$(cat uncovered)" "" "every privacyctl command is run into /dev/full below"
for p in dsar-export dsar-erase consent-send notify privacy-web; do
	grep -q "$p" cases; ok $? "$p is run into /dev/full below"
done

while IFS= read -r line; do
	cp base.db "$PRIVACY_DB"
	sh -c "$line" >good.out 2>good.err </dev/null
	want=$?
	cp base.db "$PRIVACY_DB"
	sh -c "$line" >/dev/full 2>full.err </dev/null
	got=$?
	if [ -s good.out ]; then
		is "$got" 74 "$line: wrote $(wc -c <good.out) bytes; on a full disk exit 74"
		is "$(grep -c 'write error' full.err)" 1 "$line: the write error is said once"
		is "$(grep -v 'write error' full.err)" "$(cat good.err)" \
			"$line: and nothing else is said than in a good run"
	else
		is "$got" "$want" "$line: writes nothing; a full disk changes nothing (exit $want)"
		is "$(cat full.err)" "$(cat good.err)" "$line: the same messages"
	fi
done <cases

# A closed pipe (the reader gone before the first write).  With SIGPIPE
# ignored, as a parent may leave it, the failed write is exit 74 and said
# once; with SIGPIPE as usual, the signal ends the run quietly (141), as
# it ends git, cat and jq.
cat >closed.py <<'EOF_PY'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(["sh", "-c", sys.argv[2]], stdout=w,
                   restore_signals=(sys.argv[1] == "default"))
sys.exit(128 - p.returncode if p.returncode < 0 else p.returncode)
EOF_PY
while IFS= read -r line; do
	cp base.db "$PRIVACY_DB"
	run /usr/bin/python3 closed.py ignore "$line"
	status 74 "$line: a closed pipe, SIGPIPE ignored: exit 74"
	is "$(grep -c 'write error.*Broken pipe\|write error on standard output$' "$err")" 1 \
		"$line: the write error is said once"
	cp base.db "$PRIVACY_DB"
	run /usr/bin/python3 closed.py default "$line"
	is "$rc" 141 "$line: a closed pipe: SIGPIPE ends the run (128 + 13)"
	is "$(stderr)" "" "$line: quietly"
done <<'EOF_PIPE'
privacyctl --help
privacyctl location list
privacyctl status -f html
dsar-export --request 1
dsar-erase -n subjects.ndjson
EOF_PIPE

# A library's usage refusal (PV_USAGE and its message, returned by run()
# without a word of the command's own) is said by pv_main: one usage
# message and where the help is, nothing on stdout, nothing changed.
cp base.db "$PRIVACY_DB"
snapshot before
while IFS='|' read -r line cmd; do
	run sh -c "$line"
	status 64 "$line: a usage error"
	is "$(wc -l <"$err")" 2 "$line: one message and one pointer to the help"
	is "$(grep -c "^${line%% *}: " "$err")" 1 "$line: the message is said once"
	is "$(sed -n 2p "$err")" "see '$cmd --help'" "$line: and points at the command's help"
	is "$(stdout)" "" "$line: nothing on stdout"
	unchanged before "$line: nothing changed"
done <<'EOF_USAGE'
privacyctl settings set mitte marketing=yes|privacyctl settings set
privacyctl retention hold invoices RE-1 --reason x|privacyctl retention hold
privacyctl customer unblock K-9 --reason x|privacyctl customer unblock
privacyctl request new --type nonsense --customer 1|privacyctl request new
privacyctl request extend 1 --by 3 --reason busy|privacyctl request extend
privacyctl consent grant 1 --purpose fax --source staff|privacyctl consent grant
privacyctl consent text-show nonsense|privacyctl consent text-show
privacyctl location add Bad/Slug --name X|privacyctl location add
privacyctl customer show --external-id K-1|privacyctl customer show
consent-send -n --campaign "" --kind repermission|consent-send
dsar-export --external-id K-1|dsar-export
dsar-erase -n --external-id K-1|dsar-erase
notify -n --pending --to nobody|notify
consent-send -n --campaign spring --kind repermission --connections 0|consent-send
EOF_USAGE

done_testing
