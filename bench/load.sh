#!/bin/sh
# bench/load.sh - load a data set made by bench/gen into a privacyctl
# database with the plain sqlite3 shell: `.import` of each CSV into a
# staging table, then one INSERT ... SELECT into the real tables.
#
#	bench/load.sh [-a] [-i] DATADIR DB
#
# DB must already exist (privacyctl init, the locations added).  Loads the
# customers (and their marketing opt-ins as 'granted' rows of the consent
# ledger, source and time from the CSV); -a also the appointments, -i also
# the invoices.  With the same pragmas the tools use (WAL, synchronous
# FULL, foreign keys, secure_delete), so that it is a fair baseline for
# "privacyctl ... import", and the quick way to a ready database for tests
# and CI fixtures.  Empty cells become NULL.
set -eu

appts=0 invs=0
while getopts ai o; do
	case $o in
	a) appts=1 ;;
	i) invs=1 ;;
	*) echo "usage: load.sh [-a] [-i] DATADIR DB" >&2; exit 64 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { echo "usage: load.sh [-a] [-i] DATADIR DB" >&2; exit 64; }
dir=$1 db=$2
now=${PRIVACY_NOW:-2026-11-15T10:00:00Z}

# One sqlite3 process, one transaction per location and table.
{
	printf '.bail on\nPRAGMA foreign_keys = ON;\nPRAGMA secure_delete = ON;\n'
	printf 'PRAGMA synchronous = FULL;\nPRAGMA journal_mode = WAL;\n'
	printf 'CREATE TEMP TABLE c_in (external_id TEXT, location TEXT,
	  first_name TEXT, last_name TEXT, email TEXT, phone TEXT,
	  birth_date TEXT, street TEXT, postal_code TEXT, city TEXT,
	  country TEXT, notes TEXT, marketing_email TEXT,
	  marketing_opt_in_at TEXT, marketing_source TEXT);\n'
	printf 'CREATE TEMP TABLE a_in (external_id TEXT, location TEXT,
	  customer_external_id TEXT, starts_at TEXT, service TEXT, staff TEXT,
	  price_cents TEXT, notes TEXT);\n'
	printf 'CREATE TEMP TABLE i_in (number TEXT, location TEXT,
	  customer_external_id TEXT,
	  issued_on TEXT, total_cents TEXT, currency TEXT, billing_name TEXT,
	  billing_address TEXT);\n'
	for d in "$dir"/*/; do
		slug=$(basename "$d")
		case $slug in *[!a-z0-9-]*) echo "load.sh: bad location: $slug" >&2; exit 65 ;; esac
		[ -f "$d/customers.csv" ] || continue
		printf ".import --csv --skip 1 '%s' c_in\n" "$d/customers.csv"
		cat <<EOF
BEGIN;
INSERT INTO customers (location_id, external_id, first_name, last_name,
  email, phone, birth_date, street, postal_code, city, country, notes,
  created_at, updated_at)
SELECT l.id, c.external_id, NULLIF(c.first_name, ''), NULLIF(c.last_name, ''),
  NULLIF(c.email, ''), NULLIF(c.phone, ''), NULLIF(c.birth_date, ''),
  NULLIF(c.street, ''), NULLIF(c.postal_code, ''), NULLIF(c.city, ''),
  NULLIF(c.country, ''), NULLIF(c.notes, ''), '$now', '$now'
FROM c_in c JOIN locations l ON l.slug = '$slug';
INSERT INTO consents (customer_id, purpose, event, at, source, recorded_at)
SELECT cu.id, 'marketing-email', 'granted', c.marketing_opt_in_at,
  c.marketing_source, '$now'
FROM c_in c JOIN locations l ON l.slug = '$slug'
JOIN customers cu ON cu.location_id = l.id AND cu.external_id = c.external_id
WHERE c.marketing_email = 'yes';
COMMIT;
DELETE FROM c_in;
EOF
		if [ $appts = 1 ]; then
			printf ".import --csv --skip 1 '%s' a_in\n" "$d/appointments.csv"
			cat <<EOF
BEGIN;
INSERT INTO appointments (location_id, customer_id, external_id, starts_at,
  service, staff, price_cents, notes)
SELECT l.id, cu.id, a.external_id, a.starts_at, NULLIF(a.service, ''),
  NULLIF(a.staff, ''), CAST(NULLIF(a.price_cents, '') AS INTEGER),
  NULLIF(a.notes, '')
FROM a_in a JOIN locations l ON l.slug = '$slug'
JOIN customers cu ON cu.location_id = l.id
  AND cu.external_id = a.customer_external_id;
COMMIT;
DELETE FROM a_in;
EOF
		fi
		if [ $invs = 1 ]; then
			printf ".import --csv --skip 1 '%s' i_in\n" "$d/invoices.csv"
			cat <<EOF
BEGIN;
INSERT INTO invoices (location_id, customer_id, number, issued_on,
  total_cents, currency, billing_name, billing_address)
SELECT l.id, cu.id, i.number, i.issued_on, CAST(i.total_cents AS INTEGER),
  i.currency, NULLIF(i.billing_name, ''), NULLIF(i.billing_address, '')
FROM i_in i JOIN locations l ON l.slug = '$slug'
JOIN customers cu ON cu.location_id = l.id
  AND cu.external_id = i.customer_external_id;
COMMIT;
DELETE FROM i_in;
EOF
		fi
	done
	printf 'PRAGMA wal_checkpoint(TRUNCATE);\n'
} | sqlite3 -batch "$db" >/dev/null
