/* t-calendar.c - unit tests of lib/calendar.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "clock.h"
#include "tap.h"

static const char *const states[] = {
	"DE-BW", "DE-BY", "DE-BE", "DE-BB", "DE-HB", "DE-HH", "DE-HE",
	"DE-MV", "DE-NI", "DE-NW", "DE-RP", "DE-SL", "DE-SN", "DE-ST",
	"DE-SH", "DE-TH",
};
enum { N_STATES = sizeof states / sizeof states[0] };

static long day(const char *s)
{
	int y, m, d;

	if (pv_date_parse(s, &y, &m, &d))
		return -999999;
	return pv_days_from_civil(y, m, d);
}

static const char *fmt_d(long days)
{
	static char buf[4][PV_TIME_LEN];
	static int k;

	return pv_date_fmt(days, buf[k++ % 4]);
}

static time_t at(const char *s)
{
	time_t t;

	if (pv_time_or_date_parse(s, &t))
		return (time_t)-1;
	return t;
}

static int holiday(const char *region, const char *date)
{
	return pv_cal_is_holiday(region, day(date), NULL);
}

static const char *holiday_name(const char *region, const char *date)
{
	const char *name = "(unset)";

	pv_cal_is_holiday(region, day(date), &name);
	return name;
}

/* "date name; date name; ..." for a year. */
static const char *listing(const char *region, int year)
{
	static char buf[2048];
	struct pv_cal_holiday h[PV_CAL_MAX_HOLIDAYS];
	size_t len = 0;
	int n = pv_cal_holidays(region, year, h);

	buf[0] = '\0';
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s %s",
					i ? "; " : "", fmt_d(h[i].day),
					h[i].name);
	return buf;
}

static int count(const char *region, int year)
{
	struct pv_cal_holiday h[PV_CAL_MAX_HOLIDAYS];

	return pv_cal_holidays(region, year, h);
}

