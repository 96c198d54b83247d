/*
 * fuzz-clock.c - dates, times, durations and zone names as users type them
 * (PRIVACY_NOW, --since, --inactive-since, --due-within, location zones).
 *
 * The input is split at newlines; each piece goes to every parser.
 * Invariants: what pv_time_parse accepts, pv_time_fmt writes back as a time
 * that parses to the same second; what pv_date_parse accepts is a real
 * date that pv_date_fmt writes back byte for byte; a duration moves a time
 * forward with pv_time_add and back with pv_time_sub; a zone name that
 * pv_tz_valid accepts has no "..", no leading '/' and only [A-Za-z0-9/_+-].
 */
#include <string.h>

#include "clock.h"
#include "fuzz.h"

static void one(const char *s)
{
	char buf[PV_TIME_LEN];
	struct pv_duration d;
	time_t t, t2;
	int y, m, dd;

	if (pv_time_parse(s, &t) == 0) {
		pv_time_fmt(t, buf);
		FUZZ_CHECK(pv_time_parse(buf, &t2) == 0 && t2 == t);
	}
	if (pv_time_or_date_parse(s, &t) == 0) {
		pv_time_fmt(t, buf);
		FUZZ_CHECK(pv_time_parse(buf, &t2) == 0 && t2 == t);
	}
	if (pv_date_parse(s, &y, &m, &dd) == 0) {
		FUZZ_CHECK(m >= 1 && m <= 12);
		FUZZ_CHECK(dd >= 1 && dd <= pv_days_in_month(y, m));
		pv_date_fmt(pv_days_from_civil(y, m, dd), buf);
		FUZZ_CHECK(strcmp(buf, s) == 0);
	}
	if (pv_duration_parse(s, &d) == 0) {
		time_t base = 1780000000; /* 2026-05-28 */

		FUZZ_CHECK(d.years >= 0 && d.months >= 0 && d.days >= 0 &&
			   d.hours >= 0);
		if (d.years < 1000 && d.months < 12000 && d.days < 400000 &&
		    d.hours < 9000000) {
			FUZZ_CHECK(pv_time_add(base, &d) >= base);
			FUZZ_CHECK(pv_time_sub(base, &d) <= base);
		}
	}
	if (pv_tz_valid(s)) {
		FUZZ_CHECK(s[0] != '/' && !strstr(s, ".."));
		FUZZ_CHECK(strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789/_+-") ==
			   strlen(s));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *p, *nl;

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
