/* t-db.c - unit tests of lib/db.c: the per-connection statement cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "tap.h"

static char tmpdir[] = "/tmp/t-db.XXXXXX";

int main(void)
{
	static const char q[] = "SELECT ?1 + 1";
	char path[256], sql[32];
	struct pv_err e = {0};
	sqlite3 *a, *b;
	sqlite3_stmt *s1, *s2, *s3;

	if (!mkdtemp(tmpdir))
		return 1;
	snprintf(path, sizeof path, "%s/t.db", tmpdir);
	ok(pv_db_open(path, PV_DB_RW | PV_DB_CREATE, &a, &e) == 0, "open a");
	ok(pv_db_open(path, PV_DB_RW, &b, &e) == 0, "open b");

	s1 = pv_db_stmt(a, q, &e);
	ok(s1 != NULL, "prepared");
	sqlite3_bind_int(s1, 1, 41);
	ok(sqlite3_step(s1) == SQLITE_ROW, "steps");
	is_int(sqlite3_column_int(s1, 0), 42, "with its binding");
	/* left un-reset on purpose: the cache resets it */
	snprintf(sql, sizeof sql, "%s", q); /* same text, other pointer */
	s2 = pv_db_stmt(a, sql, &e);
	ok(s2 == s1, "the same SQL text gives the same statement");
	ok(!sqlite3_stmt_busy(s2), "reset when handed out again");
	ok(sqlite3_step(s2) == SQLITE_ROW &&
	   sqlite3_column_type(s2, 0) == SQLITE_NULL,
	   "with its bindings cleared (NULL + 1 is NULL)");
	sqlite3_reset(s2);
	ok(pv_db_stmt(a, "SELECT 2", &e) != s1, "another SQL text, another one");
	s3 = pv_db_stmt(b, q, &e);
	ok(s3 && s3 != s1 && sqlite3_db_handle(s3) == b,
	   "another connection has its own");
	ok(pv_db_stmt(a, "SELECT nonsense FROM nowhere", &e) == NULL,
	   "bad SQL: NULL");
	ok(e.status != 0 && strstr(e.msg, "nowhere") != NULL,
	   "with the error set");
	ok(pv_db_stmt(a, "SELECT nonsense FROM nowhere", &e) == NULL,
	   "and fails again (nothing cached)");

	/* closing forgets the connection's statements: a connection opened
	 * later (maybe at the same address) prepares its own */
	pv_db_close(a);
	ok(pv_db_stmt(b, q, &e) == s3, "the other connection keeps its own");
	ok(pv_db_open(path, PV_DB_RW, &a, &e) == 0, "open a again");
	s1 = pv_db_stmt(a, q, &e);
	ok(s1 && s1 != s3 && sqlite3_db_handle(s1) == a,
	   "a new connection gets a statement of its own");
	sqlite3_bind_int(s1, 1, 1);
	ok(sqlite3_step(s1) == SQLITE_ROW && sqlite3_column_int(s1, 0) == 2,
	   "which works");
	sqlite3_reset(s1);
	pv_db_close(a);
	pv_db_close(b);

	unlink(path);
	snprintf(path, sizeof path, "%s/t.db-wal", tmpdir);
	unlink(path);
	snprintf(path, sizeof path, "%s/t.db-shm", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	return done_testing();
}
