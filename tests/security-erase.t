#!/bin/bash
# Erased values leave no bytes behind (SECURITY.md, "Erasure"): after
# dsar-erase, and after notify has delivered and scrubbed the
# erasure.completed event, none of the subject's distinctive values is in
# the raw bytes of the database, its -wal, -shm or a journal; with the
# customer's pages checkpointed into the main file before the erasure (the
# secure_delete case) and with them still in the WAL because another
# connection keeps the database open (the WAL truncation case).  The send
# journals (campaign_messages, the outbox's replies) keep no copy of the
# address, and a campaign message not yet sent is cancelled.
. "$(dirname "$0")/lib.sh"

export PRIVACY_NOW=2026-06-01T10:00:00Z
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl settings set mitte notify-email=team@salon.example >/dev/null
salon_config >config.yaml
export PRIVACY_CONFIG=$SCRATCH/config.yaml

# customer ID: distinctive values in every personal field (M is unique
# per customer, so that another customer's values never match).
customer() {
	local id=$1 m="Qx${1}Zv"
	sql "INSERT INTO customers (id, location_id, external_id, first_name,
		last_name, email, phone, birth_date, street, postal_code, city,
		notes, created_at, updated_at) VALUES ($id, 1, 'EXT$m',
		'Zacharias$m', 'Vandermeulen$m', 'zq.$m@erase-me.example',
		'+49 171 555$id$id$id', '1971-07-0$id', 'Quxbertweg $m',
		'PC$m', 'Stadt$m', 'Allergie gegen Salbe $m', '2020-01-01',
		'2020-01-01');
	INSERT INTO appointments (location_id, customer_id, external_id,
		starts_at, service, staff, price_cents, notes) VALUES
		(1, $id, 'A$id', '2025-05-10T10:00:00Z', 'cut', 'Eva', 4500,
		'Termin-Notiz $m');"
}
values() {
	local m="Qx${1}Zv"
	printf '%s\n' "EXT$m" "Zacharias$m" "Vandermeulen$m" \
		"zq.$m@erase-me.example" "+49 171 555$1$1$1" "Quxbertweg $m" \
		"PC$m" "Stadt$m" "Allergie gegen Salbe $m" "Termin-Notiz $m"
}
# residue ID: the values of customer ID found in the raw bytes of the
# database and its side files, one "value@file" a line
residue() {
	local v f
	while read -r v; do
		for f in "$PRIVACY_DB" "$PRIVACY_DB-wal" "$PRIVACY_DB-shm" \
			 "$PRIVACY_DB-journal"; do
			[ -e "$f" ] || continue
			grep -qaF -- "$v" "$f" && echo "$v@${f##*/}"
		done
	done < <(values "$1")
}
# nres ID: in how many values of customer ID the bytes still hold
nres() { residue "$1" | sed 's/@[^@]*$//' | sort -u | wc -l; }

# ---- 1: checkpointed into the main file, then erased (secure_delete) ---
customer 1
customer 2
sqlite3 -batch "$PRIVACY_DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
is "$(nres 1)" "10" "before: every value of customer 1 is in the bytes (the grep sees them)"
run dsar-erase --customer 1
status 0 "erase customer 1"
is "$(sql "SELECT count(*) FROM events WHERE type = 'erasure.completed' AND customer_id = 1 AND status = 'pending'")" "1" \
	"the business is to be told (its event holds name, address, phone)"
# By design the pending event carries what the business needs to find the
# customer elsewhere; nothing else may be left.
left=$(residue 1 | grep -vxF -e "EXTQx1Zv@privacy.db" -e "ZachariasQx1Zv@privacy.db" \
	-e "VandermeulenQx1Zv@privacy.db" -e "zq.Qx1Zv@erase-me.example@privacy.db" \
	-e "+49 171 555111@privacy.db")
is "$left" "" "after dsar-erase only the pending event's fields are left (notes, street, appointment notes gone)"
is "$(stat -c %s "$PRIVACY_DB-wal" 2>/dev/null || echo 0)" "0" "the WAL is truncated"

# notify delivers the event and scrubs its payload: nothing is left
run notify --pending --transport dir:"$SCRATCH/mail"
status 0 "notify delivers erasure.completed"
is "$(sql "SELECT status || ' ' || scrubbed FROM events WHERE customer_id = 1")" "delivered 1" "delivered and scrubbed"
is "$(residue 1)" "" "after notify no value of customer 1 is in the db, -wal, -shm or journal bytes"
is "$(nres 2)" "10" "customer 2 is still all there (control)"

