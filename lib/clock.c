#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clock.h"

#define ZONEINFO "/usr/share/zoneinfo"

/* Parsed PRIVACY_NOW; clock_state: 0 not looked at yet, 1 real clock,
 * 2 fixed. */
static time_t fixed_now;
static int clock_state;

/* Floor division and modulo: the civil algorithms below need them for days
 * before 1970, and time_t may be negative. */
static long long floor_div(long long a, long long b)
{
	long long q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static long long floor_mod(long long a, long long b)
{
	return a - floor_div(a, b) * b;
}

/* Howard Hinnant's days_from_civil and civil_from_days, proleptic
 * Gregorian: eras of 400 years (146097 days) starting on 1 March, so that
 * the leap day is the last day of the "year". */
long pv_days_from_civil(int y, int m, int d)
{
	long long yy = (long long)y - (m <= 2);
	long long era = floor_div(yy, 400);
	long long yoe = yy - era * 400;                            /* 0..399 */
	long long doy = (153LL * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;     /* 0..146096 */

	return (long)(era * 146097 + doe - 719468);
}

void pv_civil_from_days(long days, int *y, int *m, int *d)
{
	long long z = (long long)days + 719468;
	long long era = floor_div(z, 146097);
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;
	long long dd = doy - (153 * mp + 2) / 5 + 1;
	long long mm = mp < 10 ? mp + 3 : mp - 9;

	*y = (int)(yoe + era * 400 + (mm <= 2));
	*m = (int)mm;
	*d = (int)dd;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int pv_days_in_month(int y, int m)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};

	if (m < 1 || m > 12)
		return 0;
	return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

int pv_weekday(long days)
{
	/* 1970-01-01 was a Thursday. */
	return (int)floor_mod((long long)days + 4, 7);
}

/* Exactly n digits at s; the value or -1. */
static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "YYYY-MM-DD" at the start of s (not necessarily its end). */
static int date_prefix(const char *s, int *y, int *m, int *d)
{
	int yy, mm, dd;

	if ((yy = digits(s, 4)) < 0 || s[4] != '-' ||
	    (mm = digits(s + 5, 2)) < 0 || s[7] != '-' ||
	    (dd = digits(s + 8, 2)) < 0)
		return -1;
	if (yy < 1 || mm < 1 || mm > 12 || dd < 1 ||
	    dd > pv_days_in_month(yy, mm))
		return -1;
	*y = yy;
	*m = mm;
	*d = dd;
	return 0;
}

int pv_date_parse(const char *s, int *y, int *m, int *d)
{
	if (!s || strlen(s) != 10)
		return -1;
	return date_prefix(s, y, m, d);
}

int pv_time_parse(const char *s, time_t *t)
{
	int y, mo, d, hh, mi, ss, off = 0;
	const char *p;
	long long v;

	/* strnlen keeps date_prefix and digits() inside the string. */
	if (!s || strnlen(s, 20) < 20 || date_prefix(s, &y, &mo, &d))
		return -1;
	if ((s[10] != 'T' && s[10] != 't') || (hh = digits(s + 11, 2)) < 0 || s[13] != ':' ||
	    (mi = digits(s + 14, 2)) < 0 || s[16] != ':' ||
	    (ss = digits(s + 17, 2)) < 0)
		return -1;
	if (hh > 23 || mi > 59 || ss > 60)
		return -1;
	/* A leap second has no time_t of its own: take the second before. */
	if (ss == 60)
		ss = 59;
	p = s + 19;
	if (*p == '.') {
		/* The fraction is checked, then dropped: times are whole
		 * seconds everywhere else. */
		if (p[1] < '0' || p[1] > '9')
			return -1;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		off = 0;
	} else if (*p == '+' || *p == '-') {
		int oh, om;

		if (strnlen(p, 7) != 6 || (oh = digits(p + 1, 2)) < 0 ||
		    p[3] != ':' || (om = digits(p + 4, 2)) < 0 ||
		    oh > 23 || om > 59)
			return -1;
		off = (oh * 60 + om) * 60;
		if (*p == '-')
			off = -off;
	} else {
		return -1;
	}
	v = (long long)pv_days_from_civil(y, mo, d) * 86400 +
	    hh * 3600 + mi * 60 + ss - off;
	*t = (time_t)v;
	return 0;
}

int pv_time_or_date_parse(const char *s, time_t *t)
{
	int y, m, d;

	if (s && strlen(s) == 10) {
		if (pv_date_parse(s, &y, &m, &d))
			return -1;
		*t = (time_t)((long long)pv_days_from_civil(y, m, d) * 86400);
		return 0;
	}
	return pv_time_parse(s, t);
}

int pv_time_or_local_date_parse(const char *s, const char *tz, time_t *t)
{
	int y, m, d;

	if (s && strlen(s) == 10) {
		if (pv_date_parse(s, &y, &m, &d))
			return -1;
		*t = pv_tz_mktime(tz ? tz : "UTC", y, m, d, 0, 0, 0);
		return 0;
	}
	return pv_time_parse(s, t);
}

static char *put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/* Called once per imported row (normalising times), where snprintf was
 * a measured 7 % of an appointment import (bench/RESULTS.md); the digits
 * are written by hand for the years 0 to 9999, snprintf does the rest. */
char *pv_time_fmt(time_t t, char buf[PV_TIME_LEN])
{
	long long days = floor_div((long long)t, 86400);
	long long secs = (long long)t - days * 86400;
	int y, m, d;
	char *p = buf;

	pv_civil_from_days((long)days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		snprintf(buf, PV_TIME_LEN, "%04d-%02d-%02dT%02d:%02d:%02dZ", y,
			 m, d, (int)(secs / 3600), (int)(secs / 60 % 60),
			 (int)(secs % 60));
		return buf;
	}
	p = put2(p, y / 100);
	p = put2(p, y % 100);
	*p++ = '-';
	p = put2(p, m);
	*p++ = '-';
	p = put2(p, d);
	*p++ = 'T';
	p = put2(p, (int)(secs / 3600));
	*p++ = ':';
	p = put2(p, (int)(secs / 60 % 60));
	*p++ = ':';
	p = put2(p, (int)(secs % 60));
	*p++ = 'Z';
	*p = '\0';
	return buf;
}

char *pv_date_fmt(long days, char buf[PV_TIME_LEN])
{
	int y, m, d;

	pv_civil_from_days(days, &y, &m, &d);
	snprintf(buf, PV_TIME_LEN, "%04d-%02d-%02d", y, m, d);
	return buf;
}

int pv_clock_init(struct pv_err *e)
{
	const char *s = getenv("PRIVACY_NOW");

	if (!s) {
		clock_state = 1;
		return 0;
	}
	/* An empty PRIVACY_NOW is refused too: a replay that silently ran
	 * on the real clock would be worse than an error. */
	if (pv_time_parse(s, &fixed_now)) {
		clock_state = 1;
		return pv_fail(e, PV_USAGE,
			       "PRIVACY_NOW: not an RFC 3339 time: '%s'", s);
	}
	clock_state = 2;
	return 0;
}

time_t pv_now(void)
{
	/* Unit tests may skip pv_clock_init; a bad value then means the
	 * real clock, as the tools have refused it already. */
	if (clock_state == 0)
		pv_clock_init(NULL);
	return clock_state == 2 ? fixed_now : time(NULL);
}

/* Durations: at most 10000 Gregorian years (3652425 days) of any unit,
 * so that no sum below can overflow. */
enum { MAX_DAYS = 3652425 };

int pv_duration_parse(const char *s, struct pv_duration *d)
{
	long long v = 0, max;
	const char *p;

	if (!s || *s < '1' || *s > '9')
		return -1;
	for (p = s; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > 100000000LL)
			return -1;
	}
	if (p[0] == '\0' || p[1] != '\0')
		return -1;
	switch (*p) {
	case 'y': max = 10000; break;
	case 'm': max = 10000LL * 12; break;
	case 'w': max = MAX_DAYS / 7; break;
	case 'd': max = MAX_DAYS; break;
	case 'h': max = MAX_DAYS * 24LL; break;
	default: return -1;
	}
	if (v > max)
		return -1;
	memset(d, 0, sizeof *d);
	switch (*p) {
	case 'y': d->years = (int)v; break;
	case 'm': d->months = (int)v; break;
	case 'w': d->days = (long)v * 7; break;
	case 'd': d->days = (long)v; break;
	case 'h': d->hours = (long)v; break;
	}
	return 0;
}

/* t plus sign * d: years and months on the calendar (a day of month the
 * target month lacks becomes its last day), then days, then hours. */
static time_t time_shift(time_t t, const struct pv_duration *d, int sign)
{
	long long days = floor_div((long long)t, 86400);
	long long secs = (long long)t - days * 86400;
	long long mon;
	int y, m, dd, dim;

	if (d->years || d->months) {
		pv_civil_from_days((long)days, &y, &m, &dd);
		mon = (long long)y * 12 + (m - 1) +
		      sign * ((long long)d->years * 12 + d->months);
		y = (int)floor_div(mon, 12);
		m = (int)floor_mod(mon, 12) + 1;
		dim = pv_days_in_month(y, m);
		if (dd > dim)
			dd = dim;
		days = pv_days_from_civil(y, m, dd);
	}
	days += sign * (long long)d->days;
	return (time_t)(days * 86400 + secs + sign * (long long)d->hours * 3600);
}

time_t pv_time_sub(time_t t, const struct pv_duration *d)
{
	return time_shift(t, d, -1);
}

time_t pv_time_add(time_t t, const struct pv_duration *d)
{
	return time_shift(t, d, 1);
}

int pv_tz_valid(const char *tz)
{
	char path[sizeof ZONEINFO + 256], magic[4];
	struct stat st;
	const char *p;
	size_t n;
	FILE *f;

	if (!tz || !*tz || (n = strlen(tz)) > 255 || tz[0] == '/' ||
	    tz[n - 1] == '/' || strstr(tz, "..") || strstr(tz, "//"))
		return 0;
	for (p = tz; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || strchr("/_+-", *p)))
			return 0;
	snprintf(path, sizeof path, "%s/%s", ZONEINFO, tz);
	/* stat, not lstat: UTC and friends are symlinks on Debian. */
	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return 0;
	/* The directory holds other files too (leapseconds, ...). */
	if (!(f = fopen(path, "rb")))
		return 0;
	n = fread(magic, 1, sizeof magic, f);
	fclose(f);
	return n == sizeof magic && memcmp(magic, "TZif", 4) == 0;
}

