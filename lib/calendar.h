/*
 * calendar.h - public holidays and the legal deadline of a data request.
 *
 * Dates are day numbers as in clock.h (days since 1970-01-01, proleptic
 * Gregorian).  A holiday region is "DE" (the nine national holidays only)
 * or one of the sixteen states "DE-BW", "DE-BY", "DE-BE", "DE-BB",
 * "DE-HB", "DE-HH", "DE-HE", "DE-MV", "DE-NI", "DE-NW", "DE-RP", "DE-SL",
 * "DE-SN", "DE-ST", "DE-SH", "DE-TH" (exact spelling, upper case), and
 * for Bavaria by its municipalities "DE-BY-KATH" (mainly Catholic: with
 * Mariä Himmelfahrt, 15 August; what "DE-BY" means) or "DE-BY-EVANG"
 * (without it).  Other holidays that hold only in some municipalities of
 * a state are left out (see calendar.c).  The rules are
 * those in force since 1995 (the end of Buß- und Bettag outside Saxony)
 * with their changes since; earlier years are computed by today's rules.
 *
 * A location may add holidays of its own ("extra" days: a local feast, a
 * municipal holiday left out above); they count like public holidays.
 * Every function takes them as an array of day numbers, which may be NULL
 * when n_extra is 0.  None of these functions allocates or fails; an
 * unknown region (check it with pv_cal_region_valid first) has no public
 * holidays, only weekends and the extra days.
 */
#ifndef PV_CALENDAR_H
#define PV_CALENDAR_H

#include <stddef.h>
#include <time.h>

/* 1 for a known region code, else 0. */
int pv_cal_region_valid(const char *region);

/* Easter Sunday of a Gregorian year (1583 onward; earlier years get the
 * proleptic Gregorian date, which the churches never used). */
long pv_cal_easter(int year);

/* 1 when day is a public holiday in region, else 0.  With name not NULL
 * it gets the holiday's German name (static storage), or NULL.  When two
 * holidays fall on one day, the first in the table below wins. */
int pv_cal_is_holiday(const char *region, long day, const char **name);

/* A year's holidays in region, sorted by date, for listings and tests.
 * Returns the count, or -1 for an unknown region or a year outside
 * 1..9999. */
struct pv_cal_holiday {
	long day;
	const char *name; /* static storage */
};
enum { PV_CAL_MAX_HOLIDAYS = 32 };
int pv_cal_holidays(const char *region, int year,
		    struct pv_cal_holiday out[PV_CAL_MAX_HOLIDAYS]);

/* 1 for Monday..Friday that is neither a public holiday in region nor one
 * of the extra days, else 0. */
int pv_cal_working_day(long day, const char *region, const long *extra,
		       size_t n_extra);
/* day itself when it is a working day, else the next one. */
long pv_cal_next_working_day(long day, const char *region,
			     const long *extra, size_t n_extra);

/* The same day of the month, months later (or earlier, for a negative
 * count); when the target month is shorter, its last day
 * (2026-01-31 + 1 = 2026-02-28, 2024-01-31 + 1 = 2024-02-29). */
long pv_cal_add_months(long day, int months);

/* The calendar date of t in the IANA zone tz (UTC when tz is unknown). */
long pv_cal_local_date(time_t t, const char *tz);

/*
 * The last day to answer a request received at `received`, in the local
 * calendar of the location (zone tz, holiday region, extra days):
 *
 *     pv_cal_next_working_day(pv_cal_add_months(local date of receipt,
 *                                               months))
 *
 * months is 1 for the deadline of Art. 12(3) GDPR, 2 or 3 for a deadline
 * extended by one or two further months.
 *
 * The law, Art. 12(3) GDPR counted by Regulation (EEC, Euratom) 1182/71:
 * the day of receipt does not count (Art. 3(1)); a period in months ends
 * with the day of the last month that has the same date as the day of
 * receipt, or the last day of that month when it has no such date
 * (Art. 3(2)(c)); when that last day is a Saturday, Sunday or public
 * holiday, the period ends with the following working day (Art. 3(4)).
 * Receipt on 2026-01-31: 2026-02-28, a Saturday, so 2026-03-02.  The date
 * is that of the place where the request is handled, hence the zone: a
 * request at 2026-01-31T23:30:00Z reaches Berlin on 1 February.
 *
 * Extensions: Art. 12(3) allows extending "by two further months", which
 * makes one period of up to three months from receipt, and it is counted
 * as such: from the date of receipt, not from the first deadline.  The
 * move to a working day of Art. 3(4) is made only at the end of the
 * period that is running out; it is no part of the period and is not
 * carried into the extension (a first deadline pushed from Saturday
 * 28 February to Monday 2 March does not make the extended one start on
 * 2 March).  So: received 2026-01-15, extended by two months:
 * 2026-04-15.  The two readings differ only when the receipt date is
 * missing from a month in between: received 31 January, counting from an
 * unshifted first deadline of 28 February would give 28 April, this
 * gives 30 April.  A controller that wants the stricter reading can ask
 * pv_cal_add_months twice itself.
 */
long pv_cal_due(time_t received, const char *tz, const char *region,
		const long *extra, size_t n_extra, int months);

/* The first instant after the due day in tz: a deadline runs to the end
 * of its last day, local time (Art. 3(2)(c): "the expiry of the last
 * hour"). */
time_t pv_cal_due_end(long due, const char *tz);
/* 1 when the deadline due has passed at t (t is on a later local date
 * than due in tz), else 0. */
int pv_cal_due_passed(long due, time_t t, const char *tz);

/*
 * The extra days of a location from the configuration: the sequence
 * holidays.SLUG of "YYYY-MM-DD" dates (a local feast, a municipal
 * holiday), e.g.
 *
 *     holidays:
 *       mitte: [2026-06-11, 2026-11-11]
 *
 * Unlike the functions above this one allocates (*out, to free; NULL when
 * there are none) and can fail: PV_CONFIG "origin: holidays.SLUG: not a
 * date: 'value'" for a malformed entry.
 */
struct pv_cfg;
struct pv_err;
int pv_cal_extra_days(const struct pv_cfg *c, const char *slug, long **out,
		      size_t *n, struct pv_err *e);

#endif
