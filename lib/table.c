#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "table.h"

/* A column too wide for the terminal keeps at least this many
 * characters (a date), or all of them when it has fewer. */
enum { FLOOR = 10 };

/* A row is a run of cells in the cells array. */
struct tcell {
	char *key, *val;
};

struct pv_table {
	char **col; /* the columns shown */
	size_t ncol, colcap;
	int fixed, vertical, keep_all, plain_times;
	struct tcell *cell;
	size_t ncell, cellcap;
	size_t *row; /* index of each row's first cell */
	size_t nrow, rowcap;
};

static void add_col(struct pv_table *t, const char *k, size_t n)
{
	for (size_t i = 0; i < t->ncol; i++)
		if (strlen(t->col[i]) == n && memcmp(t->col[i], k, n) == 0)
			return;
	if (t->ncol == t->colcap) {
		t->colcap = t->colcap ? 2 * t->colcap : 16;
		t->col = xrealloc(t->col, t->colcap * sizeof *t->col);
	}
	t->col[t->ncol++] = xstrndup(k, n);
}

struct pv_table *pv_table_new(const char *columns, int flags)
{
	struct pv_table *t = xcalloc(1, sizeof *t);

	t->vertical = flags & PV_TABLE_VERTICAL;
	t->keep_all = flags & PV_TABLE_UNION;
	t->plain_times = !t->keep_all; /* CSV keeps the RFC 3339 text */
	for (const char *p = columns; p && *p;) {
		size_t n = strcspn(p, ",");

		add_col(t, p, n);
		p += n + (p[n] == ',');
		t->fixed = 1;
	}
	return t;
}

void pv_table_row(struct pv_table *t)
{
	if (t->nrow == t->rowcap) {
		t->rowcap = t->rowcap ? 2 * t->rowcap : 64;
		t->row = xrealloc(t->row, t->rowcap * sizeof *t->row);
	}
	t->row[t->nrow++] = t->ncell;
}

/* "2016-04-02T09:30:00Z" reads as "2016-04-02 09:30" (UTC, as all
 * times are); anything else as it is. */
static int is_utc_time(const char *v, size_t n)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:ddZ";

	if (n != sizeof pat - 1)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (pat[i] == 'd' ? (v[i] < '0' || v[i] > '9') : v[i] != pat[i])
			return 0;
	return 1;
}

void pv_table_cell(struct pv_table *t, const char *key, size_t klen,
		   const char *val, size_t vlen)
{
	if (!t->nrow)
		pv_table_row(t);
	if (!t->fixed || t->vertical || t->keep_all)
		add_col(t, key, klen);
	if (t->ncell == t->cellcap) {
		t->cellcap = t->cellcap ? 2 * t->cellcap : 256;
		t->cell = xrealloc(t->cell, t->cellcap * sizeof *t->cell);
	}
	t->cell[t->ncell].key = xstrndup(key, klen);
	if (t->plain_times && is_utc_time(val, vlen)) {
		char *v = xstrndup(val, 16);

		v[10] = ' ';
		t->cell[t->ncell++].val = v;
		return;
	}
	t->cell[t->ncell++].val = xstrndup(val, vlen);
}

long pv_table_rows(const struct pv_table *t)
{
	return (long)t->nrow;
}

