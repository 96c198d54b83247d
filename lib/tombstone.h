/*
 * tombstone.h - keyed hashes of the identifiers of erased customers.
 *
 * The HMAC key is a 32-byte random file beside the database
 * ("<db>.key", 0600, created on first use with O_EXCL), never in it, so
 * that the database alone does not reveal whether a person was a customer.
 * Identifiers are normalised first: e-mail trimmed and lowercased, phone
 * in E.164 (German national forms "030 ...", "0049 30 ...", "+49 (0)30"
 * become "+4930..."), external id prefixed with the location slug.
 *
 * What blocks: only the external id, i.e. the same booking-system record
 * coming back (a re-sync).  A match of e-mail address or phone alone is
 * the same person (or a family landline) with a new record: a new
 * customer relationship, which the import lets in with a notice.
 *
 * The tombstone log "<db>.tombstones" (0600, beside the key, appended
 * only) repeats every tombstone outside the database, one line each:
 * "erase AT KIND HASH", and "unblock AT external_id HASH" when staff
 * lifted a block.  A restored backup lacks the erasures made after it;
 * the log has them (pv_tomb_log_scan).
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

/* Write tombstones for whichever identifiers are not NULL/empty; their
 * log lines wait in memory for pv_tomb_log_write (after the erasure is
 * done) or pv_tomb_log_drop (it failed). */
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

/* Append the waiting log lines (PV_IOERR; PV_NOPERM when the log is
 * readable or writable by group or others); drop them; fdatasync what
 * was written (before the erasures' commit). */
int pv_tomb_log_write(struct pv_tomb *t, struct pv_err *e);
void pv_tomb_log_drop(struct pv_tomb *t);
int pv_tomb_log_sync(struct pv_tomb *t, struct pv_err *e);

/* A live customer whose external id the log says was erased. */
struct pv_tomb_found {
	long long customer_id, location_id;
};

/*
 * Compare the log with the database (a restored backup): *found (caller
 * frees) gets the live customers whose external id was erased and not
 * unblocked since, *missing the number of the log's tombstones the
 * database lacks; with restore, those are inserted again (the caller's
 * transaction).  PV_CONFIG when there is a log but no key; PV_NOPERM
 * for a log readable by others.
 */
int pv_tomb_log_scan(struct pv_tomb *t, sqlite3 *db, int restore,
		     struct pv_tomb_found **found, size_t *nfound,
		     long long *missing, struct pv_err *e);

/*
 * Lift the block of location slug + external id (staff: the same
 * booking-system record may come back), with a reason, in one
 * transaction: the tombstone goes, the reason is kept in
 * tombstone_lifts, the audit says "customer.unblock" (location, lift
 * id: no reason, it may name people), and the log gets an "unblock"
 * line so that a restored backup does not block it again.  PV_USAGE
 * without a reason; PV_NOINPUT when nothing blocks it.
 */
int pv_tomb_unblock(struct pv_tomb *t, sqlite3 *db, const char *slug,
		    const char *external_id, const char *reason, int dry_run,
		    struct pv_err *e);

/* A phone number in E.164 into b (appended): German national and
 * international forms become "+49..."; 0, or -1 when it is no phone
 * number (fewer than 3 digits, too long).  For customer list --phone. */
int pv_phone_e164(const char *v, struct pv_buf *b);

#endif
