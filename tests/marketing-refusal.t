#!/bin/bash
# The refusal to switch marketing on (issue 17): it counts the customers
# that block it correctly, split into those who need re-permission (opted
# in before 25 May 2018) and those who need a double opt-in (unproven
# later opt-ins); the two lists it names hold exactly those, the two
# campaigns it names reach exactly those, and once they confirmed,
# marketing goes on.  With -v the id list is never cut inside a number.
# Real SMTP server; the consent mails parsed as MIME.
. "$(dirname "$0")/lib.sh"
export PRIVACY_NOW=2026-03-02T09:00:00Z

privacyctl init >/dev/null
privacyctl location add big --name "Salon Groß" >/dev/null
privacyctl location add other --name "Salon Anders" >/dev/null
start_smtpd smtp --no-starttls
{
	salon_config
	cat <<YAML
smtp:
  url: smtp://127.0.0.1:$SMTP_PORT
  tls: none
  timeout: 60
YAML
} >config.yaml
export PRIVACY_CONFIG=$SCRATCH/config.yaml

# big: 30 opt-ins from 2016 (re-permission), 12 from 2021 without proof
# (double opt-in), 5 without an opt-in, 3 from 2016 who withdrew; other: 4
# from 2016 (not big's business)
{
	echo 'external_id,email,marketing_email,marketing_opt_in_at'
	for i in $(seq 1 30); do echo "R-$i,r$i@kunde.example,yes,2016-01-01"; done
	for i in $(seq 1 12); do echo "D-$i,d$i@kunde.example,yes,2021-06-01"; done
	for i in $(seq 1 5); do echo "N-$i,n$i@kunde.example,no,"; done
	for i in $(seq 1 3); do echo "W-$i,w$i@kunde.example,yes,2016-01-01"; done
} >big.csv
privacyctl customer import --location big big.csv >/dev/null
for i in 1 2 3; do
	privacyctl consent withdraw "$(sql "SELECT id FROM customers WHERE external_id = 'W-$i'")" --purpose marketing-email --source staff >/dev/null
done
printf 'external_id,email,marketing_email,marketing_opt_in_at\nO-1,o1@kunde.example,yes,2016-01-01\nO-2,o2@kunde.example,yes,2016-01-01\nO-3,o3@kunde.example,yes,2016-01-01\nO-4,o4@kunde.example,yes,2016-01-01\n' >other.csv
privacyctl customer import --location other other.csv >/dev/null
ids_of() { sql "SELECT group_concat(id, ',') FROM (SELECT id FROM customers WHERE external_id LIKE '$1%' ORDER BY id)"; }

# ---- the count, and where it points
snapshot before
run privacyctl settings set big marketing=on
status 1 "refused"
is "$(stderr)" "privacyctl: marketing stays off: 42 customers of 'big' have an active opt-in without valid consent: 30 from before 25 May 2018 need re-permission ('privacyctl consent list --needs-repermission --location big', consent-send --kind repermission), 12 a double opt-in ('privacyctl customer list --marketing unproven --location big', consent-send --kind double-opt-in)" \
	"42 = 30 + 12: not the 5 without an opt-in, the 3 who withdrew, nor the other location's 4"
unchanged before "refused: nothing changed"
run privacyctl consent list --needs-repermission --location big
is "$(jget customer_id <"$out" | sort -n | tr '\n' ',' | sed 's/,$//')" "$(ids_of R-)" \
	"the re-permission list it names: exactly the 30"
run privacyctl customer list --marketing unproven --location big
is "$(jget customer_id <"$out" | sort -n | tr '\n' ',' | sed 's/,$//')" "$(ids_of D-)" \
	"the double opt-in list it names: exactly the other 12"
