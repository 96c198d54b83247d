/*
 * gen.c - a deterministic generator of German salon data for benchmarks,
 * tests and CI fixtures.
 *
 *	bench/gen [-s SEED] [-S S|M|L] [-c N] [-a N] [-i N] [-l N] [-x PERMILLE] DIR
 *
 * writes, for each location SLUG, DIR/SLUG/customers.csv,
 * DIR/SLUG/appointments.csv and DIR/SLUG/invoices.csv in exactly the column
 * layout that "privacyctl customer|appointment|invoice import" reads, and
 * DIR/locations.csv (slug,name,timezone,holidays).  Every file has a
 * location column, so that the files of all locations import in one go
 * (privacyctl appointment import with every DIR/SLUG/appointments.csv,
 * no --location).  The same seed and sizes give the same bytes on every
 * machine: the generator uses its own PRNG and no locale, clock or libc
 * random().
 *
 * About -x per mille of the rows carry one adversarial value (quotes,
 * commas, CR/LF inside cells, emoji, a leading '=', a very long field); all
 * of them are still valid input, so an import must take them unchanged.
 *
 * Standalone on purpose (no lib/): it must build on a bare machine and stay
 * fast at L size (10M appointments).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t rng_state;

/* splitmix64: tiny, fast, and the same on every platform */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [0, n) */
static uint64_t below(uint64_t n)
{
	return n ? (uint64_t)(((unsigned __int128)rnd() * n) >> 64) : 0;
}

static int chance(unsigned permille)
{
	return below(1000) < permille;
}

#define PICK(a) ((a)[below(sizeof(a) / sizeof((a)[0]))])

static const char *const first_f[] = {
	"Anna", "Lena", "Marie", "Sophie", "Hannah", "Lea", "Emma", "Mia",
	"Laura", "Julia", "Sarah", "Katharina", "Johanna", "Charlotte",
	"Jürgen", "Sabine", "Ute", "Birgit", "Renate", "Monika", "Petra",
	"Claudia", "Susanne", "Andrea", "Nicole", "Stefanie", "Jana", "Zoë",
	"Chantal", "Mareike", "Frauke", "Gülşen", "Ayşe", "Ewa", "Agnieszka",
	"Dörte", "Käthe", "Bärbel", "Özlem", "Svenja", "Ilse", "Gisela",
};
static const char *const first_m[] = {
	"Lukas", "Leon", "Jonas", "Felix", "Paul", "Maximilian", "Ben", "Elias",
	"Thomas", "Michael", "Andreas", "Stefan", "Klaus", "Uwe", "Jörg",
	"Günter", "Hans-Peter", "Karl-Heinz", "Björn", "Sören", "Mehmet",
	"Emre", "Piotr", "Dariusz", "Matthias", "Tobias", "Florian", "Jürgen",
	"Ralf", "Dieter", "Frank", "Timo", "Nils", "Malte", "Hauke",
};
static const char *const last[] = {
	"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
	"Becker", "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter",
	"Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
	"Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner",
	"Schmitz", "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier",
	"Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber", "Kaiser",
	"Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn",
	"Vogel", "Friedrich", "Keller", "Günther", "Frank", "Berger", "Winkler",
	"Roth", "Beck", "Lorenz", "Baumann", "Franke", "Albrecht", "Schuster",
	"Simon", "Ludwig", "Böhm", "Winter", "Kraus", "Martin", "Schumacher",
	"Yılmaz", "Kaya", "Demir", "Nowak", "Kowalski", "von der Heide",
	"Groß", "Jäger", "Sauer", "Brandt", "Haas", "Graf", "Dietrich",
};
static const char *const streets[] = {
	"Hauptstraße", "Schulstraße", "Gartenstraße", "Bahnhofstraße",
	"Dorfstraße", "Bergstraße", "Birkenweg", "Lindenstraße", "Kirchstraße",
	"Waldstraße", "Ringstraße", "Schillerstraße", "Goethestraße",
	"Am Mühlbach", "Friedrichstraße", "Kastanienallee", "Torstraße",
	"Schönhauser Allee", "Königsallee", "Große Elbstraße", "Weißdornweg",
	"An der Alster", "Maximilianstraße", "Südring", "Rosenweg",
};
static const char *const mail_domains[] = {
	"gmx.example", "web.example", "t-online.example", "mail.example",
	"posteo.example", "example.com", "example.net", "example.org",
};
static const char *const services[] = {
	"Waschen, Schneiden, Föhnen", "Herrenhaarschnitt", "Kinderhaarschnitt",
	"Färben", "Strähnen", "Balayage", "Dauerwelle", "Bartpflege",
	"Maniküre", "Pediküre", "Kosmetik-Behandlung", "Augenbrauen zupfen",
	"Wimpern färben", "Hochsteckfrisur", "Brautstyling", "Kopfmassage",
	"Glättung", "Pony schneiden",
};
static const char *const staff[] = {
	"Jasmin", "Kevin", "Sandra", "Dennis", "Melanie", "Marco", "Tanja",
	"Sven", "Nadine", "Özge", "Björn", "Franzi",
};
static const char *const notes[] = {
	"Allergie gegen PPD", "kommt immer etwas später", "empfindliche Kopfhaut",
	"mag keinen Smalltalk", "nur Bio-Produkte", "Kaffee schwarz",
	"bringt Hund mit", "Termin gern vormittags", "Stammkundin seit 2012",
	"Gutschein eingelöst", "bevorzugt Jasmin", "Rollstuhl: Eingang hinten",
};
static const char *const appt_notes[] = {
	"Farbe 7/1 + 20 Vol.", "kurz nachgeschnitten", "Gutschein",
	"zu spät gekommen", "Nachbehandlung kostenlos", "neue Kundin",
};
static const char *const sources[] = {
	"booking-form", "booking-form", "booking-form", "staff", "import",
	"double-opt-in",
};
static const char *const old_sources[] = {
	"staff", "staff", "import", "booking-form",
};

