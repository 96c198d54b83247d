/*
 * request.h - privacy requests (Art. 15-21 GDPR): intake, identity check,
 * legal deadlines, extension, rejection, completion, automatic fulfilment.
 *
 * Statuses: unverified (waiting for the code sent to the customer),
 * received (identity not checked by the suite), verified (by the code or
 * by staff, who say how), in-progress (fulfilment started or failed: see
 * error, retried by process), completed, rejected, cancelled (withdrawn
 * by the person who asked).  The last three are final.
 *
 * Every change of state is one transaction holding the change, a
 * request_history row, an audit entry (ids only) and, where somebody must
 * be told, an outbox event:
 *   request.verification  customer  the one-time code (payload "code",
 *                                   "7KQ4-M2XD", and "expires")
 *   request.received      business  a request arrived (or was verified)
 *   request.receipt       customer  the same, at a manual location
 *   request.extended      customer  the new due date and the reason
 *   request.rejected      customer  the reason
 *   request.cancelled     business  withdrawn by the customer: the reason
 *   request.completed     business  fulfilled automatically
 *   export.ready          customer  an access export (lib/export.h: PV_EXPORT_EVENT)
 *
 * Deadlines: calendar.h (pv_cal_due) in the location's zone, holiday
 * region and extra days (holidays.SLUG in the config).  Refusals carry
 * the request id, never personal data.
 */
#ifndef PV_REQUEST_H
#define PV_REQUEST_H

#include <sqlite3.h>
#include <time.h>

#include "cfg.h"
#include "rec.h"
#include "subject.h"
#include "util.h"

/* Valid values, NULL-terminated, for messages and checks. */
extern const char *const pv_request_types[];
extern const char *const pv_request_channels[];
extern const char *const pv_request_statuses[];

enum {
	PV_VERIFY_ATTEMPTS = 5,      /* wrong codes before a code is dead */
	PV_VERIFY_HOURS = 24,        /* a code's lifetime */
	PV_VERIFY_RESENDS = 3,       /* fresh codes after the first */
	PV_CODE_LEN = 8,             /* Crockford base32 characters */
	PV_DUE_SOON_DAYS = 7,        /* check: "due within" */
};

struct pv_request_in {
	const char *type;      /* one of pv_request_types */
	const char *channel;   /* one of pv_request_channels; NULL: email */
	long long customer_id; /* the subject; 0: nobody matched email */
	long long location_id; /* the customer's location, or the one the
				* request came to */
	time_t received;       /* 0: now */
	int verified;          /* the caller vouches for the identity */
	const char *email;     /* the address that asked; kept (and answered)
				* only when customer_id is 0 */
	int *duplicate;        /* out (may be NULL): 1 when an open request
				* of this type for this subject existed */
	int by_email;          /* the subject was named by e-mail address:
				* the request covers the customers of that
				* address at every location (J9) */
};

/*
 * Intake.  At a self-service location a booking-form request that is not
 * verified starts "unverified" and a fresh code goes to the address on
 * file (PV_DATAERR when the customer has none); otherwise it is
 * "verified" (with verified) or "received", and the business is told.
 * PV_USAGE for a bad type or channel or a receipt in the future.  *id gets
 * the new request's id.
 *
 * A person we hold nothing about (customer_id 0, email the address that
 * asked) is recorded all the same (Art. 15 wants an answer within the
 * month), with the same statuses, code mail and deadline as a customer,
 * so that nothing outward tells the two apart; completing or processing
 * it answers the address that asked: request.no-data ("we hold no data
 * about you") or, for an erasure, request.nothing-to-erase.
 *
 * The same request again (an open one of the same type for the same
 * subject) makes no second request, deadline or mail: *id gets the open
 * one, whose history and the audit log (request.duplicate) note the
 * repeat, and *in->duplicate is set.
 */
/*
 * The subject of a new request from a command's options (subject.h): a
 * customer, or, for an --email that matches nobody, the address that
 * asked at the named location (or the first one).  An --email names the
 * person at every location (J9): without --location, or when the named
 * location has no customer with it but another location has, the request
 * is the first such customer's (by_email set, so that pv_request_new
 * links the others).  privacyctl request new and privacy-web's form both
 * come through here.  Fills customer_id, location_id, email and by_email
 * of in.  PV_USAGE for a customer named with
 * another location; the errors of pv_subject_from_opts otherwise.
 */
struct pv_subject_opts;
int pv_request_subject(sqlite3 *db, const struct pv_subject_opts *so,
		       struct pv_request_in *in, struct pv_err *e);

/*
 * The customers a request by e-mail address covers besides its own: the
 * same address at the controller's other locations, linked at intake
 * (issue 14, J9); an erased one is no longer linked.  *out (n of them,
 * request_id 0) is the caller's to free.
 */
int pv_request_linked(sqlite3 *db, long long id, struct pv_subject **out,
		      size_t *n, struct pv_err *e);

/* The request's type and channel are known ones (PV_USAGE if not): checked
 * before the subject is looked up, so that a typo is a usage error. */
int pv_request_in_check(const struct pv_request_in *in, struct pv_err *e);

int pv_request_new(sqlite3 *db, const struct pv_cfg *cfg,
		   const struct pv_request_in *in, long long *id,
		   struct pv_err *e);

/*
 * Identity check by the code the customer received.  The request must be
 * unverified (PV_DATAERR otherwise); case, spaces and dashes do not
 * count, nor I/L for 1 or O for 0.  A wrong code is PV_DATAERR and
 * counted (audited) in the same transaction that read the count; the
 * code is refused with PV_NOPERM after PV_VERIFY_ATTEMPTS wrong ones or
 * PV_VERIFY_HOURS after it was sent.  PV_USAGE for a NULL or empty code,
 * PV_NOINPUT for an unknown id.  Codes are kept only as an HMAC under the
 * key file "<db>.code-key" beside the database.
 */
