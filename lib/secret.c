#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
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

static int key_create(const char *path, const char *what,
		      unsigned char key[PV_KEY_LEN], struct pv_err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return errno == EEXIST ? -1 :
		       pv_fail(e, PV_IOERR, "cannot create %s '%s': %s", what,
			       path, strerror(errno));
	randombytes_buf(key, PV_KEY_LEN);
	if (write(fd, key, PV_KEY_LEN) != PV_KEY_LEN || fsync(fd) < 0) {
		int err = errno ? errno : EIO;

		close(fd);
		unlink(path);
		pv_wipe(key, PV_KEY_LEN);
		return pv_fail(e, PV_IOERR, "cannot write %s '%s': %s", what,
			       path, strerror(err));
	}
	if (close(fd) < 0) {
		int err = errno;

		unlink(path);
		pv_wipe(key, PV_KEY_LEN);
		return pv_fail(e, PV_IOERR, "cannot write %s '%s': %s", what,
			       path, strerror(err));
	}
	return PV_OK;
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