struct loc {
	const char *slug, *name, *city, *holidays, *plz;
	unsigned weight;
};

static const struct loc locs[] = {
	{"berlin-mitte", "Salon Mitte", "Berlin", "DE-BE", "101", 30},
	{"hamburg-nord", "Studio Nord", "Hamburg", "DE-HH", "224", 22},
	{"muenchen-schwabing", "Haarwerk Schwabing", "München", "DE-BY", "808", 20},
	{"koeln-ehrenfeld", "Friseur Ehrenfeld", "Köln", "DE-NW", "508", 16},
	{"leipzig-sued", "Salon Süd", "Leipzig", "DE-SN", "042", 12},
};
#define MAXLOC (int)(sizeof(locs) / sizeof(locs[0]))

static char longbuf[16384];

/* The adversarial values: every one of them is valid input. */
static const char *adversarial(void)
{
	static const char *const v[] = {
		"O\"Brien", "\"Quoted\"", "Müller, Jr.", "Anna\r\nMaria",
		"Zeile 1\nZeile 2", "=HYPERLINK(\"http://x.example\")", "=1+1",
		"+49 fake", "-minus", "@at", "🙂 Smiley", "👩‍🎤 Sängerin",
		"Ümläüt ß ẞ", "Tab\there", " leading space", "trailing space ",
		"a,b,c", "\"\",\"\"", "Robert'); DROP TABLE customers;--",
		"long",
	};
	static unsigned next;
	/* in turn rather than at random, so that even a small set has each */
	const char *s = v[next++ % (sizeof v / sizeof v[0])];

	if (strcmp(s, "long") == 0)
		return longbuf;
	return s;
}

static void put_csv(FILE *f, const char *s)
{
	const char *p;

	if (!s || !*s)
		return;
	if (!strpbrk(s, ",\"\r\n") && s[0] != ' ' && s[strlen(s) - 1] != ' ') {
		fputs(s, f);
		return;
	}
	putc('"', f);
	for (p = s; *p; p++) {
		if (*p == '"')
			putc('"', f);
		putc(*p, f);
	}
	putc('"', f);
}

static void put_sep(FILE *f, const char *s)
{
	put_csv(f, s);
	putc(',', f);
}

