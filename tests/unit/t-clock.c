/* t-clock.c - unit tests of lib/clock.c. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "tap.h"

static const char *fmt_t(time_t t)
{
	static char buf[PV_TIME_LEN];

	return pv_time_fmt(t, buf);
}

static const char *fmt_d(long days)
{
	static char buf[PV_TIME_LEN];

	return pv_date_fmt(days, buf);
}

/* A test name shows a newline in the input as \n, to keep TAP lines. */
static const char *vis(const char *s)
{
	static char buf[4][128];
	static int k;
	char *o = buf[k++ % 4], *end = o + sizeof buf[0] - 3;
	char *p = o;

	for (; *s && p < end; s++) {
		if (*s == '\n') {
			*p++ = '\\';
			*p++ = 'n';
		} else {
			*p++ = *s;
		}
	}
	*p = '\0';
	return o;
}

static void test_civil(void)
{
	long bad = 0, prev;
	int y, m, d;

	is_int(pv_days_from_civil(1970, 1, 1), 0, "epoch is day 0");
	is_int(pv_days_from_civil(2000, 3, 1), 11017, "2000-03-01");
	is_int(pv_days_from_civil(1, 1, 1), -719162, "0001-01-01");
	is_int(pv_days_from_civil(9999, 12, 31), 2932896, "9999-12-31");
	is_int(pv_days_from_civil(1969, 12, 31), -1, "1969-12-31");
	pv_civil_from_days(-719162, &y, &m, &d);
	ok(y == 1 && m == 1 && d == 1, "day -719162 is 0001-01-01");
	pv_civil_from_days(2932896, &y, &m, &d);
	ok(y == 9999 && m == 12 && d == 31, "day 2932896 is 9999-12-31");

	/* Every day of years 1..9999 converts both ways and in order. */
	prev = pv_days_from_civil(1, 1, 1) - 1;
	for (y = 1; y <= 9999; y++)
		for (m = 1; m <= 12; m++)
			for (d = 1; d <= pv_days_in_month(y, m); d++) {
				long n = pv_days_from_civil(y, m, d);
				int yy, mm, dd;

				pv_civil_from_days(n, &yy, &mm, &dd);
				if (n != prev + 1 || yy != y || mm != m ||
				    dd != d)
					bad++;
				prev = n;
			}
	is_int(bad, 0, "days_from_civil/civil_from_days agree for 1..9999");

	is_int(pv_days_in_month(2024, 2), 29, "Feb 2024 has 29 days");
	is_int(pv_days_in_month(2023, 2), 28, "Feb 2023 has 28 days");
	is_int(pv_days_in_month(1900, 2), 28, "1900 is not a leap year");
	is_int(pv_days_in_month(2000, 2), 29, "2000 is a leap year");
	is_int(pv_days_in_month(2026, 4), 30, "April has 30 days");
	is_int(pv_days_in_month(2026, 12), 31, "December has 31 days");
	is_int(pv_days_in_month(2026, 0), 0, "month 0 has no days");
	is_int(pv_days_in_month(2026, 13), 0, "month 13 has no days");

	is_int(pv_weekday(0), 4, "1970-01-01 was a Thursday");
	is_int(pv_weekday(-1), 3, "1969-12-31 was a Wednesday");
	is_int(pv_weekday(pv_days_from_civil(2026, 2, 28)), 6,
	       "2026-02-28 is a Saturday");
	is_int(pv_weekday(pv_days_from_civil(2026, 3, 1)), 0,
	       "2026-03-01 is a Sunday");
	is_int(pv_weekday(pv_days_from_civil(2024, 2, 29)), 4,
	       "2024-02-29 is a Thursday");
	is_int(pv_weekday(pv_days_from_civil(1, 1, 1)), 1,
	       "0001-01-01 is a Monday (proleptic)");
}

