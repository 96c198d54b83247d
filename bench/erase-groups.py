#!/usr/bin/python3
# bench/erase-groups.py ERASE_SQL IDS OUT NOW: the erasure baseline of
# run.sh plus the rows dsar-erase writes for each subject (tombstones, an
# outbox event, an audit entry), set-based, committed in groups of 1,000
# subjects in the order of IDS, as dsar-erase commits a stream: the floor
# of the tool at its default --commit-every.
import sys
sql, ids, out, now = sys.argv[1], open(sys.argv[2]).read().split(), sys.argv[3], sys.argv[4]
head, rest = open(sql).read().split("BEGIN;\n", 1)
body, tail = rest.split("COMMIT;\n", 1)
per = "".join("""INSERT OR IGNORE INTO tombstones (hash, kind, created_at)
  SELECT hex(randomblob(32)), '%s', '%s' FROM customers
  WHERE id IN (SELECT id FROM gone) AND %s IS NOT NULL;
""" % (k, now, k) for k in ("external_id", "email", "phone"))
per += """INSERT INTO events (type, at, location_id, customer_id, audience,
    payload, run)
  SELECT 'erasure.completed', '%s', location_id, id, 'business',
    json_object('customer', json_object('external_id', external_id,
      'first_name', first_name, 'last_name', last_name, 'email', email,
      'phone', phone), 'deleted', json_object('appointments', 10,
      'customers', 1), 'anonymised', json_object(), 'retained',
      json_object('invoices', 3)), 1
  FROM customers WHERE id IN (SELECT id FROM gone) ORDER BY id;
INSERT INTO audit (at, actor, action, object, detail, prev_hash, hash)
  SELECT '%s', 'bench', 'customer.erase', 'customer:' || id,
    json_object('location', 'x', 'deleted', json_object('appointments', 10,
      'customers', 1), 'retained', json_object('invoices', 3)),
    hex(randomblob(32)), hex(randomblob(32))
  FROM customers WHERE id IN (SELECT id FROM gone) ORDER BY id;
""" % (now, now)
head = head.replace("CREATE TEMP TABLE gone (id INTEGER PRIMARY KEY);",
                    "CREATE TEMP TABLE gone (id INTEGER PRIMARY KEY);\n"
                    "CREATE TEMP TABLE input (id INTEGER);")
head = head.replace("' gone\n", "' input\n")
with open(out, "w") as f:
    f.write(head)
    for k in range(0, len(ids), 1000):
        f.write("DELETE FROM gone;\nINSERT INTO gone SELECT id FROM input "
                "WHERE rowid > %d AND rowid <= %d;\nBEGIN;\n%s%sCOMMIT;\n"
                % (k, k + 1000, per, body))
    f.write(tail)
