#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "cfg.h"
#include "clock.h"
#include "util.h"

/* Index 0 is the federation, whose holidays every state has too. */
static const char *const regions[] = {
	"DE",
	"DE-BW", "DE-BY", "DE-BE", "DE-BB", "DE-HB", "DE-HH", "DE-HE",
	"DE-MV", "DE-NI", "DE-NW", "DE-RP", "DE-SL", "DE-SN", "DE-ST",
	"DE-SH", "DE-TH",
	/* Bavaria by the faith of the municipality: Mariä Himmelfahrt is a
	 * holiday only where the population is mainly Catholic (Art. 1
	 * Abs. 1 Nr. 2 FTG).  DE-BY is the common case, as DE-BY-KATH. */
	"DE-BY-KATH", "DE-BY-EVANG",
};
enum { N_REGIONS = sizeof regions / sizeof regions[0] };

enum {
	DE = 1u << 0,
	BW = 1u << 1, BY = 1u << 2, BE = 1u << 3, BB = 1u << 4,
	HB = 1u << 5, HH = 1u << 6, HE = 1u << 7, MV = 1u << 8,
	NI = 1u << 9, NW = 1u << 10, RP = 1u << 11, SL = 1u << 12,
	SN = 1u << 13, ST = 1u << 14, SH = 1u << 15, TH = 1u << 16,
	BYK = 1u << 17, BYE = 1u << 18,
	BAY = BY | BYK | BYE, /* the holidays of all Bavaria */
	ALL = (1u << N_REGIONS) - 1,
};

enum kind {
	FIXED,   /* a: month, b: day */
	EASTER,  /* a: days after Easter Sunday */
	BUSSTAG, /* the Wednesday before 23 November */
};

struct rule {
	const char *name;
	enum kind kind;
	int a, b;
	unsigned regions;
	int from, to; /* years in force, inclusive */
};

#define EVER 1, 9999

/*
 * The holiday laws of the federation (3 October, Einigungsvertrag) and of
 * the states.  Left out because they hold only in some municipalities:
 * Fronleichnam in parts of Saxony and Thuringia, the Augsburger
 * Friedensfest (8 August, city of Augsburg); a location there adds them
 * as extra days.
 */
static const struct rule rules[] = {
	{"Neujahr", FIXED, 1, 1, ALL, EVER},
	{"Heilige Drei Könige", FIXED, 1, 6, BW | BAY | ST, EVER},
	{"Internationaler Frauentag", FIXED, 3, 8, BE, 2019, 9999},
	{"Internationaler Frauentag", FIXED, 3, 8, MV, 2023, 9999},
	{"Karfreitag", EASTER, -2, 0, ALL, EVER},
	/* Brandenburg names the two Sundays; elsewhere they are plain
	 * Sundays, which changes no deadline. */
	{"Ostersonntag", EASTER, 0, 0, BB, EVER},
	{"Ostermontag", EASTER, 1, 0, ALL, EVER},
	{"Tag der Arbeit", FIXED, 5, 1, ALL, EVER},
	/* 75th and 80th anniversary of the end of the war, Berlin only. */
	{"Tag der Befreiung", FIXED, 5, 8, BE, 2020, 2020},
	{"Tag der Befreiung", FIXED, 5, 8, BE, 2025, 2025},
	{"Christi Himmelfahrt", EASTER, 39, 0, ALL, EVER},
	{"Pfingstsonntag", EASTER, 49, 0, BB, EVER},
	{"Pfingstmontag", EASTER, 50, 0, ALL, EVER},
	{"Fronleichnam", EASTER, 60, 0, BW | BAY | HE | NW | RP | SL, EVER},
	/*
	 * In Bavaria a holiday only in the municipalities with a mainly
	 * Catholic population: most of them, Munich and Augsburg among
	 * them, so DE-BY takes it as the common case (as DE-BY-KATH); a
	 * location in one of the others says DE-BY-EVANG, where 15 August
	 * is a working day.  In Saarland it holds statewide.
	 */
	{"Mariä Himmelfahrt", FIXED, 8, 15, BY | BYK | SL, EVER},
	{"Weltkindertag", FIXED, 9, 20, TH, 2019, 9999},
	{"Tag der Deutschen Einheit", FIXED, 10, 3, ALL, EVER},
	{"Reformationstag", FIXED, 10, 31, BB | MV | SN | ST | TH, EVER},
	{"Reformationstag", FIXED, 10, 31, HB | HH | NI | SH, 2018, 9999},
	/* 500 years since the theses: once, nationwide. */
	{"Reformationstag", FIXED, 10, 31, ALL, 2017, 2017},
	{"Allerheiligen", FIXED, 11, 1, BW | BAY | NW | RP | SL, EVER},
	{"Buß- und Bettag", BUSSTAG, 0, 0, SN, EVER},
	{"1. Weihnachtstag", FIXED, 12, 25, ALL, EVER},
	{"2. Weihnachtstag", FIXED, 12, 26, ALL, EVER},
};
enum { N_RULES = sizeof rules / sizeof rules[0] };
_Static_assert((int)N_RULES <= (int)PV_CAL_MAX_HOLIDAYS,
	       "PV_CAL_MAX_HOLIDAYS must hold every rule");
