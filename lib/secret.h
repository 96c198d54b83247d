/*
 * secret.h - key files: the 32-byte random keys kept beside the database
 * (the tombstone key "<db>.key" and the campaign key "<db>.campaign-key");
 * and secrets given to a command without argv (pv_secret_input).
 *
 * One loader for every kind, so that each gets the same checks: a key file
 * readable or writable by group or others is refused before it is read,
 * one of the wrong size is refused, and a new one is created 0600
 * (whatever the umask), whole or not at all even when the process is
 * killed (pv_create_whole), never replacing one made meanwhile.
 */
#ifndef PV_SECRET_H
#define PV_SECRET_H

#include <stddef.h>

#include "util.h"

enum { PV_KEY_LEN = 32 };

/*
 * Load the key at path into key[], or, when the file does not exist and
 * create is set, make a new random one there.  `what` names the key in
 * messages ("campaign key").  PV_NOINPUT "no WHAT 'path'" when it is
 * missing and !create (callers may say more); PV_NOPERM when group or
 * others may access it; PV_CONFIG when it is not PV_KEY_LEN bytes;
 * PV_IOERR otherwise.  *created (may be NULL) is set to 1 when a new key
 * was written.  On failure key[] holds nothing of the file.
 */
int pv_key_file(const char *path, const char *what, int create,
		unsigned char key[PV_KEY_LEN], int *created,
		struct pv_err *e);

/*
 * Read a secret that must not appear in argv (a token, a code): from the
 * environment variable env when it is set, else the first line of
 * standard input (without its CR LF).  `what` names it in messages
 * ("token").  Used error codes: PV_USAGE when env is unset and standard
 * input is a terminal (never sit waiting); PV_DATAERR when it does not
 * fit in n bytes; PV_IOERR a read error.  An empty input gives "".
 */
int pv_secret_input(const char *env, const char *what, char *out, size_t n,
		    struct pv_err *e);

/* The value of the first of the environment variables names (NULL
 * terminated) that is set and not empty, or NULL. */
const char *pv_env_first(const char *const *names);

#endif
