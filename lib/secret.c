#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secret.h"

static int key_load(const char *path, const char *what,
		    unsigned char key[PV_KEY_LEN], struct pv_err *e)
{
	char *buf = NULL;
	size_t len = 0;
	int st = pv_read_file(path, 1, &buf, &len, e);

	if (!st && len != PV_KEY_LEN)
		st = pv_fail(e, PV_CONFIG, "%s '%s' is not %d bytes long",
			     what, path, PV_KEY_LEN);
	if (!st)
		memcpy(key, buf, PV_KEY_LEN);
	if (buf) {
		pv_wipe(buf, len);
		free(buf);
	}
	return st;
}

/* Whole or not at all (pv_create_whole): a key file cut short by a kill
 * between its creation and its write would stop every later erasure or
 * campaign with "not 32 bytes long" until someone deleted it. */
static int key_create(const char *path, const char *what,
		      unsigned char key[PV_KEY_LEN], struct pv_err *e)
{
	int err;

	randombytes_buf(key, PV_KEY_LEN);
	if (pv_create_whole(path, key, PV_KEY_LEN) == 0)
		return PV_OK;
	err = errno;
	pv_wipe(key, PV_KEY_LEN);
	if (err == EEXIST)
		return -1;
	return pv_fail(e, PV_IOERR, "cannot create %s '%s': %s", what, path,
		       strerror(err));
}

int pv_key_file(const char *path, const char *what, int create,
		unsigned char key[PV_KEY_LEN], int *created,
		struct pv_err *e)
{
	int st;

	if (created)
		*created = 0;
	if (sodium_init() < 0)
		return pv_fail(e, PV_SOFTWARE, "libsodium init failed");
	if (access(path, F_OK) == 0)
		return key_load(path, what, key, e);
	if (errno != ENOENT)
		return pv_fail(e, PV_IOERR, "cannot read %s '%s': %s", what,
			       path, strerror(errno));
	if (!create)
		return pv_fail(e, PV_NOINPUT, "no %s '%s'", what, path);
	st = key_create(path, what, key, e);
	if (st < 0) /* another process made it first: use theirs */
		return key_load(path, what, key, e);
	if (!st && created)
		*created = 1;
	return st;
}

int pv_secret_input(const char *env, const char *what, char *out, size_t n,
		    struct pv_err *e)
{
	const char *v = getenv(env);
	size_t len = 0;
	int c;

	if (v) {
		if (strlen(v) >= n)
			return pv_fail(e, PV_DATAERR, "%s: too long", env);
		snprintf(out, n, "%s", v);
		return PV_OK;
	}
	if (isatty(STDIN_FILENO))
		return pv_fail(e, PV_USAGE, "no %s: give it on standard input "
			       "or in %s", what, env);
	/* One line; the rest of the input is not read. */
	while ((c = getchar()) != EOF && c != '\n') {
		if (len + 1 >= n) {
			pv_wipe(out, n);
			return pv_fail(e, PV_DATAERR, "%s on standard input: "
				       "too long", what);
		}
		out[len++] = (char)c;
	}
	if (ferror(stdin)) {
		pv_wipe(out, n);
		return pv_fail(e, PV_IOERR, "cannot read standard input: %s",
			       strerror(errno));
	}
	if (len && out[len - 1] == '\r')
		len--;
	out[len] = '\0';
	return PV_OK;
}

const char *pv_env_first(const char *const *names)
{
	for (; *names; names++) {
		const char *v = getenv(*names);

		if (v && *v)
			return v;
	}
	return NULL;
}
