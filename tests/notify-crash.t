#!/bin/bash
# notify: kill -9 during a drain of 500 events (at points the program
# reaches: before a commit, in the middle of a message), then a rerun:
# every event is delivered, and only the message in flight at the kill
# comes twice.
. "$(dirname "$0")/lib.sh"

export PRIVACY_NOW=2026-03-02T09:00:00Z
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl settings set mitte notify-email=team@salon-mitte.example >/dev/null
sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
	INSERT INTO events (id, type, at, location_id, request_id, audience, payload)
	SELECT i, 'request.received', '2026-03-02T08:00:00Z', 1, i, 'business',
	'{\"id\":' || i || ',\"event\":\"request.received\",\"request_id\":' || i || '}'
	FROM n"

start_smtpd smtp
cat >config.yaml <<EOF
smtp:
  url: smtp://127.0.0.1:$SMTP_PORT
  tls: none
mail:
  from: datenschutz@salon.example
EOF
export PRIVACY_CONFIG=$SCRATCH/config.yaml

nmails() { ls smtp/msg 2>/dev/null | grep -c '\.eml$'; }

# Killed by itself right before its 121st commit, the one that would
# record the 121st delivery: 120 delivered and recorded, the 121st at the
# server but not recorded (the message in flight).  A point the program
# reaches (PRIVACY_TEST_KILL_BEFORE_COMMIT, see HACKING.md), not a kill
# after watching the spool, which a fast run could outrun.
{ (PRIVACY_TEST_KILL_BEFORE_COMMIT=121 exec notify --pending >first.out 2>first.err); rc=$?; } 2>/dev/null
is "$rc" 137 "notify killed right before its 121st commit"
got=$(nmails)
ok $((got >= 120 && got < 500 ? 0 : 1)) "killed in the middle of the drain ($got of 500 sent)"
done1=$(sql "SELECT count(*) FROM events WHERE status = 'delivered'")
ok $((done1 >= got - 1 && done1 <= got ? 0 : 1)) "the database knows all but at most the message in flight ($done1 marked)"
is "$got $done1" "121 120" "exactly: 120 recorded, the 121st in flight"
is "$(sql 'PRAGMA integrity_check')" "ok" "the database is intact after kill -9"

# Then a run killed in the middle of its 100th message (the body half
# sent, PRIVACY_TEST_KILL_IN_SEND): the first it sends is the one in
# flight (again, the one duplicate), then 98 new ones; the server keeps
# nothing of the cut message, and nothing is marked delivered for it.
{ (PRIVACY_TEST_KILL_IN_SEND=100 exec notify --pending >second.out 2>second.err); rc=$?; } 2>/dev/null
is "$rc" 137 "a second run killed in the middle of its 100th message"
is "$(nmails) $(sql "SELECT count(*) FROM events WHERE status = 'delivered'")" "220 219" \
	"the server has the 99 whole ones (one a duplicate), all of them recorded"
is "$(grep -ho 'X-Privacy-Event-Id: [0-9]*' smtp/msg/*.eml | sort -u | wc -l | tr -d ' ')" "219" \
	"and nothing of the cut message"
is "$(sql 'PRAGMA integrity_check')" "ok" "the database is intact after the second kill"

run notify --pending
status 0 "the rerun delivers the rest"
is "$(sql "SELECT count(*) FROM events WHERE status = 'delivered' AND scrubbed = 1")" "500" "all 500 delivered and scrubbed"
grep -ho 'X-Privacy-Event-Id: [0-9]*' smtp/msg/*.eml | sort | uniq -c |
	awk '{print $1}' | sort -n | uniq -c >counts
is "$(grep -ho 'X-Privacy-Event-Id: [0-9]*' smtp/msg/*.eml | sort -u | wc -l | tr -d ' ')" "500" "every event reached the server"
dups=$(grep -ho 'X-Privacy-Event-Id: [0-9]*' smtp/msg/*.eml | sort | uniq -d | wc -l | tr -d ' ')
ok $((dups <= 1 ? 0 : 1)) "at most one duplicate: the message in flight ($dups)"
is "$dups" 1 "exactly one: the message in flight at the first kill"
is "$(awk '$2 > 2' counts)" "" "no event came three times"
is "$(sql "SELECT count(*) FROM audit WHERE action = 'notify.deliver'")" "500" "each delivery audited once"

run notify --pending
status 0 "a third run"
is "$(stdout)" "" "finds nothing to do"

done_testing
