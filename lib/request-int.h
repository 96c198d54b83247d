/*
 * request-int.h - what request.c shares with request-process.c and
 * check.c; not part of the library's API.
 */
#ifndef PV_REQUEST_INT_H
#define PV_REQUEST_INT_H

#include <sqlite3.h>
#include <time.h>

#include "cfg.h"
#include "util.h"

struct pv_req {
	long long id, location_id, customer_id;
	char slug[64], tz[64], region[16], mode[16];
	char type[16], channel[16], status[16];
	time_t received, verify_expires;
	long due, xdue; /* day numbers; xdue -1 when not extended */
	char verify_hash[65];
	int attempts, resends;
	int unknown; /* nobody matched the address that asked */
};

int pv_req_answer_unknown(sqlite3 *db, const struct pv_req *r,
			  char **result, struct pv_err *e);
int pv_req_fulfil_person(sqlite3 *db, const struct pv_req *r,
			 const char *note, char **result, struct pv_err *e);
/* objection, restriction, rectification: done on the customer's record */
int pv_req_on_record(const struct pv_req *r);

int pv_req_in_list(const char *const *list, const char *s);
int pv_req_is_final(const char *status);
long pv_req_due(const struct pv_req *r);
int pv_req_load(sqlite3 *db, long long id, struct pv_req *r,
		struct pv_err *e);
void pv_req_fill(sqlite3_stmt *st, struct pv_req *r);
int pv_req_history(sqlite3 *db, long long id, const char *status,
		   const char *note, struct pv_err *e);
int pv_req_change(sqlite3 *db, const struct pv_req *r, const char *status,
		  const char *action, const char *note, const char *detail,
		  struct pv_err *e);
int pv_req_due_for(const struct pv_cfg *cfg, const char *slug,
		   const char *tz, const char *region, time_t received,
		   int months, long *due, struct pv_err *e);

#endif
