#!/bin/bash
# A command line that helps (issue 17 item 3): customers found by name,
# phone and booking-system id; request list --open, repeatable filters,
# --limit, durations for audit list --since; and the one rule for a
# listing that matched nothing (privacy(7)): no records, exit 1, a line on
# stderr unless -q.
. "$(dirname "$0")/lib.sh"
export PRIVACY_NOW=2026-03-02T09:00:00Z

privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl location add nord --name "Studio Nord" >/dev/null
printf 'external_id,first_name,last_name,email,phone\n%s\n%s\n%s\n' \
	'K-1,Erika,Mustermann,erika@example.org,030 1234567' \
	'K-2,Jürgen,Müller,j@example.org,+49 (0)40 555-12' \
	'K-3,Max,Mustermann-Berg,max@example.org,' >c.csv
privacyctl customer import --location mitte c.csv >/dev/null
printf 'external_id,first_name,last_name,email\nK-1,Erika,Nord,erika.n@example.org\n' >n.csv
privacyctl customer import --location nord n.csv >/dev/null
snapshot before

ids() { jget customer_id <"$out" | tr '\n' ' '; }
run privacyctl customer list --name mustermann
status 0 "customer list --name"
is "$(ids)" "1 3 " "a part of the name, any case, first or last name"
run privacyctl customer list --name "erika must"
is "$(ids)" "1 " "first and last name together"
run privacyctl customer list --name "müller"
is "$(ids)" "2 " "a name with umlauts"
run privacyctl customer list --phone "+49 30 1234567"
is "$(ids)" "1 " "--phone finds 030 1234567 written as +49 30 1234567"
run privacyctl customer list --phone 004940-55512
is "$(ids)" "2 " "--phone: 0049 and +49 (0) are the same number"
like "$(jget phone <"$out")" '^\+49 \(0\)40 555-12$' "the list shows the phone as stored"
run privacyctl customer list --external-id K-1
is "$(ids)" "1 4 " "--external-id in every location"
run privacyctl customer list --external-id K-1 --location nord
is "$(ids)" "4 " "and in one"
run privacyctl customer list --limit 2
is "$(ids)" "1 2 " "--limit"
run privacyctl customer list --limit 0
status 64 "--limit 0 is a usage error"
run privacyctl customer show --external-id K-2 --location mitte
status 0 "customer show --external-id --location"
is "$(jget customer_id <"$out")" 2 "shows the booking-system id's customer"
run privacyctl customer show --external-id K-2
status 64 "--external-id without --location is a usage error"
like "$(stderr)" "needs --location" "which says so"
run privacyctl customer show --external-id K-9 --location mitte
status 66 "an unknown external id is exit 66"
unchanged before "looking customers up changes nothing"

# requests
privacyctl request new --type access --customer 1 >/dev/null
privacyctl request new --type erasure --customer 2 >/dev/null
privacyctl request new --type access --customer 3 --verified >/dev/null
privacyctl request new --type rectification --customer 4 >/dev/null
privacyctl request reject 2 --reason "not a customer of ours" >/dev/null
privacyctl request complete 3 --note "sent" >/dev/null
rids() { jget request_id <"$out" | tr '\n' ' '; }
run privacyctl request list --open
status 0 "request list --open"
is "$(rids)" "1 4 " "open: not completed, rejected or cancelled"
run privacyctl request list --status rejected --status completed
is "$(rids)" "2 3 " "a second --status adds to the first"
run privacyctl request list --type access --type erasure
is "$(rids)" "1 2 3 " "so does a second --type"
run privacyctl request list --open --limit 1
is "$(rids)" "1 " "--limit: the earliest due first"
snapshot twice
for t in "request list --location mitte --location nord" \
	"customer list --name erika --name max" "audit list --since 1d --since 2d" \
	"request list --open --limit 1 --limit 2"; do
	run privacyctl $t
	status 64 "$t: a second value is a usage error, not a replacement"
	like "$(stderr)" "^privacyctl: option '--[a-z]+' given twice: it takes one value$" "$t: says so"
	is "$(stdout)" "" "$t: no records"
done
run privacyctl request list --location mitte --location mitte
status 0 "the same value twice is harmless"
unchanged twice "refused options change nothing"
run privacyctl request list --status done
status 64 "an unknown status is a usage error"

# audit list: durations, as the other filters take
PRIVACY_NOW=2026-03-04T09:00:00Z run privacyctl audit list --since 1d
status 1 "audit list --since 1d: nothing in the last day"
PRIVACY_NOW=2026-03-05T09:00:00Z privacyctl location add sued --name "Sued" >/dev/null
PRIVACY_NOW=2026-03-05T12:00:00Z run privacyctl audit list --since 1d
status 0 "a duration back from now"
is "$(jget action <"$out")" "location.add" "only the last day's entry"
run privacyctl audit list --since 2026-03-01
like "$(wc -l <"$out")" '^ *1[0-9]$|^ *[2-9][0-9]$' "a date still works"
run privacyctl audit list --limit 2
is "$(wc -l <"$out")" 2 "--limit: the latest entries"
is "$(jget id <"$out" | tail -1)" "$(sql 'SELECT max(id) FROM audit')" "ending with the last"
run privacyctl audit list --since yesterday
status 64 "a bad --since is a usage error"

# nothing matched: one rule for every listing, written in privacy(7)
rule=$(awk '/^Nothing matched: a listing/ { on = 1 } on && /^\.Pp/ { exit } on' "$TOP/man/privacy.7")
for l in "location list" "customer list" "consent list" "marketing audience" \
	"request list" "audit list" "retention list"; do
	like "$rule" "^\.Cm $l" "privacy(7): the rule names $l"
done
like "$(echo "$rule" | tr '\n' ' ')" "exits 1" "privacy(7): nothing matched is exit 1"
snapshot listed
for cmd in "customer list --name nobody" "request list --status cancelled" \
	"consent list" "audit list --since 2030-01-01" "retention list" \
	"marketing audience"; do
	run privacyctl $cmd
	status 1 "$cmd: nothing matched is exit 1"
	is "$(stdout)" "" "$cmd: no records"
	like "$(stderr)" '^privacyctl: no .* matched$|^privacyctl: nobody' "$cmd: says so"
	run privacyctl $cmd -q
	status 1 "$cmd -q: still exit 1"
	is "$(stdout)$(stderr)" "" "$cmd -q: silent"
	run privacyctl $cmd -f csv
	status 1 "$cmd -f csv: exit 1 too"
	is "$(wc -l <"$out" | tr -d ' ')" 1 "$cmd -f csv: the header alone"
done
unchanged listed "listings that matched nothing change nothing"
rm -f "$PRIVACY_DB"*
privacyctl init >/dev/null
run privacyctl location list
status 1 "location list with no location: exit 1"
is "$(stdout)" "" "location list: no records"
is "$(stderr)" "privacyctl: no location matched" "location list: says so"
run privacyctl location list -q
status 1 "location list -q: exit 1"
is "$(stdout)$(stderr)" "" "location list -q: silent"

done_testing
