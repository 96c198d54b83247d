/*
 * clock.h - the clock, dates, times, durations and time zones.
 *
 * PRIVACY_NOW (RFC 3339) replaces the system clock in every tool; call
 * pv_clock_init once at start-up.  Times on output are RFC 3339 in UTC
 * ("2026-01-31T23:30:00Z"); date-only values are "YYYY-MM-DD".  Parsers are
 * strict: the whole string, real calendar dates, no trailing junk.
 */
#ifndef PV_CLOCK_H
#define PV_CLOCK_H

#include <time.h>

#include "util.h"

int pv_clock_init(struct pv_err *e); /* PV_USAGE on a bad PRIVACY_NOW */
time_t pv_now(void);

/* Days since 1970-01-01 (proleptic Gregorian) and back. */
long pv_days_from_civil(int y, int m, int d);
void pv_civil_from_days(long days, int *y, int *m, int *d);
int pv_days_in_month(int y, int m);
int pv_weekday(long days); /* 0 = Sunday ... 6 = Saturday */

/* "YYYY-MM-DD": 0 or -1. */
int pv_date_parse(const char *s, int *y, int *m, int *d);
/* RFC 3339 date-time with Z or +hh:mm/-hh:mm, optional fraction; T and Z
 * may be lower case (RFC 3339, 5.6): 0 or -1. */
int pv_time_parse(const char *s, time_t *t);
/* A time, or a bare date meaning its midnight UTC. */
int pv_time_or_date_parse(const char *s, time_t *t);
/* A time, or a bare date meaning its midnight in the zone tz (the
 * location's: a letter received on 2 March arrived at 00:00 in Berlin,
 * 23:00 UTC the day before). */
int pv_time_or_local_date_parse(const char *s, const char *tz, time_t *t);
enum { PV_TIME_LEN = 32 };
char *pv_time_fmt(time_t t, char buf[PV_TIME_LEN]); /* returns buf */
char *pv_date_fmt(long days, char buf[PV_TIME_LEN]);

/* Durations as used by --inactive-since and --due-within: a positive
 * whole number and one unit: y (years), m (months), w (weeks), d (days),
 * h (hours).  "3y", "18m", "7d". */
struct pv_duration {
	int years, months;
	long days, hours;
};
int pv_duration_parse(const char *s, struct pv_duration *d);
/* t minus the duration, calendar-wise in UTC (month ends clamp). */
time_t pv_time_sub(time_t t, const struct pv_duration *d);
time_t pv_time_add(time_t t, const struct pv_duration *d);

/* Local civil time of t in the IANA zone tz ("Europe/Berlin"). */
int pv_tz_valid(const char *tz);
void pv_tz_local(time_t t, const char *tz, struct tm *out);
/* The UTC time of a local civil time in tz (first match on DST folds). */
time_t pv_tz_mktime(const char *tz, int y, int m, int d, int hh, int mm,
		    int ss);

#endif