# (it named 'customer list --marketing invalid', which lists all 42)
run privacyctl customer list --marketing invalid --location big
is "$(jget customer_id <"$out" | wc -l | tr -d ' ')" "42" "--marketing invalid: both kinds"
run privacyctl -v settings set big marketing=on
status 1 "refused with -v"
is "$(stderr | sed -n 's/.*(customer ids: \(.*\))$/\1/p' | tr ',' '\n' | sort -n | tr '\n' ',' | sed 's/,$//')" \
	"$( (ids_of R- ; ids_of D-) | tr ',' '\n' | sort -n | tr '\n' ',' | sed 's/,$//')" \
	"-v: all 42 ids, whole"

# ---- the two campaigns it names fix them
privacyctl consent list --needs-repermission --location big |
	consent-send --campaign reperm-big --kind repermission >reperm.out
ok $? "the re-permission campaign it names"
privacyctl customer list --marketing unproven --location big |
	consent-send --campaign doi-big --kind double-opt-in >doi.out
ok $? "the double opt-in campaign it names"
# rcpt KIND: the recipients of the mails whose confirm link says KIND
tokens() {
	/usr/bin/python3 - smtp/msg <<'PY'
import email, glob, re, sys
from email import policy
for f in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    m = email.message_from_bytes(open(f, "rb").read(), policy=policy.default)
    body = m.get_body(("plain",)).get_content()
    print(m["To"].addresses[0].addr_spec, re.search(r"/consent/yes\?t=([A-Za-z0-9_~-]+)", body).group(1))
PY
}
tokens >tokens
is "$(cut -d' ' -f1 tokens | sed 's/[0-9]*@.*//' | sort | uniq -c | awk '{print $2 $1}' | tr '\n' ' ')" "d12 r30 " \
	"the mails reach the 12 and the 30, nobody else"
n=0
while read -r addr tok; do
	PRIVACY_TOKEN=$tok privacyctl consent confirm --ip 192.0.2.1 --user-agent "Mozilla/5.0" >/dev/null && n=$((n + 1))
done <tokens
is "$n" "42" "all 42 confirm"
run privacyctl settings set big marketing=on
status 0 "then marketing goes on"
is "$(sql "SELECT marketing FROM settings WHERE location_id = (SELECT id FROM locations WHERE slug = 'big')")" "on" "and is on"

# ---- -v: the id list is cut between ids, never inside one ------------
privacyctl location add many --name Many >/dev/null
for round in 1 2 3 4; do
	{
		echo 'external_id,email,marketing_email,marketing_opt_in_at'
		for i in $(seq 1 $((round * 97))); do echo "M$round-$i,m$round-$i@kunde.example,yes,2017-03-01"; done
	} >many.csv
	privacyctl customer import --location many many.csv >/dev/null
	total=$(sql "SELECT count(*) FROM customers WHERE external_id LIKE 'M%'")
	run privacyctl -v settings set many marketing=on
	listed=$(stderr | sed -n 's/.*(customer ids: \([0-9,]*\)\( and [0-9]* more\)\{0,1\})$/\1/p')
	more=$(stderr | sed -n 's/.* and \([0-9]*\) more)$/\1/p')
	/usr/bin/python3 - "$listed" "${more:-0}" "$total" "$(ids_of M)" <<'PY'
import sys
listed, more, total, ids = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
got = [int(x) for x in listed.split(",")] if listed else []
want = [int(x) for x in ids.split(",")]
bad = [x for x in got if x not in want]
assert not bad, "not whole ids: %s" % bad
assert len(set(got)) == len(got), "an id twice"
assert len(got) + more == total, "%d listed + %d more != %d" % (len(got), more, total)
assert got == want[:len(got)], "not the first ids in order"
PY
	ok $? "$total blockers: every listed id whole, listed + 'and N more' = $total"
done
like "$(stderr)" " and [0-9]+ more\)$" "a long list ends with how many more"
is "$(stderr | wc -c | tr -d ' ')" "$(($(stderr | wc -c) <= 1024 ? $(stderr | wc -c) : 0))" "one message of at most 1 kB"

done_testing
