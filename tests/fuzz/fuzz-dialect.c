/*
 * fuzz-dialect.c - the readers of lib/dialect.h: the iconv decoder over a
 * source that hands out bytes in small and odd pieces, separator
 * detection, dates, local times and decimal amounts.
 *
 * The first byte picks the encoding and the piece size; the rest is the
 * input.  Invariants: the decoder ends, and what it gives is valid UTF-8
 * (or it stops with EILSEQ/EINVAL); the separator is ',' ';' or tab; a
 * date it accepts is a real ISO date; a local time has its fields in
 * range; an amount of plain digits is that many euros in cents.
 */
#include <errno.h>
#include <string.h>

#include "clock.h"
#include "dialect.h"
#include "fuzz.h"

struct src {
	const uint8_t *p;
	size_t n, step;
};

static ssize_t take(void *arg, char *buf, size_t n)
{
	struct src *s = arg;
	size_t k = s->n < s->step ? s->n : s->step;

	if (k > n)
		k = n;
	memcpy(buf, s->p, k);
	s->p += k;
	s->n -= k;
	return (ssize_t)k;
}

static const char *const encs[] = {
	"windows-1252", "iso-8859-1", "iso-8859-15", "utf-16", "utf-16le",
	"utf-16be", "utf-8",
};

static void decode(const uint8_t *data, size_t size, int which, size_t step)
{
	struct src s = {data, size, step};
	struct pv_dec *d;
	struct pv_err e;
	struct pv_buf out = {0};
	char buf[64];
	ssize_t n;
	size_t rounds = 0;

	FUZZ_CHECK(pv_dec_open(encs[which], take, &s, &d, &e) == 0);
	while ((n = pv_dec_read(d, buf, sizeof buf)) > 0) {
		FUZZ_CHECK((size_t)n <= sizeof buf);
		pv_buf_add(&out, buf, (size_t)n);
		FUZZ_CHECK(++rounds <= 8 * size + 8);
	}
	FUZZ_CHECK(n == 0 || errno == EILSEQ || errno == EINVAL);
	FUZZ_CHECK(pv_dec_offset(d) <= size);
	/* glibc's UTF-8 to UTF-8 passes sequences beyond U+10FFFF that our
	 * check refuses: rec.c checks every cell after decoding anyway, and
	 * decodes nothing for utf-8 */
	if (n == 0 && strcmp(encs[which], "utf-8") != 0)
		FUZZ_CHECK(pv_utf8_valid(out.s ? out.s : "", out.len));
	pv_dec_close(d);
	pv_buf_free(&out);
}

static void one(const char *s)
{
	struct pv_local_time lt;
	char date[11];
	long long cents;
	int y, m, d;

	if (pv_dialect_date(s, NULL, 2026, date) == 0 ||
	    pv_dialect_date(s, "%m/%d/%Y", 2026, date) == 0)
		FUZZ_CHECK(pv_date_parse(date, &y, &m, &d) == 0);
	if (pv_dialect_local_time(s, "%m/%d/%Y %H:%M", 2026, &lt) == 0) {
		FUZZ_CHECK(lt.m >= 1 && lt.m <= 12 && lt.d >= 1 &&
			   lt.d <= pv_days_in_month(lt.y, lt.m));
		FUZZ_CHECK(lt.hh >= 0 && lt.hh <= 23 && lt.mm >= 0 &&
			   lt.mm <= 59 && lt.ss >= 0 && lt.ss <= 59);
	}
	if (pv_dialect_amount(s, &cents) == 0 && *s &&
	    strspn(s, "0123456789") == strlen(s) && strlen(s) <= 15)
		FUZZ_CHECK(cents == strtoll(s, NULL, 10) * 100);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *p, *nl, c;

	if (size < 1)
		return 0;
	decode(data + 1, size - 1, data[0] % 7, 1 + data[0] / 7 % 5);
	c = pv_dialect_sniff((const char *)data, size);
	FUZZ_CHECK(c == ',' || c == ';' || c == '\t');
	(void)pv_dialect_utf8_hint((const char *)data, size, 0);
	s = malloc(size + 1);
	FUZZ_CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	for (p = s; p; p = nl) {
		if ((nl = strchr(p, '\n')))
			*nl++ = '\0';
		one(p);
	}
	free(s);
	return 0;
}