/* Display width: one per code point (no wide characters here). */
static int width_of(const char *s)
{
	int w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* s cut to at most w columns, with an ellipsis when cut. */
static void put_cut(struct pv_buf *b, const char *s, int w, int pad)
{
	int have = width_of(s);

	if (have > w) {
		const char *p = s;
		int n = 0;

		while (*p && n < w - 1) {
			p++;
			while (((unsigned char)*p & 0xc0) == 0x80)
				p++;
			n++;
		}
		pv_buf_add(b, s, (size_t)(p - s));
		pv_buf_adds(b, w > 0 ? "\xe2\x80\xa6" : "");
		have = w;
	} else {
		pv_buf_adds(b, s);
	}
	for (int i = have; pad && i < w; i++)
		pv_buf_addc(b, ' ');
}

static const char *cell_of(const struct pv_table *t, size_t r,
			   const char *col)
{
	size_t end = r + 1 < t->nrow ? t->row[r + 1] : t->ncell;

	for (size_t i = t->row[r]; i < end; i++)
		if (strcmp(t->cell[i].key, col) == 0)
			return t->cell[i].val;
	return NULL;
}

/* One "key  value" line: the key bold on a terminal and padded to kw,
 * the value cut to vw columns. */
static void put_kv(struct pv_buf *out, const char *k, const char *v, int kw,
		   int vw, int bold)
{
	if (bold)
		pv_buf_adds(out, "\033[1m");
	pv_buf_adds(out, k);
	if (bold)
		pv_buf_adds(out, "\033[0m");
	for (int i = width_of(k); i < kw + 2; i++)
		pv_buf_addc(out, ' ');
	put_cut(out, v, vw, 0);
	pv_buf_addc(out, '\n');
}

/* The room for a value beside keys of width kw, or all of it (0). */
static int value_width(int width, int kw, const char *v)
{
	if (!width)
		return width_of(v);
	return width - kw - 2 > 8 ? width - kw - 2 : 8;
}

static void render_vertical(struct pv_table *t, struct pv_buf *out,
			    int width, int bold)
{
	int kw = 0;

	for (size_t i = 0; i < t->ncell; i++)
		if (width_of(t->cell[i].key) > kw)
			kw = width_of(t->cell[i].key);
	for (size_t i = 0, r = 1; i < t->ncell; i++) {
		if (r < t->nrow && i == t->row[r]) {
			pv_buf_addc(out, '\n'); /* a blank line between */
			r++;
		}
		put_kv(out, t->cell[i].key, t->cell[i].val, kw,
		       value_width(width, kw, t->cell[i].val), bold);
	}
}

/* The columns show[0..nshow) of each row as "key  value" lines, the
 * empty ones left out, a blank line between rows: a table too wide for
 * the terminal (pv_table_render). */
static void render_blocks(struct pv_table *t, struct pv_buf *out, int width,
			  int bold, const size_t *show, size_t nshow)
{
	int kw = 0;

	for (size_t c = 0; c < nshow; c++)
		if (width_of(t->col[show[c]]) > kw)
			kw = width_of(t->col[show[c]]);
	for (size_t r = 0; r < t->nrow; r++) {
		if (r)
			pv_buf_addc(out, '\n');
		for (size_t c = 0; c < nshow; c++) {
			const char *k = t->col[show[c]];
			const char *v = cell_of(t, r, k);

			if (v && *v)
				put_kv(out, k, v, kw, value_width(width, kw, v),
				       bold);
		}
	}
}

void pv_table_render(struct pv_table *t, struct pv_buf *out, int width,
		     int bold)
{
	int *w, total = 0;
	size_t nshow = 0, *show;

	if (t->vertical) {
		render_vertical(t, out, width, bold);
		return;
	}
	w = xcalloc(t->ncol + 1, sizeof *w);
	show = xcalloc(t->ncol + 1, sizeof *show);
	for (size_t c = 0; c < t->ncol; c++) {
		int used = !t->fixed || !t->nrow;

		w[nshow] = width_of(t->col[c]);
		for (size_t r = 0; r < t->nrow; r++) {
			const char *v = cell_of(t, r, t->col[c]);

			if (v && *v) { /* a column of blanks says nothing */
				used = 1;
				if (width_of(v) > w[nshow])
					w[nshow] = width_of(v);
			}
		}
		if (used)
			show[nshow++] = c;
	}
	for (size_t c = 0; c < nshow; c++)
		total += w[c] + (c ? 2 : 0);
	/* Too wide: take from the widest column, down to its floor: its
	 * header's width, and at least FLOOR characters of its values (a
	 * date stays whole, a name or an e-mail address keeps its start).
	 * When even the floors do not fit, each row becomes a block of
	 * "key  value" lines (as psql's expanded display does): a table
	 * of stumps is read by nobody. */
	if (width && total > width) {
		int *fl = xcalloc(nshow + 1, sizeof *fl), sum = 0;

		for (size_t c = 0; c < nshow; c++) {
			int hw = width_of(t->col[show[c]]);

			fl[c] = w[c] < FLOOR ? w[c] : FLOOR;
			if (fl[c] < hw)
				fl[c] = hw;
			sum += fl[c] + (c ? 2 : 0);
		}
		if (sum > width) {
			free(fl);
			render_blocks(t, out, width, bold, show, nshow);
			free(w);
			free(show);
			return;
		}
		while (total > width) {
			size_t big = nshow;

			for (size_t c = 0; c < nshow; c++)
				if (w[c] > fl[c] &&
				    (big == nshow || w[c] > w[big]))
					big = c;
			w[big]--, total--;
		}
		free(fl);
	}
	if (bold)
		pv_buf_adds(out, "\033[1m");
	for (size_t c = 0; c < nshow; c++) {
		char *h = xstrdup(t->col[show[c]]);

		for (char *p = h; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		if (c)
			pv_buf_add(out, "  ", 2);
		put_cut(out, h, w[c], c + 1 < nshow);
		free(h);
	}
	if (bold)
		pv_buf_adds(out, "\033[0m");
	pv_buf_addc(out, '\n');
	for (size_t r = 0; r < t->nrow; r++) {
		for (size_t c = 0; c < nshow; c++) {
			const char *v = cell_of(t, r, t->col[show[c]]);

			if (c)
				pv_buf_add(out, "  ", 2);
			put_cut(out, v ? v : "", w[c], c + 1 < nshow);
		}
		/* no blanks at the end of a line */
		while (out->len && out->s[out->len - 1] == ' ')
			out->s[--out->len] = '\0';
		pv_buf_addc(out, '\n');
	}
	free(w);
	free(show);
}

void pv_table_csv(struct pv_table *t, struct pv_buf *out,
		  void (*cell)(struct pv_buf *, const char *, size_t, int))
{
	for (size_t c = 0; c < t->ncol; c++) {
		if (c)
			pv_buf_addc(out, ',');
		cell(out, t->col[c], strlen(t->col[c]), 1);
	}
	pv_buf_add(out, "\r\n", 2);
	for (size_t r = 0; r < t->nrow; r++) {
		for (size_t c = 0; c < t->ncol; c++) {
			const char *v = cell_of(t, r, t->col[c]);

			if (c)
				pv_buf_addc(out, ',');
			if (v)
				pv_buf_adds(out, v);
		}
		pv_buf_add(out, "\r\n", 2);
	}
}

void pv_table_free(struct pv_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->ncol; i++)
		free(t->col[i]);
	for (size_t i = 0; i < t->ncell; i++) {
		free(t->cell[i].key);
		free(t->cell[i].val);
	}
	free(t->col);
	free(t->cell);
	free(t->row);
	free(t);
}

int pv_term_width(int fd)
{
	const char *c = getenv("COLUMNS");
	long long n;
	struct winsize ws;

	if (c && pv_parse_ll(c, &n) == 0 && n > 0 && n < 10000)
		return (int)n;
	if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 0;
}

int pv_term_color(int fd)
{
	const char *nc = getenv("NO_COLOR");

	return isatty(fd) && !(nc && *nc);
}
