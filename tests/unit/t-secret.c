/* t-secret.c - secret files: pv_read_file refuses one that group or others
 * may read, write or run (DESIGN.md "Security rules"); pv_create_whole
 * makes one, mode 0600, whole, and never replaces one that exists. */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "secret.h"
#include "util.h"

int main(void)
{
	static const mode_t refused[] = { 0640, 0604, 0660, 0644, 0606, 0610,
					  0601, 0620, 0602, 0777 };
	static const mode_t accepted[] = { 0600, 0400 };
	char path[] = "/tmp/t-secret.XXXXXX";
	struct pv_err e;
	char *buf, name[64];
	size_t len, i;
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, "s3cret\n", 7) != 7) {
		perror("t-secret");
		return 1;
	}
	close(fd);
	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		chmod(path, refused[i]);
		buf = (char *)"untouched";
		snprintf(name, sizeof name, "mode %04o refused with 77",
			 (unsigned)refused[i]);
		is_int(pv_read_file(path, 1, &buf, &len, &e), PV_NOPERM, name);
		snprintf(name, sizeof name, "mode %04o: message",
			 (unsigned)refused[i]);
		ok(strstr(e.msg, path) && strstr(e.msg, "group or others") &&
		   !strstr(e.msg, "s3cret"), "%s: %s", name, e.msg);
		ok(strcmp(buf, "untouched") == 0, "mode %04o: nothing read",
		   (unsigned)refused[i]);
	}
	for (i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
		chmod(path, accepted[i]);
		snprintf(name, sizeof name, "mode %04o accepted",
			 (unsigned)accepted[i]);
		is_int(pv_read_file(path, 1, &buf, &len, &e), 0, name);
		is_str(buf, "s3cret\n", "the secret is read");
		is_int((long long)len, 7, "with its length");
		free(buf);
	}
	/* Not a secret (a template): any mode will do. */
	chmod(path, 0644);
	is_int(pv_read_file(path, 0, &buf, &len, &e), 0,
	       "not private: 0644 is fine");
	free(buf);
	unlink(path);
	is_int(pv_read_file(path, 1, &buf, &len, &e), PV_NOINPUT,
	       "a missing secret file is 66");

	/* pv_key_file: the one loader of the 32-byte keys (tombstone,
	 * campaign). */
	{
		unsigned char k1[PV_KEY_LEN], k2[PV_KEY_LEN];
		struct stat sb;
		int created;
		mode_t old = umask(0);

		is_int(pv_key_file(path, "test key", 0, k1, &created, &e),
		       PV_NOINPUT, "key: missing and not created is 66");
		ok(strstr(e.msg, "no test key") != NULL, "key: %s", e.msg);
		is_int(pv_key_file(path, "test key", 1, k1, &created, &e), 0,
		       "key: created when missing");
		is_int(created, 1, "key: says it created it");
		ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600 &&
		   sb.st_size == PV_KEY_LEN, "key: 0600, 32 bytes, umask 000");
		umask(old);
		is_int(pv_key_file(path, "test key", 1, k2, &created, &e), 0,
		       "key: loaded the second time");
		ok(created == 0 && memcmp(k1, k2, PV_KEY_LEN) == 0,
		   "key: the same key, not a new one");
		for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
			chmod(path, refused[i]);
			memset(k2, 0, sizeof k2);
			snprintf(name, sizeof name, "key: mode %04o refused "
				 "with 77", (unsigned)refused[i]);
			is_int(pv_key_file(path, "test key", 1, k2, NULL, &e),
			       PV_NOPERM, name);
			ok(k2[0] == 0 && memcmp(k2, k2 + 1, PV_KEY_LEN - 1)
			   == 0, "key: mode %04o: nothing read",
			   (unsigned)refused[i]);
		}
		chmod(path, 0600);
		if (truncate(path, PV_KEY_LEN - 1) == 0)
			is_int(pv_key_file(path, "test key", 1, k2, NULL, &e),
			       PV_CONFIG, "key: 31 bytes is 78");
		ok(strstr(e.msg, "not 32 bytes") != NULL, "key: %s", e.msg);
		unlink(path);
	}
	/* pv_create_whole: a file whole or not at all (the keys) */
	{
		struct stat sb;
		char pat[64];
		glob_t g;
		mode_t old = umask(0);

		is_int(pv_create_whole(path, "0123456789abcdef", 16), 0,
		       "pv_create_whole makes the file");
		umask(old);
		ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600,
		   "mode 0600 even under umask 000");
		is_int(pv_read_file(path, 1, &buf, &len, &e), 0, "it reads");
		is_int((long long)len, 16, "all 16 bytes");
		free(buf);
		errno = 0;
		is_int(pv_create_whole(path, "other", 5), -1,
		       "a second one fails");
		is_int(errno, EEXIST, "with EEXIST");
		pv_read_file(path, 1, &buf, &len, &e);
		ok(len == 16 && memcmp(buf, "0123456789abcdef", 16) == 0,
		   "and leaves the first untouched");
		free(buf);
		snprintf(pat, sizeof pat, "%s.*", path);
		ok(glob(pat, 0, NULL, &g) == GLOB_NOMATCH,
		   "no temporary file is left");
		unlink(path);
	}
	return done_testing();
}
