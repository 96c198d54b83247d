#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"

static int n, failed;

int ok_(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	n++;
	printf("%sok %d - ", cond ? "" : "not ", n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond) {
		failed++;
		printf("#   Failed at %s line %d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

int is_str_(const char *got, const char *want, const char *file, int line,
	    const char *name)
{
	int same = (got == NULL && want == NULL) ||
		   (got && want && strcmp(got, want) == 0);

	if (!ok_(same, file, line, "%s", name))
		printf("#   got:      '%s'\n#   expected: '%s'\n",
		       got ? got : "(null)", want ? want : "(null)");
	return same;
}

int is_int_(long long got, long long want, const char *file, int line,
	    const char *name)
{
	if (!ok_(got == want, file, line, "%s", name)) {
		printf("#   got:      %lld\n#   expected: %lld\n", got, want);
		return 0;
	}
	return 1;
}

int done_testing(void)
{
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