_Static_assert(N_REGIONS <= 32, "region bits must fit an unsigned");

/* The region's bit, or 0 when unknown. */
static unsigned region_bit(const char *region)
{
	if (!region)
		return 0;
	for (int i = 0; i < N_REGIONS; i++)
		if (strcmp(region, regions[i]) == 0)
			return 1u << i;
	return 0;
}

int pv_cal_region_valid(const char *region)
{
	return region_bit(region) != 0;
}

/* The anonymous Gregorian algorithm (Meeus, Jones, Butcher). */
long pv_cal_easter(int year)
{
	int a = year % 19, b = year / 100, c = year % 100;
	int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;
	int n = h + l - 7 * m + 114;

	return pv_days_from_civil(year, n / 31, n % 31 + 1);
}

/* The day a rule falls on in year; easter is computed once by the caller
 * when it is needed, kept in *easter (0 = not yet). */
static long rule_day(const struct rule *r, int year, long *easter)
{
	long nov22;

	switch (r->kind) {
	case FIXED:
		return pv_days_from_civil(year, r->a, r->b);
	case EASTER:
		if (!*easter)
			*easter = pv_cal_easter(year);
		return *easter + r->a;
	case BUSSTAG:
		/* The Wednesday (weekday 3) strictly before 23 November. */
		nov22 = pv_days_from_civil(year, 11, 22);
		return nov22 - (pv_weekday(nov22) - 3 + 7) % 7;
	}
	return 0;
}

static int applies(const struct rule *r, unsigned bit, int year)
{
	return (r->regions & bit) && year >= r->from && year <= r->to;
}

int pv_cal_is_holiday(const char *region, long day, const char **name)
{
	unsigned bit = region_bit(region);
	long easter = 0;
	int y, m, d;

	if (name)
		*name = NULL;
	pv_civil_from_days(day, &y, &m, &d);
	if (!bit || y < 1 || y > 9999)
		return 0;
	for (int i = 0; i < N_RULES; i++) {
		const struct rule *r = &rules[i];

		if (!applies(r, bit, y))
			continue;
		if (r->kind == FIXED ? (r->a == m && r->b == d)
				     : rule_day(r, y, &easter) == day) {
			if (name)
				*name = r->name;
			return 1;
		}
	}
	return 0;
}

int pv_cal_holidays(const char *region, int year,
		    struct pv_cal_holiday out[PV_CAL_MAX_HOLIDAYS])
{
	unsigned bit = region_bit(region);
	long easter = 0;
	int n = 0;