/* days since 1970-01-01 to y-m-d (civil_from_days, H. Hinnant) */
static void ymd(long z, int *y, int *m, int *d)
{
	long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static long days_from(int y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void date_str(char *buf, long day)
{
	int y, m, d;

	ymd(day, &y, &m, &d);
	snprintf(buf, 11, "%04d-%02d-%02d", y, m, d);
}

/* an RFC 3339 UTC time between the two days, at a salon hour */
static void time_str(char *buf, long from, long to, int salon)
{
	char d[16];
	long day = from + (long)below((uint64_t)(to - from));
	int h = salon ? 8 + (int)below(11) : (int)below(24);
	int mi = salon ? 15 * (int)below(4) : (int)below(60);

	date_str(d, day);
	snprintf(buf, 32, "%sT%02d:%02d:%02dZ", d, h, mi,
		 salon ? 0 : (int)below(60));
}

static void ascii_lower(char *out, size_t n, const char *in)
{
	static const struct { const char *u, *a; } tr[] = {
		{"ä", "ae"}, {"ö", "oe"}, {"ü", "ue"}, {"ß", "ss"}, {"Ä", "ae"},
		{"Ö", "oe"}, {"Ü", "ue"}, {"ş", "s"}, {"ı", "i"}, {"ë", "e"},
		{"Ş", "s"}, {"ẞ", "ss"},
	};
	size_t o = 0;

	while (*in && o + 3 < n) {
		size_t k;
		int done = 0;

		for (k = 0; k < sizeof tr / sizeof tr[0]; k++) {
			size_t l = strlen(tr[k].u);

			if (strncmp(in, tr[k].u, l) == 0) {
				size_t al = strlen(tr[k].a);

				if (o + al + 1 >= n)
					break;
				memcpy(out + o, tr[k].a, al);
				o += al;
				in += l;
				done = 1;
				break;
			}
		}
		if (done)
			continue;
		if (*in >= 'A' && *in <= 'Z')
			out[o++] = (char)(*in - 'A' + 'a');
		else if ((*in >= 'a' && *in <= 'z') || (*in >= '0' && *in <= '9'))
			out[o++] = *in;
		else if (*in == '-' || *in == ' ')
			out[o++] = '-';
		in++;
	}
	out[o] = '\0';
}

static FILE *open_out(const char *dir, const char *slug, const char *name)
{
	char path[4096];
	FILE *f;

	if (slug)
		snprintf(path, sizeof path, "%s/%s/%s", dir, slug, name);
	else
		snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "gen: cannot write '%s': %s\n", path,
			strerror(errno));
		exit(74);
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	return f;
}

static void close_out(FILE *f)
{
	if (fflush(f) || ferror(f) || fclose(f)) {
		fprintf(stderr, "gen: write error: %s\n", strerror(errno));
		exit(74);
	}
}

static void usage(void)
{
	fputs("usage: gen [-s SEED] [-S S|M|L] [-c CUSTOMERS] [-a APPOINTMENTS]\n"
	      "           [-i INVOICES] [-l LOCATIONS] [-x PERMILLE] DIR\n", stderr);
	exit(64);
}

static long num(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || end == s)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	uint64_t seed = 20180525;
	long nc = 100000, na = 1000000, ni = 300000;
	int nl = MAXLOC, c;
	unsigned adv = 10;
	const char *dir;
	long cum[MAXLOC + 1];
	long i, l, wsum = 0;
	long d2010 = days_from(2010, 1, 1), dgdpr = days_from(2018, 5, 25);
	long d2016 = days_from(2016, 1, 1), d2026 = days_from(2026, 11, 1);
	char tbuf[32], dbuf[16], mail[512], user[300], sbuf[256], pbuf[32];
	char addr[512];

	while ((c = getopt(argc, argv, "s:S:c:a:i:l:x:")) != -1) {
		switch (c) {
		case 's': seed = (uint64_t)num(optarg); break;
		case 'S':
			if (strcmp(optarg, "S") == 0)
				nc = 10000, na = 100000, ni = 30000;
			else if (strcmp(optarg, "M") == 0)
				nc = 100000, na = 1000000, ni = 300000;
			else if (strcmp(optarg, "L") == 0)
				nc = 1000000, na = 10000000, ni = 3000000;
			else
				usage();
			break;
		case 'c': nc = num(optarg); break;
		case 'a': na = num(optarg); break;
		case 'i': ni = num(optarg); break;
		case 'l':
			nl = (int)num(optarg);
			if (nl < 1 || nl > MAXLOC)
				usage();
			break;
		case 'x': adv = (unsigned)num(optarg); break;
		default: usage();
		}
	}
	if (optind != argc - 1)
		usage();
	dir = argv[optind];
	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "gen: cannot create '%s': %s\n", dir, strerror(errno));
		return 74;
	}
	rng_state = seed;
	for (i = 0; i < (long)sizeof longbuf - 1; i++)
		longbuf[i] = "Lorem ipsum dolor sit amet, "[i % 28];
	longbuf[sizeof longbuf - 1] = '\0';

	/* Split the customers over the locations by weight; customer k of the
	 * whole set belongs to location loc_of[k] and has index k (its
	 * external id) everywhere, so appointments and invoices can refer
	 * to it without a table. */
	cum[0] = 0;
	for (l = 0; l < nl; l++)
		wsum += locs[l].weight;
	for (l = 0; l < nl; l++)
		cum[l + 1] = cum[l] + (nc * locs[l].weight + wsum / 2) / wsum;
	cum[nl] = nc;

	FILE *lf = open_out(dir, NULL, "locations.csv");
	fputs("slug,name,timezone,holidays\n", lf);
	for (l = 0; l < nl; l++)
		fprintf(lf, "%s,%s,Europe/Berlin,%s\n", locs[l].slug,
			locs[l].name, locs[l].holidays);
	close_out(lf);

	for (l = 0; l < nl; l++) {
		const struct loc *L = &locs[l];
		char sub[4096];
		long first = cum[l], n = cum[l + 1] - cum[l];
		long nap = (long)((double)na * (double)n / (double)(nc ? nc : 1));
		long nin = (long)((double)ni * (double)n / (double)(nc ? nc : 1));
		FILE *f;

		if (l == nl - 1) {
			/* the rounding remainder goes to the last location */
			long sa = 0, si = 0, k;

			for (k = 0; k < nl - 1; k++) {
				long nk = cum[k + 1] - cum[k];

				sa += (long)((double)na * (double)nk / (double)(nc ? nc : 1));
				si += (long)((double)ni * (double)nk / (double)(nc ? nc : 1));
			}
			nap = na - sa;
			nin = ni - si;
		}
		snprintf(sub, sizeof sub, "%s/%s", dir, L->slug);
		if (mkdir(sub, 0755) && errno != EEXIST) {
			fprintf(stderr, "gen: cannot create '%s': %s\n", sub,
				strerror(errno));
			return 74;
		}

		f = open_out(dir, L->slug, "customers.csv");
		fputs("external_id,location,first_name,last_name,email,phone,"
		      "birth_date,street,postal_code,city,country,notes,"
		      "marketing_email,marketing_opt_in_at,marketing_source\n", f);
		for (i = 0; i < n; i++) {
			long k = first + i;
			int fem = chance(700); /* salons: mostly women */
			const char *fn = fem ? PICK(first_f) : PICK(first_m);
			const char *ln = PICK(last);
			char id[32], flo[64], llo[64];
			int bad = chance(adv) ? 1 + (int)below(6) : 0;
			int mk = chance(450);

			snprintf(id, sizeof id, "K%07ld", k + 1);
			put_sep(f, id);
			put_sep(f, L->slug);
			put_sep(f, bad == 1 ? adversarial() : fn);
			put_sep(f, bad == 2 ? adversarial() : ln);
			if (chance(900)) {
				ascii_lower(flo, sizeof flo, fn);
				ascii_lower(llo, sizeof llo, ln);
				snprintf(user, sizeof user, "%s.%s%ld", flo, llo,
					 k + 1);
				snprintf(mail, sizeof mail, "%s@%s", user,
					 PICK(mail_domains));
				put_sep(f, mail);
			} else {
				put_sep(f, NULL);
			}
			if (chance(850)) {
				snprintf(pbuf, sizeof pbuf, "+49 15%ld %07ld",
					 (long)below(10), (long)below(10000000));
				put_sep(f, pbuf);
			} else {
				put_sep(f, NULL);
			}
			if (chance(600)) {
				date_str(dbuf, days_from(1940, 1, 1) +
					 (long)below(68 * 365));
				put_sep(f, dbuf);
			} else {
				put_sep(f, NULL);
			}
			snprintf(sbuf, sizeof sbuf, "%s %ld", PICK(streets),
				 1 + (long)below(180));
			put_sep(f, bad == 3 ? adversarial() : sbuf);
			snprintf(pbuf, sizeof pbuf, "%s%02ld", L->plz,
				 (long)below(100));
			put_sep(f, pbuf);
			put_sep(f, bad == 4 ? adversarial() : L->city);
			put_sep(f, chance(980) ? "DE" : chance(500) ? "AT" : "CH");
			put_sep(f, bad >= 5 ? adversarial() :
				   chance(150) ? PICK(notes) : NULL);
			put_sep(f, mk ? "yes" : "no");
			if (mk) {
				/* about a third of the opt-ins predate the
				 * GDPR's application (2018-05-25) */
				int old = chance(350);

				if (old)
					time_str(tbuf, d2010, dgdpr, 0);
				else
					time_str(tbuf, dgdpr, d2026, 0);
				put_sep(f, tbuf);
				put_csv(f, old ? PICK(old_sources) : PICK(sources));
			} else {
				putc(',', f);
			}
			putc('\n', f);
		}
		close_out(f);

		f = open_out(dir, L->slug, "appointments.csv");
		fputs("external_id,location,customer_external_id,starts_at,"
		      "service,staff,price_cents,notes\n", f);
		for (i = 0; i < nap; i++) {
			char id[32], cid[32], price[32];
			int bad = chance(adv) ? 1 + (int)below(3) : 0;
			/* regulars: a skewed pick, the square of a uniform */
			double u = (double)below(1u << 30) / (double)(1u << 30);
			long k = first + (long)(u * u * (double)n);

			snprintf(id, sizeof id, "T%s-%08ld", L->plz, i + 1);
			snprintf(cid, sizeof cid, "K%07ld", k + 1);
			snprintf(price, sizeof price, "%ld",
				 1500 + 50 * (long)below(300));
			put_sep(f, id);
			put_sep(f, L->slug);
			put_sep(f, cid);
			time_str(tbuf, d2016, d2026, 1);
			put_sep(f, tbuf);
			put_sep(f, bad == 1 ? adversarial() : PICK(services));
			put_sep(f, bad == 2 ? adversarial() : PICK(staff));
			put_sep(f, price);
			put_csv(f, bad == 3 ? adversarial() :
				   chance(100) ? PICK(appt_notes) : NULL);
			putc('\n', f);
		}
		close_out(f);

		f = open_out(dir, L->slug, "invoices.csv");
		fputs("number,location,customer_external_id,issued_on,"
		      "total_cents,currency,billing_name,billing_address\n", f);
		for (i = 0; i < nin; i++) {
			char id[32], cid[32], total[32];
			int bad = chance(adv) ? 1 + (int)below(2) : 0;
			long k = first + (long)below((uint64_t)n);
			long day = d2016 + (long)i * (d2026 - d2016) /
				   (nin ? nin : 1);
			int y, m, d;

			ymd(day, &y, &m, &d);
			snprintf(id, sizeof id, "RE-%s-%04d-%07ld", L->plz, y,
				 i + 1);
			snprintf(cid, sizeof cid, "K%07ld", k + 1);
			snprintf(total, sizeof total, "%ld",
				 1500 + 10 * (long)below(4000));
			date_str(dbuf, day);
			put_sep(f, id);
			put_sep(f, L->slug);
			put_sep(f, cid);
			put_sep(f, dbuf);
			put_sep(f, total);
			put_sep(f, "EUR");
			snprintf(sbuf, sizeof sbuf, "%s %s",
				 chance(700) ? PICK(first_f) : PICK(first_m),
				 PICK(last));
			put_sep(f, bad == 1 ? adversarial() : sbuf);
			snprintf(addr, sizeof addr, "%s %ld\n%s%02ld %s",
				 PICK(streets), 1 + (long)below(180), L->plz,
				 (long)below(100), L->city);
			put_csv(f, bad == 2 ? adversarial() : addr);
			putc('\n', f);
		}
		close_out(f);
	}
	return 0;
}