static void test_date_parse(void)
{
	static const char *const bad[] = {
		"", "2023-02-29", "1900-02-29", "2026-04-31", "2026-13-01",
		"2026-00-10", "2026-01-00", "2026-01-32", "0000-01-01",
		"2026-1-01", "2026-01-1", "26-01-01", "2026/01/01",
		"2026-01-01 ", " 2026-01-01", "2026-01-01x", "2026-01-01T00",
		"20260101", "2026-01-0a", "+026-01-01", "2026-01--1",
		"2026-01-01\n", "12026-01-01",
	};
	int y = 0, m = 0, d = 0;

	ok(pv_date_parse("2026-01-31", &y, &m, &d) == 0 && y == 2026 &&
	   m == 1 && d == 31, "date 2026-01-31");
	ok(pv_date_parse("2024-02-29", &y, &m, &d) == 0 && d == 29,
	   "date 2024-02-29 (leap year)");
	ok(pv_date_parse("2000-02-29", &y, &m, &d) == 0,
	   "date 2000-02-29 (400-year rule)");
	ok(pv_date_parse("0001-01-01", &y, &m, &d) == 0 && y == 1,
	   "date 0001-01-01");
	ok(pv_date_parse("9999-12-31", &y, &m, &d) == 0 && y == 9999,
	   "date 9999-12-31");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(pv_date_parse(bad[i], &y, &m, &d) == -1,
		   "date '%s' refused", vis(bad[i]));
	ok(pv_date_parse(NULL, &y, &m, &d) == -1, "date NULL refused");
}

static void test_time_parse(void)
{
	static const struct {
		const char *s;
		long long t;
	} good[] = {
		{"1970-01-01T00:00:00Z", 0},
		{"1970-01-01T00:00:00z", 0},
		{"1969-12-31T23:59:59Z", -1},
		{"2026-01-31T23:30:00Z", 1769902200},
		{"2026-02-01T00:30:00+01:00", 1769902200},
		{"2026-01-31T18:00:00-05:30", 1769902200},
		{"2026-01-31T23:30:00+00:00", 1769902200},
		{"2026-01-31T23:30:00-00:00", 1769902200},
		{"2026-01-31T23:30:00.5Z", 1769902200},
		{"2026-01-31T23:30:00.123456789Z", 1769902200},
		{"2026-01-31T23:30:00.999+00:00", 1769902200},
		{"2024-02-29T12:34:56Z", 1709210096},
		{"2026-07-01T10:00:00+02:00", 1782892800},
		{"2026-07-01T10:00:00-05:30", 1782919800},
		{"2038-01-19T03:14:08Z", 2147483648LL},
		{"0001-01-01T00:00:00Z", -62135596800LL},
		{"9999-12-31T23:59:59Z", 253402300799LL},
		{"2016-12-31T23:59:60Z", 1483228799}, /* leap second */
		{"2026-01-01T00:00:00+23:59", 1767225600 - 86340},
		/* RFC 3339 5.6: T and Z may be lower case (issue 15) */
		{"2026-01-31t23:30:00Z", 1769902200},
		{"2026-01-31t23:30:00z", 1769902200},
	};
	static const char *const bad[] = {
		"", "2026-01-31", "2026-01-31T23:30:00",
		"2026-01-31 23:30:00Z", "2026-01-31T23:30Z",
		"2026-01-31T23:30:00ZZ", "2026-01-31T23:30:00Z ",
		" 2026-01-31T23:30:00Z", "2026-01-31T24:00:00Z",
		"2026-01-31T23:60:00Z", "2026-01-31T23:30:61Z",
		"2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
		"2026-01-31T23:30:00.Z", "2026-01-31T23:30:00.5",
		"2026-01-31T23:30:00,5Z", "2026-01-31T23:30:00+01",
		"2026-01-31T23:30:00+0100", "2026-01-31T23:30:00+01:00:00",
		"2026-01-31T23:30:00+24:00", "2026-01-31T23:30:00+01:60",
		"2026-01-31T23:30:00+1:00", "2026-01-31T23:30:00UTC",
		"2026-01-31T23:30:00 Z", "2026-01-31T2:30:00Z",
		"2026-01-31T23:3:00Z", "2026-01-31T23:30:0Z",
		"2026-01-31T23:30:00.5Zjunk", "2026-01-31T23:30:00+01:00x",
		"2026-1-31T23:30:00Z", "now", "1769902200", "0000-12-31T00:00:00Z",
		"2026-01-31T-1:30:00Z", "2026-01-31T23:30:00+-1:00",
	};
	time_t t = 0;
	int y, m, d;

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		t = 0;
		ok(pv_time_parse(good[i].s, &t) == 0 && t == good[i].t,
		   "time '%s' is %lld", good[i].s, good[i].t);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(pv_time_parse(bad[i], &t) == -1, "time '%s' refused", vis(bad[i]));
	ok(pv_time_parse(NULL, &t) == -1, "time NULL refused");

	ok(pv_time_or_date_parse("2026-01-31", &t) == 0 &&
	   t == 1769817600, "bare date is its midnight UTC");
	ok(pv_time_or_local_date_parse("2026-01-31", "Europe/Berlin", &t) ==
	   0 && t == 1769817600 - 3600, "a bare date in Berlin: 23:00 UTC "
	   "the day before");
	ok(pv_time_or_local_date_parse("2026-07-01", "Europe/Berlin", &t) ==
	   0 && t == 1782864000 - 7200, "in summer: 22:00 UTC");
	ok(pv_time_or_local_date_parse("2026-07-01T10:00:00Z", "Europe/Berlin",
	   &t) == 0 && t == 1782900000, "a time is a time");
	ok(pv_time_or_date_parse("2026-01-31T23:30:00Z", &t) == 0 &&
	   t == 1769902200, "time_or_date takes a time");
	ok(pv_time_or_date_parse("2023-02-29", &t) == -1,
	   "time_or_date refuses 2023-02-29");
	ok(pv_time_or_date_parse("2026-01-31T", &t) == -1,
	   "time_or_date refuses a cut-off time");
	ok(pv_time_or_date_parse("", &t) == -1, "time_or_date refuses ''");
	ok(pv_time_or_date_parse(NULL, &t) == -1,
	   "time_or_date refuses NULL");

	is_str(fmt_t(0), "1970-01-01T00:00:00Z", "format the epoch");
	is_str(fmt_t(-1), "1969-12-31T23:59:59Z", "format before the epoch");
	is_str(fmt_t(1769902200), "2026-01-31T23:30:00Z", "format 2026");
	is_str(fmt_t(253402300799LL), "9999-12-31T23:59:59Z",
	       "format 9999");
	is_str(fmt_t(-62135596800LL), "0001-01-01T00:00:00Z",
	       "format year 1");
	is_str(fmt_t(253402300800LL), "10000-01-01T00:00:00Z",
	       "format past year 9999 (the slow path)");
	is_str(fmt_t(1782345599), "2026-06-24T23:59:59Z",
	       "format the last second of a day");
	is_str(fmt_d(0), "1970-01-01", "format day 0");
	is_str(fmt_d(pv_days_from_civil(2024, 2, 29)), "2024-02-29",
	       "format a leap day");

	/* Round trips: format, parse, same time; offsets normalise to Z. */
	{
		static const long long ts[] = {
			0, -1, 1, 951782400, 1709210096, 1769902200,
			2147483647, 2147483648LL, -62135596800LL,
			253402300799LL, 4102444800LL,
		};
		int bad_rt = 0;

		for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
			if (pv_time_parse(fmt_t((time_t)ts[i]), &t) ||
			    t != ts[i])
				bad_rt++;
		is_int(bad_rt, 0, "format then parse gives the same time");
		for (long long x = -86400LL * 800; x < 86400LL * 800;
		     x += 86400 * 3 + 3671)
			if (pv_time_parse(fmt_t((time_t)x), &t) || t != x)
				bad_rt++;
		is_int(bad_rt, 0, "round trips around the epoch");
	}
	pv_time_parse("2026-02-01T00:30:00+01:00", &t);
	is_str(fmt_t(t), "2026-01-31T23:30:00Z", "offset time prints as UTC");
	ok(pv_date_parse(fmt_d(pv_days_from_civil(2000, 2, 29)), &y, &m,
			 &d) == 0 && y == 2000 && m == 2 && d == 29,
	   "date format round trip");
}

