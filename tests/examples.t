#!/bin/bash
# Issue 14 item 3: every command line shown in README.md's code blocks and
# in the EXAMPLES of every man page is taken from the files themselves and
# run verbatim through bash (only the environment differs) against a
# fixture database, built with the public commands, in which the ids and
# the state they name exist; each must exit as the docs imply (no line is
# left as TODO); and every command and option they name exists
# (tests/docs.t-style).
. "$(dirname "$0")/lib.sh"

tools='privacyctl|dsar-export|dsar-erase|consent-send|notify|privacy-web'
# --- the lines the docs show --------------------------------------------------
# Every line of every README code block (indented or fenced) and of every
# display in a man page's EXAMPLES section (.Bd -literal, .Dl, .D1) goes
# to all as FILE<TAB>LINE<TAB>BLOCK: a line ending in a backslash ("\e"
# in roff) is joined with the next, a "{ ... }" group is one line (its
# newlines kept as \036), a crontab line stands for its command.
take='
function take(l) {
	if (cont != "") { sub(/^ +/, "", l); l = cont " " l; cont = "" }
	if (l ~ /\\$/) { sub(/ *\\$/, "", l); cont = l; return }
	if (grp != "") {
		l = grp "\036" l
		if (l !~ /\036[}][^\036]*$/) { grp = l; return }
		grp = ""
	} else if (l ~ /^[{] / && l !~ /[}]/) { grp = l; return }
	if (l ~ /^[0-9*\/,-]+ +[0-9*\/,-]+ +[0-9*\/,-]+ +[0-9*\/,-]+ +[0-9*\/,-]+ +/)
		sub(/^[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +/, "", l) # mawk: no {5}
	if (l != "") print f "\t" l "\t" b
}'
awk -v f=README.md "$take"'
	/^```/ { if (fence) fence = 0; else { fence = 1; b++ }; next }
	fence { take($0); next }
	/^    / { if (!inb) { inb = 1; b++ }; take(substr($0, 5)); next }
	!/^$/ { inb = 0 }' "$TOP/README.md" >"$SCRATCH/all"
for m in "$TOP"/man/*.[1578]; do
	awk -v f="man/${m##*/}" "$take"'
	function roff(l) {
		gsub(/\\&/, "", l); gsub(/\\-/, "-", l); gsub(/\\\(aq/, "\047", l)
		gsub(/\\\(dq/, "\"", l); gsub(/\\e/, "\\", l); return l
	}
	/^\.Sh EXAMPLES/ { ex = 1; next } /^\.Sh / { ex = 0 }
	ex && /^\.Bd -literal/ { bd = 1; b++; next } /^\.Ed/ { bd = 0; next }
	ex && bd { take(roff($0)); next }
	ex && /^\.D[l1] / { b++; take(roff(substr($0, 5))) }' "$m"
done >>"$SCRATCH/all"

# Each line either runs (a tool, or a shell line an example runs with its
# tools), or is not a command, for the reason given here: a new doc line
# that is neither makes this test fail.
toolre="(^([A-Z_]+=[^ ]* )*|[|;&] *|"$'\036'" *)($tools)( |\$)"
helper() { # shell lines that are part of an example
	case $1 in "mkdir -p out"|"mkdir -p exports"|"ls review/new") return 0 ;; esac
	return 1
}
notrun() { # FILE LINE: why the line is not run
	if [[ $2 =~ ^[[:space:]]*# ]]; then echo "a comment"; return; fi
	case $2 in
	make|"make "*) echo "builds or tests the suite (make check runs this test)"; return ;;
	"bash .ci/run"*) echo "runs CI, which runs this test"; return ;;
	'export PRIVACY_DB=$HOME/privacy.db') echo "chooses the database: here PRIVACY_DB is the fixture's"; return ;;
	'{"'*) echo "a record, the output of a command"; return ;;
	esac
	# YAML: a key, or an item of a list
	if [[ $2 =~ ^\ *[A-Za-z_][A-Za-z0-9_./-]*:(\ |$) || $2 =~ ^\ *-\ [^-] ]]; then
		echo "a configuration or mapping file's content"
	fi
}
: >"$SCRATCH/lines"
: >"$SCRATCH/notrun"
: >"$SCRATCH/unaccounted"
while IFS=$'\t' read -r file line block; do
	if [[ $line =~ $toolre ]] || helper "$line"; then
		printf '%s\t%s\t%s\n' "$file" "$line" "$block" >>"$SCRATCH/lines"
	elif why=$(notrun "$file" "$line") && [ -n "$why" ]; then
		printf '%s\t%s\t%s\n' "$file" "$line" "$why" >>"$SCRATCH/notrun"
	else
		printf '%s: %s\n' "$file" "$line" >>"$SCRATCH/unaccounted"
	fi
done <"$SCRATCH/all"
is "$(cat "$SCRATCH/unaccounted")" "" "every line of the README's code blocks and of the man pages' EXAMPLES runs, or is not a command"
# every man page has EXAMPLES, and every section and README block shows
# at least one line
nman=$(ls "$TOP"/man/*.[1578] | wc -l)
is "$(cut -f1 "$SCRATCH/all" | sort -u | grep -c '^man/')" "$nman" \
	"each of the $nman man pages has an EXAMPLES section with lines"
nblocks=$(awk '/^```/ { if (!f) n++; f = !f; next } /^    / { if (!inb) { inb = 1; n++ } next } !/^$/ { inb = 0 } END { print n }' "$TOP/README.md")
is "$(grep '^README.md' "$SCRATCH/all" | cut -f3 | sort -u | wc -l)" "$nblocks" \
	"each of the README's $nblocks code blocks is read"