/*
 * The C library knows the zones; it takes them only from TZ.  So TZ is
 * pointed at the zone around each conversion and restored afterwards, so
 * that children and other code see the caller's TZ.  tzset() is not called
 * on the way back: glibc compares TZ with the zone it has loaded and
 * returns at once when they are equal, so a run over many records in one
 * zone reads the zone file once (0.4 us a call here, against 28 us with a
 * tzset() on the way back).  localtime_r() does not look at TZ, which is
 * why tzset() is called on the way in; the price is that a localtime_r()
 * elsewhere without a tzset() first sees the last zone used here.  Output
 * is UTC throughout, so nothing else should be calling it.
 */
static char *saved_tz;
static int saved_tz_set;
static char valid_zone[256]; /* last zone pv_tz_valid accepted */

static void tz_enter(const char *tz)
{
	const char *old = getenv("TZ");

	saved_tz_set = old != NULL;
	free(saved_tz);
	saved_tz = old ? xstrdup(old) : NULL;
	/* An unknown zone is taken as UTC, never as a POSIX TZ rule. */
	if (!tz || strcmp(tz, valid_zone) != 0) {
		if (tz && pv_tz_valid(tz))
			snprintf(valid_zone, sizeof valid_zone, "%s", tz);
		else
			tz = "UTC";
	}
	setenv("TZ", tz, 1);
	tzset();
}