static void test_duration(void)
{
	static const char *const bad[] = {
		"", "3", "y", "3 y", " 3y", "3y ", "3yy", "3Y", "3D", "0d",
		"0y", "00d", "03d", "-3d", "+3d", "3.5d", "3s", "3min", "1e3d",
		"3d4h", "10001y", "120001m", "999999999999999999999d",
		"99999999999d", "3652426d", "521776w", "87658201h", "d7", "7 d", "7d\n",
		"0x10d",
	};
	struct pv_duration d;

	memset(&d, 0, sizeof d);
	ok(pv_duration_parse("3y", &d) == 0 && d.years == 3 &&
	   d.months == 0 && d.days == 0 && d.hours == 0, "duration 3y");
	ok(pv_duration_parse("18m", &d) == 0 && d.months == 18 &&
	   d.years == 0, "duration 18m");
	ok(pv_duration_parse("2w", &d) == 0 && d.days == 14, "duration 2w");
	ok(pv_duration_parse("7d", &d) == 0 && d.days == 7, "duration 7d");
	ok(pv_duration_parse("24h", &d) == 0 && d.hours == 24 &&
	   d.days == 0, "duration 24h");
	ok(pv_duration_parse("1d", &d) == 0 && d.days == 1, "duration 1d");
	ok(pv_duration_parse("10000y", &d) == 0 && d.years == 10000,
	   "duration 10000y (the largest)");
	ok(pv_duration_parse("120000m", &d) == 0 && d.months == 120000,
	   "duration 120000m (the largest)");
	ok(pv_duration_parse("521775w", &d) == 0 && d.days == 3652425,
	   "duration 521775w (the largest)");
	ok(pv_duration_parse("3652425d", &d) == 0 && d.days == 3652425,
	   "duration 3652425d (the largest)");
	ok(pv_duration_parse("87658200h", &d) == 0 && d.hours == 87658200,
	   "duration 87658200h (the largest)");
	ok(pv_duration_parse("2m", &d) == 0 && d.months == 2 && d.days == 0 &&
	   d.hours == 0 && d.years == 0, "a new parse clears the old fields");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(pv_duration_parse(bad[i], &d) == -1,
		   "duration '%s' refused", vis(bad[i]));
	ok(pv_duration_parse(NULL, &d) == -1, "duration NULL refused");
}