	if (!bit || year < 1 || year > 9999)
		return -1;
	for (int i = 0; i < N_RULES; i++) {
		const struct rule *r = &rules[i];
		struct pv_cal_holiday h;
		int j, dup = 0;

		if (!applies(r, bit, year))
			continue;
		h.day = rule_day(r, year, &easter);
		h.name = r->name;
		/* Reformationstag 2017 comes from two rules in some states. */
		for (j = 0; j < n; j++)
			if (out[j].day == h.day &&
			    strcmp(out[j].name, h.name) == 0)
				dup = 1;
		if (dup)
			continue;
		/* Insertion sort, stable: same-day holidays keep table order. */
		for (j = n; j > 0 && out[j - 1].day > h.day; j--)
			out[j] = out[j - 1];
		out[j] = h;
		n++;
	}
	return n;
}

int pv_cal_working_day(long day, const char *region, const long *extra,
		       size_t n_extra)
{
	int wd = pv_weekday(day);

	if (wd == 0 || wd == 6)
		return 0;
	for (size_t i = 0; i < n_extra; i++)
		if (extra[i] == day)
			return 0;
	return !pv_cal_is_holiday(region, day, NULL);
}

long pv_cal_next_working_day(long day, const char *region,
			     const long *extra, size_t n_extra)
{
	/* Ends: each pass past a weekend and the holidays around it meets
	 * a working day unless an extra day blocks it, and there are only
	 * n_extra of those. */
	while (!pv_cal_working_day(day, region, extra, n_extra))
		day++;
	return day;
}

long pv_cal_add_months(long day, int months)
{
	long long mon;
	int y, m, d, dim;

	pv_civil_from_days(day, &y, &m, &d);
	mon = (long long)y * 12 + (m - 1) + months;
	/* mon >= 0 for every year this module deals in; keep the division
	 * a floor for the rest. */
	y = (int)(mon >= 0 ? mon / 12 : -((-mon + 11) / 12));
	m = (int)(mon - (long long)y * 12) + 1;
	dim = pv_days_in_month(y, m);
	if (d > dim)
		d = dim;
	return pv_days_from_civil(y, m, d);
}

long pv_cal_local_date(time_t t, const char *tz)
{
	struct tm tm;

	pv_tz_local(t, tz, &tm);
	return pv_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1,
				  tm.tm_mday);
}

long pv_cal_due(time_t received, const char *tz, const char *region,
		const long *extra, size_t n_extra, int months)
{
	long start = pv_cal_local_date(received, tz);

	return pv_cal_next_working_day(pv_cal_add_months(start, months),
				       region, extra, n_extra);
}

time_t pv_cal_due_end(long due, const char *tz)
{
	int y, m, d;

	pv_civil_from_days(due, &y, &m, &d);
	return pv_tz_mktime(tz, y, m, d + 1, 0, 0, 0);
}

int pv_cal_due_passed(long due, time_t t, const char *tz)
{
	return pv_cal_local_date(t, tz) > due;
}

int pv_cal_extra_days(const struct pv_cfg *c, const char *slug, long **out,
		      size_t *n, struct pv_err *e)
{
	const struct pv_node *all = pv_cfg_node(c, "holidays"), *list, *d;
	size_t cap = 0;
	int y, m, dd;

	*out = NULL;
	*n = 0;
	if (!all)
		return 0;
	if (all->type != PV_NODE_MAP)
		return pv_fail(e, PV_CONFIG, "%s: holidays: must map location "
			       "slugs to lists of dates", all->origin);
	list = pv_node_get(all, slug);
	if (!list)
		return 0;
	if (list->type != PV_NODE_SEQ)
		return pv_fail(e, PV_CONFIG, "%s: holidays.%s: must be a list "
			       "of dates", list->origin, slug);
	for (d = list->child; d; d = d->next) {
		if (d->type != PV_NODE_SCALAR || !d->value ||
		    pv_date_parse(d->value, &y, &m, &dd) != 0) {
			free(*out);
			*out = NULL;
			*n = 0;
			return pv_fail(e, PV_CONFIG, "%s: holidays.%s: not a "
				       "date: '%s'", d->origin, slug,
				       d->type == PV_NODE_SCALAR && d->value ?
				       d->value : "(not a scalar)");
		}
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		(*out)[(*n)++] = pv_days_from_civil(y, m, dd);
	}
	return 0;
}