static void tz_leave(void)
{
	if (saved_tz_set)
		setenv("TZ", saved_tz, 1);
	else
		unsetenv("TZ");
	free(saved_tz);
	saved_tz = NULL;
}

void pv_tz_local(time_t t, const char *tz, struct tm *out)
{
	tz_enter(tz);
	if (!localtime_r(&t, out))
		memset(out, 0, sizeof *out);
	tz_leave();
}

/* The UTC offset of tz at t, in seconds east; TZ must be entered. */
static long gmtoff_at(long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm))
		return 0;
	return tm.tm_gmtoff;
}

/*
 * Not mktime(): with tm_isdst = -1 it may pick either side of a fold.  A
 * local time L is at UTC t when t + offset(t) = L; the offsets that can
 * apply are those in force a day before and a day after (no zone changes
 * twice in a day).  Of the matches, take the earliest; with none (the gap
 * when clocks go forward) use the offset from before the gap, which moves
 * the time forward by the length of the gap, as mktime does.
 */
time_t pv_tz_mktime(const char *tz, int y, int m, int d, int hh, int mm,
		    int ss)
{
	long long mon = (long long)y * 12 + (m - 1), local, best = 0, t;
	long cand[3];
	int found = 0;

	/* Out-of-range fields carry over, as with mktime: day 32 is the
	 * first of the next month. */
	local = (long long)pv_days_from_civil((int)floor_div(mon, 12),
					      (int)floor_mod(mon, 12) + 1, 1);
	local = (local + d - 1) * 86400 + (long long)hh * 3600 +
		(long long)mm * 60 + ss;
	tz_enter(tz);
	cand[0] = gmtoff_at(local - 86400);
	cand[1] = gmtoff_at(local);
	cand[2] = gmtoff_at(local + 86400);
	for (int i = 0; i < 3; i++) {
		t = local - cand[i];
		if (gmtoff_at(t) == cand[i] && (!found || t < best)) {
			best = t;
			found = 1;
		}
	}
	if (!found)
		best = local - cand[0];
	tz_leave();
	return (time_t)best;
}