static const char *shift(const char *when, const char *dur, int add)
{
	struct pv_duration d;
	time_t t;

	if (pv_time_or_date_parse(when, &t) || pv_duration_parse(dur, &d))
		return "(parse error)";
	return fmt_t(add ? pv_time_add(t, &d) : pv_time_sub(t, &d));
}

static void test_arith(void)
{
	is_str(shift("2024-03-31T10:00:00Z", "1m", 0), "2024-02-29T10:00:00Z",
	       "2024-03-31 - 1m clamps to 2024-02-29");
	is_str(shift("2023-03-31T10:00:00Z", "1m", 0), "2023-02-28T10:00:00Z",
	       "2023-03-31 - 1m clamps to 2023-02-28");
	is_str(shift("2026-05-31T00:00:00Z", "1m", 0), "2026-04-30T00:00:00Z",
	       "2026-05-31 - 1m clamps to 2026-04-30");
	is_str(shift("2024-02-29T12:00:00Z", "1y", 0), "2023-02-28T12:00:00Z",
	       "2024-02-29 - 1y is 2023-02-28");
	is_str(shift("2024-02-29T12:00:00Z", "4y", 0), "2020-02-29T12:00:00Z",
	       "2024-02-29 - 4y is 2020-02-29");
	is_str(shift("2026-01-15T08:00:00Z", "3y", 0), "2023-01-15T08:00:00Z",
	       "3y back");
	is_str(shift("2026-01-15T08:00:00Z", "18m", 0), "2024-07-15T08:00:00Z",
	       "18m back");
	is_str(shift("2026-01-15T08:00:00Z", "13m", 0), "2024-12-15T08:00:00Z",
	       "13m back crosses two year ends");
	is_str(shift("2026-03-01T00:00:00Z", "1d", 0), "2026-02-28T00:00:00Z",
	       "1d back over a month end");
	is_str(shift("2024-03-01T00:00:00Z", "1d", 0), "2024-02-29T00:00:00Z",
	       "1d back to a leap day");
	is_str(shift("2026-01-15T08:00:00Z", "2w", 0), "2026-01-01T08:00:00Z",
	       "2w back");
	is_str(shift("2026-01-01T05:00:00Z", "24h", 0), "2025-12-31T05:00:00Z",
	       "24h back over a year end");
	is_str(shift("2026-01-01T05:00:00Z", "6h", 0), "2025-12-31T23:00:00Z",
	       "6h back");
	is_str(shift("1970-01-01T00:00:00Z", "1m", 0), "1969-12-01T00:00:00Z",
	       "1m back from the epoch");
	is_str(shift("2026-01-31T23:30:00Z", "1m", 1), "2026-02-28T23:30:00Z",
	       "2026-01-31 + 1m clamps to 2026-02-28");
	is_str(shift("2024-01-31T23:30:00Z", "1m", 1), "2024-02-29T23:30:00Z",
	       "2024-01-31 + 1m clamps to 2024-02-29");
	is_str(shift("2025-12-31T00:00:00Z", "2m", 1), "2026-02-28T00:00:00Z",
	       "2025-12-31 + 2m is 2026-02-28");
	is_str(shift("2026-01-15T00:00:00Z", "1y", 1), "2027-01-15T00:00:00Z",
	       "1y forward");
	is_str(shift("2026-12-31T23:00:00Z", "2h", 1), "2027-01-01T01:00:00Z",
	       "2h forward over a year end");
	is_str(shift("2026-01-15", "8y", 1), "2034-01-15T00:00:00Z",
	       "8y forward from a date");
}

