/*
 * killwrite.c - an LD_PRELOAD library that kills its own process with
 * SIGKILL at a write(2) to a file whose path contains KILLWRITE_NAME,
 * before a byte of it is written: the moment at which a crash leaves a
 * file created but empty, for tests/crash.t.
 *
 * Built by `make check` as tests/fault/killwrite.so.  Not for sanitizer
 * builds (the runtime must come first), where the test skips.
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

ssize_t write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	const char *name = getenv("KILLWRITE_NAME");
	char link[64], path[4096];
	ssize_t len;

	if (name && *name) {
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		len = readlink(link, path, sizeof path - 1);
		if (len > 0) {
			path[len] = '\0';
			if (strstr(path, name))
				raise(SIGKILL);
		}
	}
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "write");
	return real(fd, buf, n);
}
