/* t-import.c - unit tests of lib/import.c and lib/consent.c: tombstones
 * stop an import from re-creating erased customers; consent states. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "consent.h"
#include "db.h"
#include "import.h"
#include "location.h"
#include "tap.h"
#include "tombstone.h"

static char tmpdir[] = "/tmp/t-import.XXXXXX";
static char msgs[4096];

static void collect(void *arg, const struct pv_err *e)
{
	(void)arg;
	strncat(msgs, e->msg, sizeof msgs - strlen(msgs) - 2);
	strcat(msgs, "\n");
}

static int import(sqlite3 *db, const char *path, enum pv_import_kind k,
		  const char *csv, struct pv_import_stats *s, struct pv_err *e)
{
	struct pv_import_opts o = {0};
	struct pv_input *in = pv_input_mem("in.csv", csv, strlen(csv),
					   PV_FMT_AUTO);
	int st;

	o.db_path = path;
	msgs[0] = '\0';
	pv_err_clear(e);
	st = pv_import(db, k, in, &o, collect, NULL, s, e);
	pv_input_close(in);
	return st;
}

static long long count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static const char *state(sqlite3 *db, long long id, const char *purpose)
{
	enum pv_consent_state s = PV_CONSENT_NONE;
	static struct pv_err e;

	if (pv_consent_state(db, id, purpose, &s, NULL, NULL, &e))
		return e.msg;
	return pv_consent_state_name(s);
}

int main(void)
{
	struct pv_import_stats s;
	struct pv_err e = {0};
	struct pv_tomb *t = NULL;
	sqlite3 *db = NULL;
	char *path, *cmd;
	int st;

	setenv("PRIVACY_NOW", "2026-11-29T12:00:00Z", 1);
	pv_clock_init(&e);
	if (!mkdtemp(tmpdir))
		return 1;
	path = xasprintf("%s/privacy.db", tmpdir);
	st = pv_db_open(path, PV_DB_RW | PV_DB_CREATE, &db, &e);
	is_int(st, 0, "database created");
	is_int(pv_location_add(db, "mitte", "Salon Mitte", NULL, NULL, &e), 0,
	       "location added");

	/* no key file yet: nobody was erased, everything is imported */
	st = import(db, path, PV_IMPORT_CUSTOMERS,
		    "external_id,email\nK-1,a@example.org\n", &s, &e);
	is_int(st, PV_OK, "import without a tombstone key");
	is_int(s.inserted, 1, "inserted");

	/* erase two customers' identities into tombstones */
	is_int(pv_tomb_open(path, 1, &t, &e), 0, "tombstone key created");
	is_int(pv_tomb_add(t, db, "mitte", "K-2", NULL, NULL, &e), 0,
	       "tombstone for an external id");
	is_int(pv_tomb_add(t, db, "mitte", NULL, "Gone@Example.org", NULL, &e),
	       0, "tombstone for an e-mail address");
	pv_tomb_close(t);

	st = import(db, path, PV_IMPORT_CUSTOMERS,
		    "external_id,email\nK-1,a@example.org\nK-2,b@example.org\n"
		    "K-3, gone@example.org\nK-4,d@example.org\n", &s, &e);
	is_int(st, PV_DATAERR, "a bad e-mail cell (leading space) is bad data");
	st = import(db, path, PV_IMPORT_CUSTOMERS,
		    "external_id,email\nK-1,a@example.org\nK-2,b@example.org\n"
		    "K-3,gone@example.org\nK-4,d@example.org\n", &s, &e);
	/* (issue 15: only the external id blocks; the erased e-mail under
	 * a new id is a returning customer, a new relationship) */
	is_int(st, PV_OK, "a sync with an erased customer is not partial");
	is_int(s.inserted, 2, "the new customer and the returning one");
	is_int(s.unchanged, 1, "the known one is unchanged");
	is_int(s.skipped, 1, "the erased record is skipped");
	is_int(s.returning, 1, "the returning customer counted");
	ok(strstr(msgs, "in.csv:3: external_id: matches a customer erased "
		  "earlier: not re-created") != NULL, "skip by external id reported");
	ok(strstr(msgs, "in.csv:4: email: matches a customer erased "
		  "earlier: imported as a new customer relationship") != NULL,
	   "the returning customer reported");
	ok(strstr(msgs, "gone@") == NULL, "no address in the report");
	is_int(count(db, "SELECT count(*) FROM customers WHERE external_id "
		     "= 'K-2'"), 0, "the erased record not re-created");
	is_int(count(db, "SELECT count(*) FROM customers"), 3,
	       "three customers");

	/* consent states */
	st = import(db, path, PV_IMPORT_CONSENTS,
		    "customer_external_id,purpose,event,at,source,evidence_ip,"
		    "text_version\n"
		    "K-1,marketing-email,granted,2017-01-01,staff,,\n"
		    "K-1,marketing-sms,granted,2019-01-01,booking-form,"
		    "192.0.2.1,v1\n"
		    "K-4,marketing-email,granted,2020-01-01,booking-form,,\n",
		    &s, &e);
	is_int(st, PV_OK, "consent events imported");
	is_str(state(db, 1, "marketing-email"), "needs-repermission",
	       "pre-2018 grant without proof");
	is_str(state(db, 1, "marketing-sms"), "valid", "grant with evidence");
	is_str(state(db, 3, "marketing-email"), "unproven",
	       "post-2018 grant without evidence");
	is_str(state(db, 3, "marketing-sms"), "none", "no events");
	st = import(db, path, PV_IMPORT_CONSENTS,
		    "customer_external_id,purpose,event,at,source\n"
		    "K-1,marketing-email,confirmed,2026-01-01,double-opt-in\n",
		    &s, &e);
	is_int(st, PV_OK, "confirmation imported");
	is_str(state(db, 1, "marketing-email"), "valid",
	       "a confirmation makes it valid");

	pv_db_close(db);
	cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		perror("rm");
	free(cmd);
	free(path);
	return done_testing();
}