int pv_request_verify(sqlite3 *db, long long id, const char *code,
		      struct pv_err *e);
/*
 * Identity checked by staff by other means (method, e.g. "ID card at the
 * counter", kept on the request as verified_by and in its history, not in
 * the audit log): for an unverified or received request (PV_DATAERR
 * otherwise; PV_USAGE without a method).  Any pending code dies.
 */
int pv_request_verify_by(sqlite3 *db, long long id, const char *method,
			 struct pv_err *e);
/*
 * A fresh code for an unverified request, mailed to the address on file;
 * the old one dies and the attempts start again.  At most
 * PV_VERIFY_RESENDS times (PV_NOPERM after that: staff check the identity
 * by other means); PV_DATAERR for a request not waiting for a code or a
 * customer without an address.  Audited.
 */
int pv_request_resend_code(sqlite3 *db, long long id, struct pv_err *e);
/*
 * PV_OK when request id may be fulfilled as far as the identity goes:
 * verified (or later), or received with unchecked_ok (staff accept it
 * unchecked).  PV_DATAERR for unverified, and for received without
 * unchecked_ok, with what to do.  Final statuses are not judged here.
 */
int pv_request_identity_checked(sqlite3 *db, long long id, int unchecked_ok,
				struct pv_err *e);

/*
 * Extend the deadline by 1 or 2 further months (Art. 12(3)): once, with a
 * reason, only while the first deadline has not passed (PV_DATAERR with
 * the reason otherwise; PV_USAGE for a bad by or an empty reason).  The
 * customer is told.
 */
int pv_request_extend(sqlite3 *db, const struct pv_cfg *cfg, long long id,
		      int by, const char *reason, struct pv_err *e);
/* Reject an open request with a reason (PV_USAGE without); the customer
 * is told. */
int pv_request_reject(sqlite3 *db, long long id, const char *reason,
		      struct pv_err *e);
/* Withdrawn by the customer: an open request becomes cancelled with the
 * reason (PV_USAGE without); no mail to the customer, the business is
 * told. */
int pv_request_cancel(sqlite3 *db, long long id, const char *reason,
		      struct pv_err *e);
/* Mark an open, identity-checked request completed (by hand); note may be
 * NULL.  A received request needs unchecked_ok (identity_checked). */
int pv_request_complete(sqlite3 *db, long long id, const char *note,
			int unchecked_ok, struct pv_err *e);

/*
 * For dsar-export and dsar-erase, inside the caller's transaction: record
 * the result (a JSON object text) of fulfilling request id.  With
 * PV_RESULT_COMPLETE in flags the request becomes completed, else
 * in-progress; its error is cleared.  A final request is refused
 * (PV_DATAERR), so that a request is never fulfilled twice, and so is one
 * whose identity was not checked (pv_request_identity_checked, with
 * PV_RESULT_UNCHECKED_OK as unchecked_ok).  Audited.
 */
enum { PV_RESULT_COMPLETE = 1, PV_RESULT_UNCHECKED_OK = 2 };
int pv_request_record_result(sqlite3 *db, long long id, const char *result,
			     int flags, struct pv_err *e);
/* In its own transaction: the request failed with msg (no personal data);
 * it becomes in-progress with the error, for process to retry.  The same
 * error again changes nothing (no new history on every retry). */
int pv_request_record_error(sqlite3 *db, long long id, const char *msg,
			    struct pv_err *e);

/* Records: one request (with its history), or a filtered list. */
int pv_request_show(sqlite3 *db, long long id, struct pv_writer *w,
		    struct pv_err *e);
/* The record request new prints: as show, with "duplicate". */
int pv_request_show_intake(sqlite3 *db, long long id, int duplicate,
			   struct pv_writer *w, struct pv_err *e);
struct pv_request_filter {
	const char *status, *type, *location; /* NULL: any */
	int overdue;        /* only open requests past their deadline */
	time_t due_before;  /* not 0: only open ones not yet overdue whose
			     * deadline ends at or before this time */
	const char *event;  /* not NULL: add "event" and "at" (now) to each
			     * record, so that a list pipes into notify */
	/* more statuses and types (a repeated --status adds): a request
	 * matches when it has any of them, or status / type */
	const char *const *statuses, *const *types;
	int nstatus, ntype;
	int open;           /* only requests not completed, rejected or
			     * cancelled */
	long limit;         /* not 0: at most this many */
	/* not NULL: a request for which skip returns 1 is left out, -1
	 * stops the list with e set (check --new, remind.h) */
	int (*skip)(sqlite3 *db, long long id, const char *event,
		    const char *status, long due, long days,
		    struct pv_err *e);
	long skip_days;     /* passed to skip: the repeat interval */
};
/* 1 when request id is of this type and completed (a re-run of a
 * finished erasure or export is then no error), else 0. */
int pv_request_completed(sqlite3 *db, long long id, const char *type);

/* *n gets the number written. */
int pv_request_list(sqlite3 *db, const struct pv_request_filter *f,
		    struct pv_writer *w, long *n, struct pv_err *e);

/*
 * Fulfil the verified access, portability and erasure requests of
 * self-service locations (or of one, slug not NULL), at most limit
 * (0: all), oldest first, each in its own transaction, and write one
 * record per request.  Requests that failed before (in-progress with an
 * error) are retried; a failure is recorded on the request and the run
 * goes on (PV_PARTIAL).  Manual locations are never touched.
 */
int pv_request_process(sqlite3 *db, const struct pv_cfg *cfg,
		       const char *db_path, const char *slug, long limit,
		       int dry_run, struct pv_writer *w, struct pv_err *e);

#endif