static void test_privacy_now(void)
{
	struct pv_err e;
	time_t before, now;

	unsetenv("PRIVACY_NOW");
	pv_err_clear(&e);
	is_int(pv_clock_init(&e), 0, "no PRIVACY_NOW: init succeeds");
	before = time(NULL);
	now = pv_now();
	ok(now >= before && now <= time(NULL), "no PRIVACY_NOW: real clock");

	setenv("PRIVACY_NOW", "2026-01-31T23:30:00Z", 1);
	is_int(pv_clock_init(&e), 0, "PRIVACY_NOW accepted");
	is_int(pv_now(), 1769902200, "pv_now returns PRIVACY_NOW");
	is_int(pv_now(), 1769902200, "and stays there");

	setenv("PRIVACY_NOW", "2026-02-01T00:30:00.25+01:00", 1);
	is_int(pv_clock_init(&e), 0, "PRIVACY_NOW with offset and fraction");
	is_int(pv_now(), 1769902200, "offset applied");

	setenv("PRIVACY_NOW", "yesterday", 1);
	pv_err_clear(&e);
	is_int(pv_clock_init(&e), PV_USAGE, "bad PRIVACY_NOW is a usage error");
	is_int(e.status, PV_USAGE, "status set in the error");
	is_str(e.msg, "PRIVACY_NOW: not an RFC 3339 time: 'yesterday'",
	       "bad PRIVACY_NOW message");
	now = pv_now();
	ok(now != 1769902200, "bad PRIVACY_NOW does not keep the old value");

	setenv("PRIVACY_NOW", "2026-01-31", 1);
	is_int(pv_clock_init(&e), PV_USAGE, "bare date refused as PRIVACY_NOW");
	setenv("PRIVACY_NOW", "", 1);
	pv_err_clear(&e);
	is_int(pv_clock_init(&e), PV_USAGE, "empty PRIVACY_NOW refused");
	is_str(e.msg, "PRIVACY_NOW: not an RFC 3339 time: ''",
	       "empty PRIVACY_NOW message");
	setenv("PRIVACY_NOW", "2023-02-29T00:00:00Z", 1);
	is_int(pv_clock_init(&e), PV_USAGE, "PRIVACY_NOW on 2023-02-29 refused");
	is_int(pv_clock_init(NULL), PV_USAGE, "init takes a NULL error");
	unsetenv("PRIVACY_NOW");
	is_int(pv_clock_init(&e), 0, "unset again");
}

