/*
 * subject.h - which customer a command or a record is about.
 *
 * Shared by dsar-export, dsar-erase, consent-send and the request
 * commands, so that "selection as in dsar-export" means the same
 * everywhere.  A record selects its subject by the first of request_id,
 * customer_id, external_id (with location), email (with optional
 * location) that it has; other fields are ignored, so the output of one
 * tool is the input of the next.
 */
#ifndef PV_SUBJECT_H
#define PV_SUBJECT_H

#include <sqlite3.h>

#include "rec.h"
#include "util.h"

struct pv_subject {
	long long customer_id;
	long long location_id;
	long long request_id; /* 0 unless selected through a request */
};

/*
 * From a record.  Errors carry "file:line: " in front: PV_DATAERR when
 * the record names no subject or a malformed one, or when an e-mail
 * address without location matches customers in several locations;
 * PV_NOINPUT when the named customer or request does not exist (or the
 * request no longer points at a customer).  No personal data in messages
 * unless pv_verbose.
 */
int pv_subject_from_rec(sqlite3 *db, const struct pv_rec *r,
			struct pv_subject *s, struct pv_err *e);

/*
 * From the options of a command: exactly one of request, customer, email,
 * external_id (which needs location; email may have one).  NULL for the
 * ones not given.  PV_USAGE when none or several are given.
 */
struct pv_subject_opts {
	const char *request, *customer, *email, *external_id, *location;
};
int pv_subject_given(const struct pv_subject_opts *o); /* any given? */
int pv_subject_from_opts(sqlite3 *db, const struct pv_subject_opts *o,
			 struct pv_subject *s, struct pv_err *e);

/* The fields by which a record selects its subject (NULL-terminated),
 * for pv_input_need_one. */
extern const char *const pv_subject_keys[];

#endif