n=$(wc -l <"$SCRATCH/lines")
[ "$n" -gt 100 ]; ok $? "the README and the man pages show $n command lines, all run; $(wc -l <"$SCRATCH/notrun") lines are not commands"
cut -f1,3 "$SCRATCH/notrun" | sort | uniq -c | sed 's/^/# not run: /'

# --- every command and option named exists ---------------------------------
for bin in "$TOP"/bin/*; do
	"$bin" --dump-options | tr '\t' '\037' >"$SCRATCH/${bin##*/}.dump"
done
bad=""
while IFS=$'\t' read -r file line _; do
	# each pipeline element that runs a tool
	printf '%s\n' "$line" | tr '\036' '\n' | sed 's/ *#.*//; s/[|]/\n/g' | while read -r seg; do
		set -f; set -- $seg; set +f
		while [ $# -gt 0 ] && [[ $1 == [A-Z_]*=* ]]; do shift; done
		[ $# -gt 0 ] || continue
		case $1 in privacyctl|dsar-export|dsar-erase|consent-send|notify|privacy-web) ;; *) continue ;; esac
		tool=$1; shift
		dump="$SCRATCH/$tool.dump"
		cmd=""
		words=()
		for w in "$@"; do case $w in -*) ;; *) words+=("$w") ;; esac; done
		if [ "$tool" = privacyctl ]; then
			# the command: one or two words before the first option
			while [ $# -gt 0 ] && [[ $1 == -* ]]; do shift; done # -v etc.
			if grep -q $'^command\037'"$1 ${2:-}"$'\037' "$dump"; then cmd="$1 $2"
			elif grep -q $'^command\037'"$1"$'\037' "$dump"; then cmd=$1
			else echo "$file: $line: no command '$1 ${2:-}'"; continue; fi
		fi
		for w in $seg; do
			case $w in --*=*) w=${w%%=*} ;; esac
			case $w in
			--*) grep -q $'^option\037'"$cmd"$'\037'"$w"$'\037\|^common\037'"$w"$'\037' "$dump" ||
				echo "$file: $line: no option $w" ;;
			-?) grep -q $'^option\037'"$cmd"$'\037[^\037]*\037'"${w#-}"$'\037\|^common\037[^\037]*\037'"${w#-}"$'\037' "$dump" ||
				echo "$file: $line: no option $w" ;;
			esac
		done
	done
done <"$SCRATCH/lines" >"$SCRATCH/unknown"
is "$(cat "$SCRATCH/unknown")" "" "every command and option the docs show exists"

