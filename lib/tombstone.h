/*
 * tombstone.h - keyed hashes of the identifiers of erased customers.
 *
 * The HMAC key is a 32-byte random file beside the database
 * ("<db>.key", 0600, created on first use with O_EXCL), never in it, so
 * that the database alone does not reveal whether a person was a customer.
 * Identifiers are normalised first: e-mail trimmed and lowercased, phone
 * reduced to its digits (a leading + kept), external id prefixed with the
 * location slug.
 */
#ifndef PV_TOMBSTONE_H
#define PV_TOMBSTONE_H

#include <sqlite3.h>

#include "util.h"

struct pv_tomb;
/* Load (create=1: create when missing) the key beside db_path. */
int pv_tomb_open(const char *db_path, int create, struct pv_tomb **out,
		 struct pv_err *e);
void pv_tomb_close(struct pv_tomb *t);

/* Write tombstones for whichever identifiers are not NULL/empty. */
int pv_tomb_add(struct pv_tomb *t, sqlite3 *db, const char *location_slug,
		const char *external_id, const char *email, const char *phone,
		struct pv_err *e);
/* Which of the identifiers match a tombstone, as PV_TOMB_* bits (0 when
 * none), -1 on error.  A missing key file means nobody was erased yet: 0. */
enum { PV_TOMB_EXTERNAL_ID = 1, PV_TOMB_EMAIL = 2, PV_TOMB_PHONE = 4 };
int pv_tomb_match(struct pv_tomb *t, sqlite3 *db, const char *location_slug,
		  const char *external_id, const char *email,
		  const char *phone, struct pv_err *e);

/*
 * The keyed hash (hex HMAC-SHA-256) of one normalised identifier, as
 * stored in tombstones; kind "external_id", "email" or "phone".  Used as
 * the keyed subject reference of retained records, so that a later
 * access request can still find them without the database naming the
 * person.  0 with out filled, -1 when there is no key or no value.
 */
int pv_tomb_hash(struct pv_tomb *t, const char *kind, const char *slug,
		 const char *value, char out[65]);

#endif