static void test_regions(void)
{
	static const char *const bad[] = {
		"", "de", "De", "DE-", "DE-XX", "DE-by", "AT", "EU",
		"DE-BY ", " DE-BY", "DE-BYX", "DE_BY", "DEBY", "BY", "DE-DE",
	};

	ok(pv_cal_region_valid("DE"), "region DE");
	for (int i = 0; i < N_STATES; i++)
		ok(pv_cal_region_valid(states[i]), "region %s", states[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(!pv_cal_region_valid(bad[i]), "region '%s' refused", bad[i]);
	ok(!pv_cal_region_valid(NULL), "region NULL refused");
}

static void test_easter(void)
{
	static const struct {
		int year;
		const char *date;
	} known[] = {
		{2000, "2000-04-23"}, {2008, "2008-03-23"}, {2019, "2019-04-21"},
		{2024, "2024-03-31"}, {2025, "2025-04-20"}, {2026, "2026-04-05"},
		{2027, "2027-03-28"}, {2038, "2038-04-25"}, {2285, "2285-03-22"},
		{1583, "1583-04-10"}, {9999, "9999-03-28"},
	};
	long long sum = 0;
	int bad = 0;

	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		is_str(fmt_d(pv_cal_easter(known[i].year)), known[i].date,
		       known[i].date);
	for (int y = 1583; y <= 9999; y++) {
		long e = pv_cal_easter(y);
		int yy, mm, dd;

		pv_civil_from_days(e, &yy, &mm, &dd);
		if (pv_weekday(e) != 0 || yy != y || e < day("0001-01-01") ||
		    (mm == 3 && dd < 22) || (mm == 4 && dd > 25) ||
		    (mm != 3 && mm != 4))
			bad++;
		sum += e;
	}
	is_int(bad, 0, "Easter 1583..9999: a Sunday from 22 March to 25 April");
	/* The same sum from Python's dateutil.easter, an independent
	 * implementation. */
	is_int(sum, 11747517546LL, "Easter 1583..9999 matches dateutil");
}

static void test_holidays(void)
{
	const char *name;

	/* National holidays, everywhere. */
	ok(holiday("DE", "2026-01-01"), "Neujahr");
	ok(holiday("DE", "2026-04-03"), "Karfreitag 2026");
	ok(!holiday("DE", "2026-04-05"), "Ostersonntag is no DE holiday");
	ok(holiday("DE", "2026-04-06"), "Ostermontag 2026");
	ok(holiday("DE", "2026-05-01"), "Tag der Arbeit");
	ok(holiday("DE", "2026-05-14"), "Christi Himmelfahrt 2026");
	ok(holiday("DE", "2026-05-25"), "Pfingstmontag 2026");
	ok(holiday("DE", "2026-10-03"), "Tag der Deutschen Einheit");
	ok(holiday("DE", "2026-12-25"), "1. Weihnachtstag");
	ok(holiday("DE", "2026-12-26"), "2. Weihnachtstag");
	ok(!holiday("DE", "2026-12-24"), "Heiligabend is no holiday");
	ok(!holiday("DE", "2026-12-31"), "Silvester is no holiday");
	ok(!holiday("DE", "2026-06-04"), "Fronleichnam is no DE holiday");
	ok(!holiday("DE", "2026-10-31"), "Reformationstag is no DE holiday");
	for (int i = 0; i < N_STATES; i++)
		ok(holiday(states[i], "2026-04-06") &&
		   holiday(states[i], "2026-10-03"),
		   "%s has the national holidays", states[i]);
	is_str(holiday_name("DE-NW", "2026-04-03"), "Karfreitag",
	       "name of Karfreitag");
	is_str(holiday_name("DE", "2026-10-03"), "Tag der Deutschen Einheit",
	       "name of 3 October");
	is_str(holiday_name("DE", "2026-10-04"), NULL,
	       "no name on a working day");
	is_int(pv_cal_is_holiday("DE", day("2026-01-01"), NULL), 1,
	       "name may be NULL");

	/* Fronleichnam 2026-06-04: BW, BY, HE, NW, RP, SL only. */
	ok(holiday("DE-NW", "2026-06-04"), "Fronleichnam 2026 in DE-NW");
	is_str(holiday_name("DE-NW", "2026-06-04"), "Fronleichnam",
	       "name of Fronleichnam");
	ok(holiday("DE-BW", "2026-06-04") && holiday("DE-BY", "2026-06-04") &&
	   holiday("DE-HE", "2026-06-04") && holiday("DE-RP", "2026-06-04") &&
	   holiday("DE-SL", "2026-06-04"), "Fronleichnam in BW BY HE RP SL");
	ok(!holiday("DE-BE", "2026-06-04"), "no Fronleichnam in DE-BE");
	ok(!holiday("DE-SN", "2026-06-04") && !holiday("DE-TH", "2026-06-04"),
	   "no Fronleichnam statewide in DE-SN or DE-TH");

	/* Heilige Drei Könige. */
	ok(holiday("DE-BW", "2026-01-06") && holiday("DE-BY", "2026-01-06") &&
	   holiday("DE-ST", "2026-01-06"), "6 January in BW BY ST");
	is_str(holiday_name("DE-ST", "2026-01-06"), "Heilige Drei Könige",
	       "name of 6 January");
	ok(!holiday("DE-NW", "2026-01-06") && !holiday("DE", "2026-01-06"),
	   "no 6 January in DE-NW");

	/* Frauentag: Berlin since 2019, Mecklenburg-Vorpommern since 2023. */
	ok(holiday("DE-BE", "2026-03-08"), "Frauentag 2026 in DE-BE");
	is_str(holiday_name("DE-BE", "2024-03-08"),
	       "Internationaler Frauentag", "name of Frauentag");
	ok(holiday("DE-BE", "2019-03-08"), "Frauentag 2019 in DE-BE");
	ok(!holiday("DE-BE", "2018-03-08"), "no Frauentag 2018 in DE-BE");
	ok(holiday("DE-MV", "2023-03-08"), "Frauentag 2023 in DE-MV");
	ok(!holiday("DE-MV", "2022-03-08"), "no Frauentag 2022 in DE-MV");
	ok(!holiday("DE-BB", "2026-03-08"), "no Frauentag in DE-BB");

	/* Tag der Befreiung in Berlin, twice. */
	ok(holiday("DE-BE", "2020-05-08"), "8 May 2020 in DE-BE");
	ok(holiday("DE-BE", "2025-05-08"), "8 May 2025 in DE-BE");
	is_str(holiday_name("DE-BE", "2025-05-08"), "Tag der Befreiung",
	       "name of 8 May");
	ok(!holiday("DE-BE", "2026-05-08") && !holiday("DE-BE", "2021-05-08"),
	   "no 8 May in other years");
	ok(!holiday("DE-BB", "2025-05-08"), "no 8 May 2025 in DE-BB");

	/* Mariä Himmelfahrt. */
	ok(holiday("DE-SL", "2026-08-15") && holiday("DE-BY", "2026-08-15"),
	   "15 August in SL and BY");
	ok(!holiday("DE-BW", "2026-08-15"), "no 15 August in DE-BW");

	/* Weltkindertag: Thuringia since 2019. */
	ok(holiday("DE-TH", "2024-09-20"), "Weltkindertag 2024 in DE-TH");
	is_str(holiday_name("DE-TH", "2026-09-20"), "Weltkindertag",
	       "name of Weltkindertag");
	ok(!holiday("DE-TH", "2018-09-20"), "no Weltkindertag 2018");
	ok(!holiday("DE-SN", "2024-09-20"), "no Weltkindertag in DE-SN");

	/* Reformationstag. */
	ok(holiday("DE-BB", "2026-10-31") && holiday("DE-MV", "2026-10-31") &&
	   holiday("DE-SN", "2026-10-31") && holiday("DE-ST", "2026-10-31") &&
	   holiday("DE-TH", "2026-10-31"), "31 October in BB MV SN ST TH");
	ok(holiday("DE-HB", "2026-10-31") && holiday("DE-HH", "2026-10-31") &&
	   holiday("DE-NI", "2026-10-31") && holiday("DE-SH", "2026-10-31"),
	   "31 October in HB HH NI SH");
	ok(holiday("DE-NI", "2018-10-31"), "31 October 2018 in DE-NI");
	ok(!holiday("DE-NI", "2016-10-31"), "no 31 October 2016 in DE-NI");
	ok(holiday("DE-NI", "2017-10-31"), "31 October 2017 in DE-NI");
	for (int i = 0; i < N_STATES; i++)
		ok(holiday(states[i], "2017-10-31"),
		   "31 October 2017 (500 years) in %s", states[i]);
	ok(holiday("DE", "2017-10-31"), "31 October 2017 in DE");
	ok(!holiday("DE", "2018-10-31") && !holiday("DE-BY", "2018-10-31") &&
	   !holiday("DE-NW", "2026-10-31"), "no 31 October in DE BY NW");
	is_str(holiday_name("DE-BY", "2017-10-31"), "Reformationstag",
	       "name of Reformationstag");

	/* Allerheiligen. */
	ok(holiday("DE-BW", "2025-11-01") && holiday("DE-BY", "2025-11-01") &&
	   holiday("DE-NW", "2025-11-01") && holiday("DE-RP", "2025-11-01") &&
	   holiday("DE-SL", "2025-11-01"), "1 November in BW BY NW RP SL");
	ok(!holiday("DE-HE", "2025-11-01"), "no 1 November in DE-HE");

	/* Buß- und Bettag: Saxony, the Wednesday before 23 November. */
	ok(holiday("DE-SN", "2026-11-18"), "Buß- und Bettag 2026 in DE-SN");
	is_str(holiday_name("DE-SN", "2026-11-18"), "Buß- und Bettag",
	       "name of Buß- und Bettag");
	ok(holiday("DE-SN", "2023-11-22"),
	   "Buß- und Bettag 2023 on 22 November (a Wednesday)");
	ok(holiday("DE-SN", "2022-11-16"), "Buß- und Bettag 2022");
	ok(holiday("DE-SN", "2027-11-17"), "Buß- und Bettag 2027");
	ok(!holiday("DE-SN", "2026-11-25") && !holiday("DE-SN", "2026-11-11"),
	   "not the Wednesdays around it");
	ok(!holiday("DE-BY", "2026-11-18"), "no Buß- und Bettag in DE-BY");

	/* Brandenburg's Sundays. */
	ok(holiday("DE-BB", "2026-04-05") && holiday("DE-BB", "2026-05-24"),
	   "Ostersonntag and Pfingstsonntag in DE-BB");
	ok(!holiday("DE-HE", "2026-04-05"), "Ostersonntag is no DE-HE holiday");

	/* Two holidays on one day: 1 May 2008 was Christi Himmelfahrt. */
	is_str(holiday_name("DE", "2008-05-01"), "Tag der Arbeit",
	       "1 May 2008: the first rule names it");
	is_str(listing("DE", 2008),
	       "2008-01-01 Neujahr; 2008-03-21 Karfreitag; "
	       "2008-03-24 Ostermontag; 2008-05-01 Tag der Arbeit; "
	       "2008-05-01 Christi Himmelfahrt; 2008-05-12 Pfingstmontag; "
	       "2008-10-03 Tag der Deutschen Einheit; "
	       "2008-12-25 1. Weihnachtstag; 2008-12-26 2. Weihnachtstag",
	       "DE 2008 lists both holidays of 1 May");

	/* Unknown regions and years: no holidays. */
	name = "x";
	ok(!pv_cal_is_holiday("DE-XX", day("2026-01-01"), &name) &&
	   name == NULL, "an unknown region has no holidays");
	ok(!pv_cal_is_holiday(NULL, day("2026-01-01"), NULL),
	   "a NULL region has no holidays");
	ok(!pv_cal_is_holiday("DE", pv_days_from_civil(10000, 1, 1), NULL),
	   "no holidays after 9999");
	ok(!pv_cal_is_holiday("DE", pv_days_from_civil(0, 1, 1), NULL),
	   "no holidays before year 1");
}

static void test_listing(void)
{
	struct pv_cal_holiday h[PV_CAL_MAX_HOLIDAYS];
	int bad = 0;

	is_str(listing("DE-BY", 2026),
	       "2026-01-01 Neujahr; 2026-01-06 Heilige Drei Könige; "
	       "2026-04-03 Karfreitag; 2026-04-06 Ostermontag; "
	       "2026-05-01 Tag der Arbeit; 2026-05-14 Christi Himmelfahrt; "
	       "2026-05-25 Pfingstmontag; 2026-06-04 Fronleichnam; "
	       "2026-08-15 Mariä Himmelfahrt; "
	       "2026-10-03 Tag der Deutschen Einheit; "
	       "2026-11-01 Allerheiligen; 2026-12-25 1. Weihnachtstag; "
	       "2026-12-26 2. Weihnachtstag", "DE-BY 2026");
	is_str(listing("DE-BB", 2017),
	       "2017-01-01 Neujahr; 2017-04-14 Karfreitag; "
	       "2017-04-16 Ostersonntag; 2017-04-17 Ostermontag; "
	       "2017-05-01 Tag der Arbeit; 2017-05-25 Christi Himmelfahrt; "
	       "2017-06-04 Pfingstsonntag; 2017-06-05 Pfingstmontag; "
	       "2017-10-03 Tag der Deutschen Einheit; "
	       "2017-10-31 Reformationstag; 2017-12-25 1. Weihnachtstag; "
	       "2017-12-26 2. Weihnachtstag",
	       "DE-BB 2017: Reformationstag once");
	is_str(listing("DE-SN", 2026),
	       "2026-01-01 Neujahr; 2026-04-03 Karfreitag; "
	       "2026-04-06 Ostermontag; 2026-05-01 Tag der Arbeit; "
	       "2026-05-14 Christi Himmelfahrt; 2026-05-25 Pfingstmontag; "
	       "2026-10-03 Tag der Deutschen Einheit; "
	       "2026-10-31 Reformationstag; 2026-11-18 Buß- und Bettag; "
	       "2026-12-25 1. Weihnachtstag; 2026-12-26 2. Weihnachtstag",
	       "DE-SN 2026");

	is_int(count("DE", 2026), 9, "DE has 9 holidays");
	is_int(count("DE-BW", 2026), 12, "DE-BW 2026: 12");
	is_int(count("DE-BY", 2026), 13, "DE-BY 2026: 13");
	is_int(count("DE-BE", 2026), 10, "DE-BE 2026: 10");
	is_int(count("DE-BB", 2026), 12, "DE-BB 2026: 12");
	is_int(count("DE-HB", 2026), 10, "DE-HB 2026: 10");
	is_int(count("DE-HH", 2026), 10, "DE-HH 2026: 10");
	is_int(count("DE-HE", 2026), 10, "DE-HE 2026: 10");
	is_int(count("DE-MV", 2026), 11, "DE-MV 2026: 11");
	is_int(count("DE-NI", 2026), 10, "DE-NI 2026: 10");
	is_int(count("DE-NW", 2026), 11, "DE-NW 2026: 11");
	is_int(count("DE-RP", 2026), 11, "DE-RP 2026: 11");
	is_int(count("DE-SL", 2026), 12, "DE-SL 2026: 12");
	is_int(count("DE-SN", 2026), 11, "DE-SN 2026: 11");
	is_int(count("DE-ST", 2026), 11, "DE-ST 2026: 11");
	is_int(count("DE-SH", 2026), 10, "DE-SH 2026: 10");
	is_int(count("DE-TH", 2026), 11, "DE-TH 2026: 11");
	is_int(count("DE", 2017), 10, "DE 2017: 10 (Reformationstag)");
	is_int(count("DE-BE", 2018), 9, "DE-BE 2018: 9");
	is_int(count("DE-BE", 2020), 11, "DE-BE 2020: 11");
	is_int(count("DE-BE", 2025), 11, "DE-BE 2025: 11");
	is_int(count("DE-MV", 2022), 10, "DE-MV 2022: 10");
	is_int(count("DE-TH", 2018), 10, "DE-TH 2018: 10");

	is_int(count("DE-XX", 2026), -1, "unknown region: -1");
	is_int(count(NULL, 2026), -1, "NULL region: -1");
	is_int(count("DE", 0), -1, "year 0: -1");
	is_int(count("DE", 10000), -1, "year 10000: -1");
	is_int(count("DE", 1), 9, "year 1 works");
	is_int(count("DE", 9999), 9, "year 9999 works");

	/* The listing and pv_cal_is_holiday agree, day by day. */
	for (int r = -1; r < N_STATES; r++) {
		const char *region = r < 0 ? "DE" : states[r];

		for (int y = 2015; y <= 2035; y++) {
			long first = pv_days_from_civil(y, 1, 1);
			long last = pv_days_from_civil(y, 12, 31);
			int n = pv_cal_holidays(region, y, h), k = 0;

			for (int i = 0; i < n; i++)
				if (i > 0 && h[i].day < h[i - 1].day)
					bad++;
			for (long d = first; d <= last; d++) {
				int listed = 0;

				for (int i = 0; i < n; i++)
					listed |= h[i].day == d;
				if (listed != pv_cal_is_holiday(region, d,
								NULL))
					bad++;
				k += listed;
			}
			if (k > n || k < n - 1)
				bad++;
		}
	}
	is_int(bad, 0, "listing and is_holiday agree, 2015..2035");
}

static void test_working_days(void)
{
	long extra[3];

	ok(pv_cal_working_day(day("2026-03-02"), "DE", NULL, 0),
	   "a Monday works");
	ok(!pv_cal_working_day(day("2026-02-28"), "DE", NULL, 0),
	   "a Saturday does not");
	ok(!pv_cal_working_day(day("2026-03-01"), "DE", NULL, 0),
	   "a Sunday does not");
	ok(!pv_cal_working_day(day("2026-04-06"), "DE", NULL, 0),
	   "Ostermontag does not");
	ok(pv_cal_working_day(day("2026-06-04"), "DE-BE", NULL, 0) &&
	   !pv_cal_working_day(day("2026-06-04"), "DE-NW", NULL, 0),
	   "Fronleichnam works in DE-BE, not in DE-NW");
	ok(pv_cal_working_day(day("2026-01-01"), "DE-XX", NULL, 0),
	   "an unknown region has only weekends");
	extra[0] = day("2026-07-10");
	ok(!pv_cal_working_day(day("2026-07-10"), "DE", extra, 1),
	   "an extra day does not work");
	ok(pv_cal_working_day(day("2026-07-09"), "DE", extra, 1),
	   "the day before does");

	is_str(fmt_d(pv_cal_next_working_day(day("2026-03-02"), "DE", NULL,
					      0)), "2026-03-02",
	       "a working day stays");
	is_str(fmt_d(pv_cal_next_working_day(day("2026-02-28"), "DE", NULL,
					      0)), "2026-03-02",
	       "Saturday moves to Monday");
	is_str(fmt_d(pv_cal_next_working_day(day("2026-04-03"), "DE", NULL,
					      0)), "2026-04-07",
	       "Karfreitag moves over Easter to Tuesday");
	is_str(fmt_d(pv_cal_next_working_day(day("2026-12-25"), "DE", NULL,
					      0)), "2026-12-28",
	       "Christmas Friday moves to Monday");
	extra[0] = day("2026-12-28");
	extra[1] = day("2026-12-29");
	is_str(fmt_d(pv_cal_next_working_day(day("2026-12-25"), "DE", extra,
					      2)), "2026-12-30",
	       "extra days after Christmas move it further");
}

static void test_add_months(void)
{
	static const struct {
		const char *from;
		int months;
		const char *want;
	} cases[] = {
		{"2026-01-15", 1, "2026-02-15"},
		{"2026-01-31", 1, "2026-02-28"},
		{"2024-01-31", 1, "2024-02-29"},
		{"2026-01-29", 1, "2026-02-28"},
		{"2026-01-28", 1, "2026-02-28"},
		{"2026-03-31", 1, "2026-04-30"},
		{"2026-01-31", 3, "2026-04-30"},
		{"2026-01-31", 2, "2026-03-31"},
		{"2025-12-31", 2, "2026-02-28"},
		{"2026-12-15", 1, "2027-01-15"},
		{"2026-11-30", 3, "2027-02-28"},
		{"2024-02-29", 12, "2025-02-28"},
		{"2024-02-29", 48, "2028-02-29"},
		{"2024-03-31", -1, "2024-02-29"},
		{"2026-01-15", -13, "2024-12-15"},
		{"2026-01-15", 0, "2026-01-15"},
		{"1970-01-31", -1, "1969-12-31"},
		{"0001-03-31", -1, "0001-02-28"},
		{"9999-11-30", 1, "9999-12-30"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		is_str(fmt_d(pv_cal_add_months(day(cases[i].from),
					       cases[i].months)),
		       cases[i].want, cases[i].want);
}

static const char *due(const char *received, const char *tz,
		       const char *region, int months)
{
	return fmt_d(pv_cal_due(at(received), tz, region, NULL, 0, months));
}

static void test_due(void)
{
	const char *B = "Europe/Berlin";
	long extra[2];

	/* Art. 12(3): one month, to the same date or the month's end. */
	is_str(due("2026-01-15T10:00:00Z", B, "DE", 1), "2026-02-16",
	       "15 January: 15 February is a Sunday, so Monday 16th");
	is_str(due("2026-01-14T10:00:00Z", B, "DE", 1), "2026-02-16",
	       "14 January: 14 February is a Saturday, so Monday 16th");
	is_str(due("2026-01-13T10:00:00Z", B, "DE", 1), "2026-02-13",
	       "13 January: Friday 13 February");
	is_str(due("2026-01-31T10:00:00Z", B, "DE", 1), "2026-03-02",
	       "31 January 2026: 28 February is a Saturday, so 2 March");
	is_str(due("2024-01-31T10:00:00Z", B, "DE", 1), "2024-02-29",
	       "31 January 2024: leap day, a Thursday");
	is_str(due("2026-03-05T10:00:00Z", B, "DE", 1), "2026-04-07",
	       "5 March: Easter Sunday, Ostermontag, so Tuesday 7 April");
	is_str(due("2026-03-05T10:00:00Z", B, "DE-BB", 1), "2026-04-07",
	       "the same in DE-BB");
	is_str(due("2026-02-15T10:00:00Z", B, "DE", 1), "2026-03-16",
	       "due on a Sunday moves to Monday");
	is_str(due("2026-03-03T10:00:00Z", B, "DE", 1), "2026-04-07",
	       "due on Karfreitag moves past Easter");
	is_str(due("2026-11-25T10:00:00Z", B, "DE", 1), "2026-12-28",
	       "due on Christmas Friday moves to Monday 28th");
	is_str(due("2026-11-24T10:00:00Z", B, "DE", 1), "2026-12-24",
	       "Heiligabend is a working day");
	is_str(due("2026-12-01T10:00:00Z", B, "DE", 1), "2027-01-04",
	       "due on New Year (a Friday) moves to Monday");

	/* State holidays. */
	is_str(due("2026-05-04T10:00:00Z", B, "DE-NW", 1), "2026-06-05",
	       "Fronleichnam moves a DE-NW deadline");
	is_str(due("2026-05-04T10:00:00Z", B, "DE-BE", 1), "2026-06-04",
	       "but not a DE-BE one");
	is_str(due("2026-10-18T10:00:00Z", B, "DE-SN", 1), "2026-11-19",
	       "Buß- und Bettag moves a DE-SN deadline");
	is_str(due("2026-10-18T10:00:00Z", B, "DE", 1), "2026-11-18",
	       "but not a DE one");
	is_str(due("2026-12-06T10:00:00Z", B, "DE-BY", 1), "2027-01-07",
	       "Heilige Drei Könige moves a DE-BY deadline");
	is_str(due("2026-12-06T10:00:00Z", B, "DE-HE", 1), "2027-01-06",
	       "but not a DE-HE one");
	is_str(due("2024-02-08T10:00:00Z", B, "DE-BE", 1), "2024-03-11",
	       "Frauentag (a Friday) moves a DE-BE deadline to Monday");
	is_str(due("2017-08-31T10:00:00Z", B, "DE-BY", 2), "2017-11-02",
	       "31 October 2017 and Allerheiligen in DE-BY");
	is_str(due("2026-01-31T10:00:00Z", B, "DE-XX", 1), "2026-03-02",
	       "an unknown region still skips weekends");

	/* Extra days of the location. */
	extra[0] = day("2026-07-10");
	extra[1] = day("2026-07-13");
	is_str(fmt_d(pv_cal_due(at("2026-06-10T10:00:00Z"), B, "DE", extra, 1,
				1)), "2026-07-13",
	       "an extra day moves the deadline");
	is_str(fmt_d(pv_cal_due(at("2026-06-10T10:00:00Z"), B, "DE", extra, 2,
				1)), "2026-07-14",
	       "two extra days around a weekend");

	/* The date of receipt is the location's. */
	is_str(fmt_d(pv_cal_local_date(at("2026-01-31T23:30:00Z"), B)),
	       "2026-02-01", "23:30Z on 31 January is 1 February in Berlin");
	is_str(due("2026-01-31T23:30:00Z", B, "DE", 1), "2026-03-02",
	       "received 1 February local: 1 March is a Sunday, so 2 March");
	is_str(due("2026-02-27T23:30:00Z", B, "DE", 1), "2026-03-30",
	       "late on 27 February UTC is 28 February in Berlin");
	is_str(due("2026-02-27T23:30:00Z", "UTC", "DE", 1), "2026-03-27",
	       "but 27 February in UTC");
	is_str(due("2026-02-28T04:00:00Z", "America/New_York", "DE", 1),
	       "2026-03-27", "and still 27 February in New York");
	is_str(due("2026-01-31T23:30:00Z", "Europe/Nowhere", "DE", 1),
	       "2026-03-02", "an unknown zone counts in UTC");

	/* Extensions count from receipt: 1 + N months. */
	is_str(due("2026-01-15T10:00:00Z", B, "DE", 3), "2026-04-15",
	       "extended by two months from 15 January: Wednesday 15 April");
	is_str(due("2026-01-15T10:00:00Z", B, "DE", 2), "2026-03-16",
	       "extended by one month: 15 March is a Sunday, so 16th");
	is_str(due("2026-01-31T10:00:00Z", B, "DE", 3), "2026-04-30",
	       "31 January extended by two months: 30 April");
	is_str(due("2025-11-30T10:00:00Z", B, "DE", 3), "2026-03-02",
	       "30 November extended: 28 February, a Saturday, so 2 March");
}

static void test_due_end(void)
{
	const char *B = "Europe/Berlin";
	char buf[PV_TIME_LEN];
	long d = day("2026-03-02");

	is_str(pv_time_fmt(pv_cal_due_end(d, B), buf), "2026-03-02T23:00:00Z",
	       "a winter deadline in Berlin ends at 23:00Z");
	is_str(pv_time_fmt(pv_cal_due_end(day("2026-07-10"), B), buf),
	       "2026-07-10T22:00:00Z", "a summer one at 22:00Z");
	is_str(pv_time_fmt(pv_cal_due_end(day("2026-03-28"), B), buf),
	       "2026-03-28T23:00:00Z", "the day before summer time begins");
	is_str(pv_time_fmt(pv_cal_due_end(day("2026-10-24"), B), buf),
	       "2026-10-24T22:00:00Z", "the day before summer time ends");
	is_str(pv_time_fmt(pv_cal_due_end(day("2026-12-31"), B), buf),
	       "2026-12-31T23:00:00Z", "over a year end");
	is_str(pv_time_fmt(pv_cal_due_end(d, "UTC"), buf),
	       "2026-03-03T00:00:00Z", "in UTC at midnight");

	ok(!pv_cal_due_passed(d, at("2026-03-02T22:59:59Z"), B),
	   "not passed in the last second of the due day");
	ok(pv_cal_due_passed(d, at("2026-03-02T23:00:00Z"), B),
	   "passed at local midnight");
	ok(!pv_cal_due_passed(d, at("2026-03-02T23:00:00Z"), "UTC"),
	   "not yet passed in UTC then");
	ok(pv_cal_due_passed(d, at("2026-03-03T00:00:00Z"), "UTC"),
	   "passed at midnight UTC");
	ok(!pv_cal_due_passed(d, at("2026-02-01T00:00:00Z"), B),
	   "not passed long before");
	ok(!pv_cal_due_passed(d, at("2026-03-01T23:30:00Z"), B),
	   "not passed on the due day itself");
	ok(pv_cal_due_passed(d, at("2027-01-01T00:00:00Z"), B),
	   "passed long after");
}

int main(void)
{
	test_regions();
	test_easter();
	test_holidays();
	test_listing();
	test_working_days();
	test_add_months();
	test_due();
	test_due_end();
	return done_testing();
}