# --- the fixture: the ids and the state the examples name exist -------------
# Built with the public commands only, as a salon would have got there:
# Salon Mitte joined in January 2022 (so some of its customers are
# inactive for three years by now), sent its first deletion notices in
# April 2026; "now" is 2026-06-01, when the other customers come.
. "$TOP/tests/journeys/requests.sh" # mails_to, mail, code_in
mkdir "$SCRATCH/certs"
make_cert "$SCRATCH/certs"
start_smtpd "$SCRATCH/smtp" --tls "$SCRATCH/certs/cert.pem" "$SCRATCH/certs/key.pem"
{ salon_config; printf 'smtp:\n  url: smtp://127.0.0.1:%s\n  ca_file: %s\n  timeout: 60\n' \
	"$SMTP_PORT" "$SCRATCH/certs/cert.pem"; } >"$SCRATCH/config.yaml"
export PRIVACY_CONFIG="$SCRATCH/config.yaml"
(
	set -e
	export PRIVACY_NOW=2022-01-10T09:00:00Z
	privacyctl init
	privacyctl location add mitte --name "Salon Mitte" --holidays DE-BE
	privacyctl location add nord --name "Studio Nord" --timezone Europe/Berlin --holidays DE-HH
	privacyctl settings set mitte requests=self-service notify-email=team@salon-mitte.example
	privacyctl settings set nord requests=manual notify-email=info@studio-nord.example language=en
	for k in customer appointment invoice consent; do
		privacyctl $k import --location mitte "$TOP/examples/salon/${k}s.csv"
	done

	# April 2026: the inactive ones (K-1001, K-1003, K-1005) are told
	# they will be deleted in 30 days
	export PRIVACY_NOW=2026-04-15T09:00:00Z
	privacyctl customer notice --inactive-since 3y --days 30

	export PRIVACY_NOW=2026-06-01T10:00:00Z
	# customers up to 42 and beyond (ids 1-5 are the salon's); G-44
	# came in 2021 and last booked on 2 May 2023
	{ echo external_id,first_name,last_name,email,customer_since
	  for i in $(seq 1 44); do
		s=""; [ "$i" = 44 ] && s=2021-03-01
		echo "G-$i,Gen$i,Kunde,gen$i@example.org,$s"
	  done
	  echo "G-45,Erika,Beispiel,erika@example.org,"; } >gen.csv
	privacyctl customer import --location mitte gen.csv
	printf 'external_id,customer_external_id,starts_at\nA-1,G-44,2023-05-02T10:00:00+02:00\n' >gen-appointments.csv
	privacyctl appointment import --location mitte gen-appointments.csv
	# Studio Nord: two who opted in by double opt-in, marketing on there
	printf 'external_id,first_name,last_name,email\nN-77,Nora,Nord,nora@example.org\nK-1001,Karl,Nord,karl@example.org\nN-78,Nils,Nord,nils@example.org\n' >nord.csv
	privacyctl customer import --location nord nord.csv
	{ echo customer_external_id,purpose,event,at,source,evidence_ip,evidence_user_agent,text_version
	  echo "N-77,marketing-email,confirmed,2021-09-01T08:00:00Z,double-opt-in,203.0.113.8,Mozilla/5.0 (X11; Linux x86_64),newsletter-v3"
	  echo "K-1001,marketing-email,confirmed,2021-09-02T08:00:00Z,double-opt-in,203.0.113.9,Mozilla/5.0 (X11; Linux x86_64),newsletter-v3"
	} >nord-consents.csv
	privacyctl consent import --location nord nord-consents.csv
	privacyctl settings set nord marketing=on
	# something retained: Zoë Weiß (K-1004) erased, her invoice kept
	dsar-erase --customer "$(sql "select id from customers where external_id = 'K-1004'")"
	# requests 1-42: 12 a letter at the manual location (due within a
	# week), 13 and 14 wait for their code, 15 is open, 42 is a verified
	# access request
	for i in $(seq 1 41); do
		case $i in
		12) privacyctl request new --type access --external-id N-77 --location nord --channel letter --received 2026-05-04T10:00:00Z ;;
		13|14|15) privacyctl request new --type erasure --customer $((i + 10)) --channel booking-form ;;
		*) c=$((i + 7)); [ $c = 42 ] && c=50
		   privacyctl request new --type access --customer $c --verified ;;
		esac
	done
	privacyctl request new --type access --customer 42 --verified
	# The mails go out, but the server refuses them all (its disk is
	# full); once it is fixed, each is sent again, all but event 17:
	# that one is left failed for notify --retry 17
	echo "554 5.3.4 mailbox full" >"$SCRATCH/smtp/reply"
	notify --pending || [ $? = 69 ]
	rm "$SCRATCH/smtp/reply"
	for e in $(sql "select id from events where status = 'failed' and id != 17"); do
		notify --retry "$e"
	done
	# a letter that is overdue came in since: its mails wait in the
	# outbox (for the notify --pending lines)
	privacyctl request new --type access --external-id N-78 --location nord --channel letter --received 2026-03-31T10:00:00Z
) >"$SCRATCH/fixture.log" 2>&1
rc=$?
ok $rc "the fixture is built with the public commands"
[ $rc = 0 ] || grep -v "^{" "$SCRATCH/fixture.log" | tail -5 | sed "s/^/# /"
export PRIVACY_NOW=2026-06-01T10:00:00Z
is "$(sql 'select id, type, status from requests where id in (12,13,42,43)' | tr '\n' ' ')" \
	"12|access|received 13|erasure|unverified 42|access|verified 43|access|received " "requests 12, 13, 42 and 43"