# ---- 2: the customer still in the WAL, another connection open --------
# A second process holds the database open, so that no connection's close
# checkpoints: customer 3 lives only in the WAL when it is erased.
mkfifo hold.fifo
/usr/bin/python3 - "$PRIVACY_DB" <<'PY' &
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("SELECT count(*) FROM customers").fetchall()
open("hold.ready", "w").close()
open("hold.fifo").read()  # until the test writes to it
db.close()
PY
holder=$!
_pids="$_pids $holder"
for _ in $(seq 1200); do [ -e hold.ready ] && break; sleep 0.05; done # up to a minute
customer 3
w3=$(grep -caF "ZachariasQx3Zv" "$PRIVACY_DB-wal")
m3=$(grep -caF "ZachariasQx3Zv" "$PRIVACY_DB")
is "$((w3 > 0)):$m3" "1:0" "before: customer 3 is in the WAL only"
run dsar-erase --customer 3
status 0 "erase customer 3 while another connection is open"
is "$(stat -c %s "$PRIVACY_DB-wal")" "0" "the WAL is truncated although another connection is open"
run notify --pending --transport dir:"$SCRATCH/mail"
status 0 "notify delivers the second erasure.completed"
is "$(residue 3)" "" "no value of customer 3 in the db, -wal, -shm or journal bytes (connection still open)"
echo >hold.fifo
wait "$holder" 2>/dev/null
is "$(residue 3)" "" "nor after the last connection closed"

# ---- 3: the send journals of consent-send and notify -------------------
# Customer 4 has a campaign message refused by a relay that quotes the
# address, one queued, one deferred and one in flight ('sending'), an
# outbox event whose delivery failed with the address in the reply.
customer 4
addr="zq.Qx4Zv@erase-me.example"
sql "INSERT INTO campaigns (id, name, kind, created_at) VALUES
	(1, 'r1', 'repermission', '2026-05-01'), (2, 'r2', 'repermission', '2026-05-01'),
	(3, 'r3', 'repermission', '2026-05-01'), (4, 'r4', 'repermission', '2026-05-01');
INSERT INTO campaign_messages (campaign_id, customer_id, purposes, status,
	message_id, token_hash, last_reply, queued_at, attempts, next_attempt_at) VALUES
	(1, 4, 'marketing-email', 'failed', 'm1.consent@salon.example', 'h1',
	 '550 5.1.1 <$addr>: Recipient address rejected: User unknown', '2026-05-01', 1, NULL),
	(2, 4, 'marketing-email', 'queued', 'm2.consent@salon.example', 'h2', NULL, '2026-05-01', 0, NULL),
	(3, 4, 'marketing-email', 'deferred', 'm3.consent@salon.example', 'h3',
	 '451 4.7.1 <$addr>: greylisted', '2026-05-01', 1, '2026-06-01T11:00:00Z'),
	(4, 4, 'marketing-email', 'sending', 'm4.consent@salon.example', 'h4', NULL, '2026-05-01', 1, NULL);
INSERT INTO events (id, type, at, location_id, customer_id, audience, payload,
	status, attempts, last_reply) VALUES (900, 'request.rejected', '2026-05-02T00:00:00Z', 1, 4,
	'customer', '{}', 'failed', 1, '550 5.1.1 <$addr>: Recipient address rejected');
INSERT INTO deliveries (event_id, channel, status, attempts, last_reply) VALUES
	(900, 'email', 'failed', 1, '550 5.1.1 <$addr>: Recipient address rejected');"
sqlite3 -batch "$PRIVACY_DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
grep -qaF "$addr>" "$PRIVACY_DB"; ok $? "before: the quoted address is in the journals' bytes"
run dsar-erase --customer 4
status 0 "erase customer 4"
is "$(sql "SELECT campaign_id || ':' || status || ':' || coalesce(last_reply, '-') || ':' || coalesce(next_attempt_at, '-') FROM campaign_messages WHERE customer_id = 4 ORDER BY campaign_id" | tr '\n' ' ')" \
	"1:failed:-:- 2:cancelled:erased:- 3:cancelled:erased:- 4:cancelled:erased:- " \
	"unsent campaign messages are cancelled, a kept reply is purged"
is "$(sql "SELECT coalesce(e.last_reply, '-') || ' ' || coalesce(d.last_reply, '-') FROM events e JOIN deliveries d ON d.event_id = e.id WHERE e.id = 900")" "- -" \
	"the outbox keeps no reply quoting the address"
run notify --pending --transport dir:"$SCRATCH/mail"
status 0 "notify delivers the third erasure.completed"
grep -rqaF "$addr" "$PRIVACY_DB" "$PRIVACY_DB-wal" "$PRIVACY_DB-shm" 2>/dev/null
ok $((! $?)) "the address of customer 4 is nowhere in the database bytes"
is "$(residue 4)" "" "nor any other value of customer 4"
run consent-send --campaign r2 --transport dir:"$SCRATCH/campaign"
status 0 "a later run of the campaign"
grep -rqaF "$addr" "$SCRATCH/campaign" 2>/dev/null
ok $((! $?)) "mails nothing to the erased address"
is "$(nres 2)" "10" "customer 2 is still all there (control)"

done_testing
