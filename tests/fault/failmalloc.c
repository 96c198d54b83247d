/*
 * failmalloc.c - an LD_PRELOAD library that makes allocations fail, for
 * tests/faults.t.
 *
 *   FAILMALLOC_AT=N     the Nth call of malloc/calloc/realloc (counted from
 *                       1) and every later one return NULL with ENOMEM
 *   FAILMALLOC_COUNT=F  at exit, write the number of calls to file F
 *
 * Built by `make check` as tests/fault/failmalloc.so.  Not for sanitizer
 * builds (ASan brings its own allocator), where the test skips.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);

static unsigned long calls, fail_at;
static int ready;

static int should_fail(void)
{
	if (!ready) {
		const char *s = getenv("FAILMALLOC_AT");

		fail_at = s ? strtoul(s, NULL, 10) : 0;
		ready = 1;
	}
	calls++;
	if (fail_at && calls >= fail_at) {
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

void *malloc(size_t n)
{
	return should_fail() ? NULL : __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	return should_fail() ? NULL : __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	return should_fail() ? NULL : __libc_realloc(p, n);
}

__attribute__((destructor)) static void report(void)
{
	const char *f = getenv("FAILMALLOC_COUNT");
	char buf[32];
	int fd, len;

	if (!f || (fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		return;
	len = snprintf(buf, sizeof buf, "%lu\n", calls);
	if (write(fd, buf, (size_t)len) < 0)
		(void)0; /* nothing to be done in a destructor */
	close(fd);
}