is "$(sql "select id || ' ' || status from events where status != 'delivered' and coalesce(request_id, 0) != 43")" "17 failed" \
	"every mail was delivered but event 17, which failed, and request 43's"
like "$(sql "select group_concat(distinct status) from events where request_id = 43")" '^pending$' "request 43's mails wait in the outbox"
is "$(sql "select group_concat(external_id, ' ') from customers where inactive_notice_at is not null")" \
	"K-1001 K-1003 K-1005" "three inactive customers got the deletion notice"
cp "$PRIVACY_DB" "$SCRATCH/fixture.db"

# the code mail of request 13 and the fixture's code in it
addr13=$(sql "select c.email from requests r join customers c on c.id = r.customer_id where r.id = 13")
fixcode=$(code_in "$(mails_to "$addr13" | tail -1)")
like "$fixcode" '^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$' "request 13's customer got a code mail"

# --- run each line verbatim ---------------------------------------------------
# Each line runs through bash -o pipefail (every tool of a pipeline must
# succeed), in a directory of its own with examples/ and customers.csv,
# on a fresh copy of the fixture -- unless the docs imply that it runs
# after the line before it (follows, below): then on that line's
# database, in its directory. A block that starts with "privacyctl init"
# sets up from nothing: its lines run in order on an empty database.
# Only the environment differs from what a user types: PRIVACY_DB,
# PRIVACY_CONFIG, PRIVACY_NOW, and the CODE and TOKEN the user would
# have read in a mail, here read from the mails the test SMTP server got.
expect() { # the status the docs imply, by the line's text
	case $1 in
	*"-v settings set mitte marketing=on"*) echo 1 ;; # documented refusal
	# privacy(7): check exits 1 when it found something to do, and the
	# fixture has overdue requests and a failed notification
	"privacyctl check "*) echo 1 ;;
	*) echo 0 ;;
	esac
}
follows() { # why LINE (of FILE) runs on the database of the line before
	case $2 in
	"privacyctl request complete 12 "*) echo "request 12 is completed once verified" ;;
	"privacyctl appointment import --location mitte --map de-excel "*) echo "the appointments of the customers just imported" ;;
	"consent-send --campaign reperm-2026 "*"rerun"*) echo "the rerun of the campaign started before" ;;
	"privacyctl consent confirm "*) echo "a customer confirms from the campaign's mail" ;;
	"consent-send --campaign reperm-2026 -q "*) echo "resumes the campaign started before" ;;
	"notify --pending") [ "$1" = man/privacyctl.1 ] && echo "sends the fresh code" ;;
	'printf '\''%s\n'\'' "$CODE" | privacyctl request verify 13') [ "$1" = man/privacyctl.1 ] && echo "the code from the fresh mail" ;;
	"privacyctl consent expire"*) echo "what the campaign before left unanswered lapses" ;;
	"privacyctl settings set mitte marketing=on "*) echo "once the campaign before is answered or expired" ;;
	"ls review/new") echo "the files notify wrote" ;;
	"privacyctl customer list --location mitte | dsar-export -o "*) echo "into the directory made before" ;;
	esac
}
later() { # a line that runs when its time has come (cron): PRIVACY_NOW
	case $2 in
	# 30 days after the mails (consent.token_days), plus one
	"privacyctl consent expire"*|"privacyctl settings set mitte marketing=on "*)
		[ "$1" = README.md ] && echo 2026-07-02T10:00:00Z ;;
	esac
}
state() { # what the database holds after LINE: QUERY<TAB>EXPECTED<TAB>WHAT
	local c='select count(*) from'
	case $1 in
	"privacyctl request complete 12 "*) printf '%s\t%s\t%s\n' \
		"select status || ' ' || verified_by from requests where id = 12" \
		"completed signed letter, address on file" "request 12 is verified by staff and completed" ;;
	*'"$CODE" | privacyctl request verify 13'*) printf '%s\t%s\t%s\n' \
		"select status from requests where id = 13" verified "the code from the mail verified request 13" ;;
	"privacyctl request verify 14 "*) printf '%s\t%s\t%s\n' \
		"select status || ' ' || verified_by from requests where id = 14" "verified ID card at the counter" "request 14 is verified by staff" ;;
	"privacyctl request cancel 15 "*) printf '%s\t%s\t%s\n' \
		"select status from requests where id = 15" cancelled "request 15 is cancelled" ;;
	"privacyctl appointment import --location mitte --map de-excel "*) printf '%s\t%s\t%s\n' \
		"$c appointments where external_id in ('T-1501', 'T-1502')" 2 "the de-excel appointments are in" ;;
	"privacyctl customer import --location mitte --map ./my-salon.yaml "*) printf '%s\t%s\t%s\n' \
		"select group_concat(c.first_name || ' ' || (select count(*) from consents k where k.customer_id = c.id and k.event = 'granted'), ', ') from customers c where c.external_id in ('20001', '20002')" \
		"Jürgen 1, Dörte 0" "the customers of the mapped export are in, with Newsletter ja as an opt-in" ;;
	"consent-send --campaign reperm-2026 --kind repermission --rate "*) printf '%s\t%s\t%s\n' \
		"$c campaign_messages where status = 'sent'" 2 "the campaign mailed the two who must be asked again" ;;
	"consent-send --campaign reperm-2026 "*rerun*|"consent-send --campaign reperm-2026 -q "*) printf '%s\t%s\t%s\n' \
		"$c campaign_messages" 2 "the rerun mails nobody twice" ;;
	"privacyctl consent confirm "*) printf '%s\t%s\t%s\n' \
		"$c consents where event = 'confirmed' and at = '2026-06-01T10:00:00Z'" 1 "the answer is recorded as consent proof" ;;
	"privacyctl settings set mitte marketing=on "*) printf '%s\t%s\t%s\n' \
		"select marketing from settings where location_id = 1" on "marketing is on at Salon Mitte" ;;
	"dsar-erase --request 42 | notify"*) printf '%s\t%s\t%s\n' \
		"$c events where request_id = 42 and type = 'erasure.confirmation' and status = 'delivered'" 1 \
		"the customer's confirmation of the erasure is delivered"
		printf '%s\t%s\t%s\n' "$c customers where id = 42" 0 "customer 42 is erased" ;;
	"dsar-export --request 42 | notify"*) printf '%s\t%s\t%s\n' \
		"select status from requests where id = 42" completed "request 42 is completed once the export was delivered" ;;
	"notify --retry 17") printf '%s\t%s\t%s\n' \
		"select status from events where id = 17" delivered "event 17 is delivered" ;;
	"notify --retry-failed"*) printf '%s\t%s\t%s\n' \
		"$c events where status = 'failed'" 0 "nothing failed is left" ;;
	"notify --pending"*) printf '%s\t%s\t%s\n' \
		"$c events where status = 'pending'" 0 "the outbox is empty" ;;
	"dsar-erase --customer "*) printf '%s\t%s\t%s\n' \
		"$c customers where id = ${1//[!0-9]/}" 0 "the customer is erased" ;;
	"privacyctl customer list --inactive-since 3y | dsar-erase"*) printf '%s\t%s\t%s\n' \
		"$c customers where location_id = 1 and external_id in ('K-1001', 'K-1003', 'K-1005', 'G-44')" 0 "the inactive customers are erased" ;;
	"privacyctl customer notice --inactive-since 3y "*) printf '%s\t%s\t%s\n' \
		"select inactive_erase_on from customers where external_id = 'G-44'" 2026-07-01 "the newly inactive customer is told the day" ;;
	esac
}
shows() { # what LINE prints: FILTER<TAB>EXPECTED<TAB>WHAT; FILTER reads the
	# output (records: the field of each, summaries left out), $errf is
	# the file of its stderr
	local ids='jget external_id | grep -v "^null$"'
	case $1 in
	"privacyctl request list --due-within 7d "*"#"*) printf '%s\t%s\t%s\n' \
		'jget request_id | grep -v "^null$"' 12 "request 12 is due this week (not the overdue 43)" ;;
	"privacyctl customer list --inactive-since 3y "*"# feeds"*) printf '%s\t%s\t%s\n' \
		"$ids" "K-1001 K-1003 K-1005 G-44" "the customers inactive for 3 years" ;;
	*"--inactive-since 3y --notice-passed"*) printf '%s\t%s\t%s\n' \
		"$ids" "K-1001 K-1003 K-1005" "those whose notice of April passed (not G-44)" ;;
	"privacyctl marketing audience"*) printf '%s\t%s\t%s\n' \
		"$ids" "N-77 K-1001" "Studio Nord's opted-in customers" ;;
	"privacyctl consent list --needs-repermission"|"privacyctl consent list --needs-repermission "*"#"*) printf '%s\t%s\t%s\n' \
		"$ids" "K-1001 K-1002" "the opt-ins from before 25 May 2018" ;;
	*"-v settings set mitte marketing=on"*) printf '%s\t%s\t%s\n' \
		'grep -Eo "[0-9]+ customers of .mitte.|customer ids: [0-9,]+" "$errf"' \
		"2 customers of 'mitte' customer ids: 1,2" "the refusal says how many and which ids" ;;
	"privacyctl request new "*"--received 2026-03-31T10:00:00Z") printf '%s\t%s\t%s\n' \
		'jget due' 2026-04-30 "the deadline counts from the day the letter came" ;;
	"privacyctl request list --overdue | notify") printf '%s\t%s\t%s\n' \
		'jget event | grep -v "^null$"' request.overdue "the business is mailed the overdue request" ;;
	"privacyctl request list --due-within 7d | notify") printf '%s\t%s\t%s\n' \
		'jget event | grep -v "^null$"' request.deadline-near "the business is mailed the deadline" ;;
	*"privacy-web") printf '%s\t%s\t%s\n' 'head -1 | tr -d "\r"' "Status: 200 OK" "the form page" ;;
	"privacyctl settings show | jq "*) printf '%s\t%s\t%s\n' cat nord "the manual location" ;;
	"privacyctl audit verify"*) printf '%s\t%s\t%s\n' 'jget intact' true "the chain is intact" ;;
	esac
}
# the code or token in the newest mail this database had sent, else the
# fixture's code
code_now() {
	local m
	m=$(mails_to "$addr13" | awk -v n="$mark" '{ f = $0; sub(/.*\//, "", f); if (f + 0 > n) print }' | tail -1)
	if [ -n "$m" ]; then code_in "$m"; else echo "$fixcode"; fi
}
token_now() {
	local m
	m=$(grep -l 'consent/yes' "$SCRATCH"/smtp/msg/*.eml | awk -v n="$mark" '{ f = $0; sub(/.*\//, "", f); if (f + 0 > n) print }' | head -1)
	[ -n "$m" ] && mail "$m" body | grep -Eo 'consent/yes\?t=[^[:space:]>]+' | head -1 | sed 's/.*t=//'
}
# privacy(7) mails the status page with curl to mail.example:587; here
# the same curl, with the same options, sends it to the test SMTP server
mkdir "$SCRATCH/shim"
cat >"$SCRATCH/shim/curl" <<SHIM
#!/bin/bash
a=()
while [ \$# -gt 0 ]; do
	case \$1 in
	--url) a+=(--url "smtp://127.0.0.1:$SMTP_PORT" --cacert "$SCRATCH/certs/cert.pem"); shift 2 ;;
	*) a+=("\$1"); shift ;;
	esac
done
exec /usr/bin/curl "\${a[@]}"
SHIM
chmod +x "$SCRATCH/shim/curl"
i=0
inorder=""
while IFS=$'\t' read -r file line block; do
	i=$((i + 1))
	# a block that starts with "privacyctl init" sets up from nothing:
	# its lines run in order on one database
	if [ "$line" = "privacyctl init" ]; then
		rm -f "$PRIVACY_DB"; inorder="$file:$block"; fresh=1
	elif [ "$inorder" = "$file:$block" ]; then fresh=0
	elif [ -n "$(follows "$file" "$line")" ]; then inorder=""; fresh=0
	else inorder=""; cp "$SCRATCH/fixture.db" "$PRIVACY_DB"; fresh=1
	fi
	if [ "$fresh" = 1 ]; then
		d="$SCRATCH/run$i"
		mkdir -p "$d"
		ln -s "$TOP/examples" "$d/examples"
		ln -s "$TOP/examples/salon/customers.csv" "$d/customers.csv"
		mark=$(ls "$SCRATCH/smtp/msg" | grep -c '\.eml$')
	fi
	case $line in
	*"--map ./my-salon.yaml kunden.csv"*)
		# the mapping file the page shows (the block before), and an
		# export of the salon's program it fits
		awk -F'\t' -v f="$file" -v b=$((block - 1)) '$1 == f && $3 == b { print $2 }' \
			"$SCRATCH/all" >"$d/my-salon.yaml"
		printf '%s\r\n' 'Kd-Nr;Vorname;Name;Handy;Geb.-Datum;Newsletter;Farbrezeptur;Bild' \
			'20001;Jürgen;Weiß;0151 2345678;14.03.1975;ja;6/0 + 7% Oxid;foto1.jpg' \
			'20002;Dörte;Kühn;;30.11.1988;nein;;' | iconv -f utf-8 -t windows-1252 >"$d/kunden.csv" ;;
	esac
	path=$PATH
	case $line in *"| curl "*) path=$SCRATCH/shim:$PATH ;; esac
	now=$(later "$file" "$line")
	code=$(code_now)
	token=$(token_now)
	(cd "$d" && export CODE="$code" TOKEN="$token" PRIVACY_NOW="${now:-$PRIVACY_NOW}" PATH="$path" \
		REMOTE_ADDR=203.0.113.50 HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64)" &&
		bash -o pipefail -c "${line//$'\036'/$'\n'}") >"$SCRATCH/run$i.out" 2>"$SCRATCH/run$i.err" </dev/null
	rc=$?
	want=$(expect "$line")
	name=${line//#/\\#}
	is "$rc" "$want" "$file: ${name//$'\036'/ \\n }"
	[ "$rc" = "$want" ] || sed 's/^/# /' "$SCRATCH/run$i.err" | head -3
	while IFS=$'\t' read -r q v what; do
		is "$(sql "$q")" "$v" "$file: $what"
	done < <(state "$line")
	errf="$SCRATCH/run$i.err"
	while IFS=$'\t' read -r filter v what; do
		is "$(eval "$filter" <"$SCRATCH/run$i.out" | paste -sd' ')" "$v" "$file: $what"
	done < <(shows "$line")
done <"$SCRATCH/lines"

# what the curl line sent, as the receiver reads it
m=$(mails_to owner@salon.example | tail -1)
is "$(mails_to owner@salon.example | wc -l) $(mail "$m" Subject) $(mail "$m" Content-Type)" \
	"1 Privacy status text/html; charset=\"utf-8\"" "the owner got the status page as an HTML mail"
like "$(/usr/bin/python3 -c 'import sys, email
from email import policy
raw = open(sys.argv[1], "rb").read()
while raw.startswith(b"X-Test-"):
    raw = raw.split(b"\r\n", 1)[1]
print(email.message_from_bytes(raw, policy=policy.default).get_content()[:300])' "$m")" '<html' "with the page"

done_testing