static void test_tz(void)
{
	static const char *const bad[] = {
		"", "Europe/Nowhere", "Europe", "/usr/share/zoneinfo/UTC",
		"/etc/passwd", "../../../etc/passwd", "Europe/../UTC",
		"Europe//Berlin", "Europe/Berlin/", "Europe/Berlin ",
		"Europe/Berl*n", "Europe\\Berlin", "zone.tab", "leapseconds",
		"CET;rm", "Europe/Berlin\n", "UTC0", "CET-1CEST",
	};
	const char *tz_before;
	struct tm tm;
	time_t t;

	ok(pv_tz_valid("Europe/Berlin"), "Europe/Berlin is a zone");
	ok(pv_tz_valid("UTC"), "UTC is a zone (a symlink)");
	ok(pv_tz_valid("America/New_York"), "America/New_York is a zone");
	ok(pv_tz_valid("America/Port-au-Prince"), "a zone with '-'");
	ok(pv_tz_valid("Etc/GMT+5"), "a zone with '+'");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(!pv_tz_valid(bad[i]), "zone '%s' refused", vis(bad[i]));
	ok(!pv_tz_valid(NULL), "zone NULL refused");

	setenv("TZ", "America/New_York", 1);
	tzset();
	pv_time_parse("2026-01-15T12:00:00Z", &t);
	pv_tz_local(t, "Europe/Berlin", &tm);
	ok(tm.tm_hour == 13 && tm.tm_gmtoff == 3600 && tm.tm_isdst == 0,
	   "Berlin in winter is UTC+1");
	pv_time_parse("2026-07-15T12:00:00Z", &t);
	pv_tz_local(t, "Europe/Berlin", &tm);
	ok(tm.tm_hour == 14 && tm.tm_gmtoff == 7200 && tm.tm_isdst > 0,
	   "Berlin in summer is UTC+2");
	tz_before = getenv("TZ");
	is_str(tz_before, "America/New_York", "TZ restored after pv_tz_local");
	pv_tz_local(t, "Europe/London", &tm);
	ok(tm.tm_hour == 13, "London in summer is UTC+1");
	pv_tz_local(t, "Europe/Berlin", &tm);
	ok(tm.tm_hour == 14, "back to Berlin after another zone");

	pv_time_parse("2026-01-31T23:30:00Z", &t);
	pv_tz_local(t, "Europe/Berlin", &tm);
	ok(tm.tm_year == 126 && tm.tm_mon == 1 && tm.tm_mday == 1 &&
	   tm.tm_hour == 0 && tm.tm_min == 30,
	   "2026-01-31T23:30:00Z is 2026-02-01 00:30 in Berlin");
	pv_tz_local(t, "UTC", &tm);
	ok(tm.tm_mday == 31 && tm.tm_hour == 23, "and 23:30 on the 31st in UTC");
	pv_tz_local(t, "America/New_York", &tm);
	ok(tm.tm_mday == 31 && tm.tm_hour == 18, "and 18:30 in New York");
	pv_tz_local(t, "Europe/Nowhere", &tm);
	ok(tm.tm_mday == 31 && tm.tm_hour == 23 && tm.tm_gmtoff == 0,
	   "an unknown zone is UTC");

	unsetenv("TZ");
	is_int(pv_tz_mktime("Europe/Berlin", 2026, 2, 1, 0, 30, 0), 1769902200,
	       "mktime: 2026-02-01 00:30 Berlin");
	ok(getenv("TZ") == NULL, "TZ stays unset after pv_tz_mktime");
	is_int(pv_tz_mktime("Europe/Berlin", 2026, 3, 3, 0, 0, 0), 1772492400,
	       "mktime: midnight in winter");
	is_int(pv_tz_mktime("Europe/Berlin", 2026, 2, 31, 0, 0, 0), 1772492400,
	       "mktime: 31 February carries to 3 March");
	is_int(pv_tz_mktime("Europe/Berlin", 2026, 7, 1, 10, 0, 0), 1782892800,
	       "mktime: summer time");
	is_int(pv_tz_mktime("Europe/Berlin", 2026, 10, 25, 2, 30, 0),
	       1792888200, "mktime: the fold takes the first 02:30 (CEST)");
	is_int(pv_tz_mktime("Europe/Berlin", 2026, 3, 29, 2, 30, 0),
	       1774747800, "mktime: 02:30 in the gap is 03:30 CEST");
	is_int(pv_tz_mktime("UTC", 2026, 1, 31, 23, 30, 0), 1769902200,
	       "mktime: UTC");
	is_int(pv_tz_mktime("America/New_York", 2026, 1, 31, 18, 30, 0),
	       1769902200, "mktime: New York");
	is_int(pv_tz_mktime("Europe/Berlin", 2025, 13, 1, 0, 0, 0),
	       pv_tz_mktime("Europe/Berlin", 2026, 1, 1, 0, 0, 0),
	       "mktime: month 13 carries to January");

	/* Each hour of 2026 in Berlin: local time back to the same UTC. */
	{
		int bad_rt = 0;

		for (t = 1767225600; t < 1767225600 + 365 * 86400; t += 3600) {
			pv_tz_local(t, "Europe/Berlin", &tm);
			if (tm.tm_isdst == 0 && tm.tm_mon == 9 &&
			    tm.tm_mday == 25 && tm.tm_hour == 2)
				continue; /* second 02:xx of the fold */
			if (pv_tz_mktime("Europe/Berlin", tm.tm_year + 1900,
					 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
					 tm.tm_min, tm.tm_sec) != t)
				bad_rt++;
		}
		is_int(bad_rt, 0, "pv_tz_local and pv_tz_mktime agree for 2026");
	}
}

int main(void)
{
	test_civil();
	test_date_parse();
	test_time_parse();
	test_duration();
	test_arith();
	test_privacy_now();
	test_tz();
	return done_testing();
}
