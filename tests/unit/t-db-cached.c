/* t-db-cached.c - unit tests of lib/db.c: the statement cache of per-record
 * look-ups (pv_db_cached) and its end with the connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "tap.h"

static const char q1[] = "SELECT id FROM locations WHERE slug = ?1";
static const char q2[] = "SELECT count(*) FROM locations";

int main(void)
{
	char dir[] = "/tmp/t-db.XXXXXX", *path;
	struct pv_err e = {0};
	sqlite3 *a = NULL, *b = NULL;
	sqlite3_stmt *s1, *s2, *s3, *s4;
	int n;

	if (!mkdtemp(dir))
		return 1;
	path = xasprintf("%s/t.db", dir);
	ok(pv_db_open(path, PV_DB_RW | PV_DB_CREATE, &a, &e) == PV_OK,
	   "create a database");
	ok(pv_db_open(path, PV_DB_RO, &b, &e) == PV_OK, "a second connection");

	s1 = pv_db_cached(a, q1, &e);
	ok(s1 != NULL, "prepared on first use");
	pv_bind_text(s1, 1, "x");
	ok(sqlite3_step(s1) == SQLITE_DONE, "runs");
	sqlite3_reset(s1);
	s2 = pv_db_cached(a, q1, &e);
	is_int(s2 == s1, 1, "the same statement again, not prepared anew");
	is_int(sqlite3_bind_parameter_count(s2), 1, "its parameters");
	ok(sqlite3_sql(s2) && strcmp(sqlite3_sql(s2), q1) == 0, "its SQL");
	s3 = pv_db_cached(a, q2, &e);
	ok(s3 && s3 != s1, "another SQL text: another statement");
	s4 = pv_db_cached(b, q1, &e);
	ok(s4 && s4 != s1 && sqlite3_db_handle(s4) == b,
	   "another connection: its own statement");
	ok(sqlite3_step(s4) == SQLITE_DONE, "bindings were cleared (NULL slug)");
	sqlite3_reset(s4);

	pv_db_close(a);
	pv_db_close(b);
	/* no statement of a closed connection is handed out again */
	ok(pv_db_open(path, PV_DB_RO, &b, &e) == PV_OK, "reopen");
	s1 = pv_db_cached(b, q2, &e);
	ok(s1 && sqlite3_db_handle(s1) == b, "a new connection gets a new "
	   "statement");
	ok(sqlite3_step(s1) == SQLITE_ROW, "that runs");
	sqlite3_reset(s1);
	n = 0;
	for (sqlite3_stmt *st = NULL; (st = sqlite3_next_stmt(b, st));)
		n++;
	is_int(n, 1, "one statement prepared on the new connection");
	pv_db_close(b);

	unlink(path);
	free(path);
	path = xasprintf("%s/t.db-wal", dir);
	unlink(path);
	free(path);
	path = xasprintf("%s/t.db-shm", dir);
	unlink(path);
	free(path);
	rmdir(dir);
	return done_testing();
}
