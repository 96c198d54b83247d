/*
 * customer.h - customers as records: one with everything stored about
 * their bookings and consent state, or a filtered list.
 *
 * Values come out exactly as they went in (the writer neutralises
 * formula-like cells only in CSV).  Lists carry customer_id and location,
 * so they select subjects for dsar-export, dsar-erase and consent-send.
 */
#ifndef PV_CUSTOMER_H
#define PV_CUSTOMER_H

#include <sqlite3.h>

#include "rec.h"
#include "util.h"

/* One customer with appointments, invoices and consent state per purpose
 * (PV_NOINPUT "no such customer: ID" when missing). */
int pv_customer_write(sqlite3 *db, long long id, struct pv_writer *w,
		      struct pv_err *e);

struct pv_customer_filter {
	long long location_id;  /* 0: all */
	const char *email;      /* exact, case-insensitive; NULL: any */
	const char *marketing;  /* valid | invalid | needs-repermission |
				   none; NULL: any (see pv_customer_list) */
	const char *inactive_before; /* RFC 3339: no appointment at or after,
					and a customer since before it
					(inactive.h) */
	int notice_passed; /* only those whose deletion notice's day has
			      come without a new booking (inactive.h) */
	const char *name;       /* contained in "first last", any case */
	const char *phone;      /* the same national number: digits compared
				 * after dropping +49, 0049 or a leading 0 */
	const char *external_id; /* exact */
	long limit;             /* not 0: at most this many */
};

/* "valid" etc.: 1 when s is a value --marketing accepts. */
int pv_customer_marketing_filter_valid(const char *s);

/*
 * Records of the matching customers, by id.  --marketing matches when
 * any purpose is in that state: valid; needs-repermission; invalid (an
 * active opt-in that is not valid: needs-repermission or unproven); none
 * (no purpose has an active opt-in).  *count gets the number written.
 */
int pv_customer_list(sqlite3 *db, const struct pv_customer_filter *f,
		     struct pv_writer *w, long long *count, struct pv_err *e);

#endif
