#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "db.h"
#include "secret.h"
#include "tombstone.h"

struct pv_tomb {
	int have_key;
	unsigned char key[PV_KEY_LEN];
};

int pv_tomb_open(const char *db_path, int create, struct pv_tomb **out,
		 struct pv_err *e)
{
	struct pv_tomb *t = xcalloc(1, sizeof *t);
	char *path = pv_db_sidecar(db_path, ".key");
	int st = pv_key_file(path, "tombstone key", create, t->key, NULL, e);

	free(path);
	if (st == PV_NOINPUT && !create) {
		st = PV_OK; /* no key yet: no tombstones to match */
		pv_err_clear(e);
	}
	else if (!st)
		t->have_key = 1;
	if (st) {
		pv_tomb_close(t);
		return st;
	}
	*out = t;
	return PV_OK;
}

void pv_tomb_close(struct pv_tomb *t)
{
	if (!t)
		return;
	pv_wipe(t->key, sizeof t->key);
	free(t);
}

/* The normalised identifier, or NULL when there is none. */
static char *normalise(const char *kind, const char *slug, const char *v)
{
	struct pv_buf b = {0};

	if (!v)
		return NULL;
	while (isspace((unsigned char)*v))
		v++;
	if (!*v)
		return NULL;
	pv_buf_adds(&b, kind);
	pv_buf_addc(&b, ':');
	if (strcmp(kind, "email") == 0) {
		size_t n = strlen(v);

		while (n && isspace((unsigned char)v[n - 1]))
			n--;
		for (size_t i = 0; i < n; i++)
			pv_buf_addc(&b, (char)tolower((unsigned char)v[i]));
	} else if (strcmp(kind, "phone") == 0) {
		size_t start = b.len;

		if (*v == '+')
			pv_buf_addc(&b, '+');
		for (; *v; v++)
			if (isdigit((unsigned char)*v))
				pv_buf_addc(&b, *v);
		if (b.len - start < 3) {
			pv_buf_free(&b);
			return NULL;
		}
	} else {
		pv_buf_adds(&b, slug ? slug : "");
		pv_buf_addc(&b, ':');
		pv_buf_adds(&b, v);
	}
	return pv_buf_detach(&b);
}

static void tomb_hash(const struct pv_tomb *t, const char *s, char out[65])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256(mac, (const unsigned char *)s, strlen(s),
			       t->key);
	sodium_bin2hex(out, 65, mac, sizeof mac);
}

int pv_tomb_add(struct pv_tomb *t, sqlite3 *db, const char *slug,
		const char *external_id, const char *email, const char *phone,
		struct pv_err *e)
{
	const char *kinds[] = {"external_id", "email", "phone"};
	const char *vals[] = {external_id, email, phone};
	char at[PV_TIME_LEN], h[65];
	sqlite3_stmt *st;

	if (!t->have_key)
		return pv_fail(e, PV_SOFTWARE, "tombstone key not loaded");
	st = pv_db_stmt(db, "INSERT OR IGNORE INTO tombstones (hash, kind, "
			"created_at) VALUES (?, ?, ?)", e);
	if (!st)
		return e->status;
	pv_time_fmt(pv_now(), at);
	for (int i = 0; i < 3; i++) {
		char *n = normalise(kinds[i], slug, vals[i]);

		if (!n)
			continue;
		tomb_hash(t, n, h);
		pv_wipe(n, strlen(n));
		free(n);
		sqlite3_reset(st);
		pv_bind_text(st, 1, h);
		pv_bind_text(st, 2, kinds[i]);
		pv_bind_text(st, 3, at);
		if (sqlite3_step(st) != SQLITE_DONE) {
			int rc = pv_db_fail(db, e, "tombstone");

			sqlite3_reset(st);
			return rc;
		}
	}
	sqlite3_reset(st);
	return PV_OK;
}

int pv_tomb_match(struct pv_tomb *t, sqlite3 *db, const char *slug,
		  const char *external_id, const char *email,
		  const char *phone, struct pv_err *e)
{
	const char *kinds[] = {"external_id", "email", "phone"};
	const char *vals[] = {external_id, email, phone};
	sqlite3_stmt *st;
	char h[65];
	int found = 0;

	if (!t->have_key)
		return 0;
	st = pv_db_stmt(db, "SELECT 1 FROM tombstones WHERE hash = ?", e);
	if (!st)
		return -1;
	for (int i = 0; i < 3; i++) {
		char *n = normalise(kinds[i], slug, vals[i]);
		int rc;

		if (!n)
			continue;
		tomb_hash(t, n, h);
		free(n);
		sqlite3_reset(st);
		pv_bind_text(st, 1, h);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			found |= 1 << i; /* PV_TOMB_EXTERNAL_ID, ... */
		} else if (rc != SQLITE_DONE) {
			pv_db_fail(db, e, "tombstone");
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	return found;
}

int pv_tomb_hash(struct pv_tomb *t, const char *kind, const char *slug,
		 const char *value, char out[65])
{
	char *n;

	if (!t || !t->have_key || !(n = normalise(kind, slug, value)))
		return -1;
	tomb_hash(t, n, out);
	pv_wipe(n, strlen(n));
	free(n);
	return 0;
}
