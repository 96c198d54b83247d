/*
 * rec.c - records on stdin and stdout.
 *
 * The readers pull: pv_input_next() reads just enough of the current file
 * for one record, so memory stays flat however long the input is.  JSON is
 * cut into one object's text by a small scanner of our own and only that
 * slice goes to jansson; CSV is fed to libcsv one line at a time, which is
 * how we know the line each record starts on.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <csv.h>
#include <jansson.h>

#include "dialect.h"
#include "rec.h"
#include "summary.h"
#include "table.h"

#define RBUF_SIZE 65536
/* One record may not be larger than this, so that a missing quote or
 * newline cannot make us hold the whole input in memory. */
#define REC_MAX (16 * 1024 * 1024)

int pv_fmt_parse(const char *s, int allow_auto, enum pv_fmt *out)
{
	static const struct {
		const char *name;
		enum pv_fmt fmt;
	} t[] = {
		{ "ndjson", PV_FMT_NDJSON },
		{ "json", PV_FMT_JSON },
		{ "csv", PV_FMT_CSV },
		{ "auto", PV_FMT_AUTO },
	};

	for (size_t i = 0; s && i < sizeof t / sizeof t[0]; i++) {
		if (strcmp(s, t[i].name) != 0)
			continue;
		if (t[i].fmt == PV_FMT_AUTO && !allow_auto)
			return -1;
		*out = t[i].fmt;
		return 0;
	}
	return -1;
}

/* ---- records ---------------------------------------------------------- */

/* Copy s (n bytes, NUL added) into *buf of capacity *cap, growing it. */
static char *keep(char **buf, size_t *cap, const char *s, size_t n)
{
	if (n >= *cap) {
		*cap = n < 32 ? 32 : n + 1;
		free(*buf);
		*buf = xmalloc(*cap);
	}
	memcpy(*buf, s, n);
	(*buf)[n] = '\0';
	return *buf;
}

static void rec_add(struct pv_rec *r, const char *k, size_t kl, const char *v,
		    size_t vl)
{
	size_t i = r->n;

	if (i == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->keys = xrealloc(r->keys, r->cap * sizeof *r->keys);
		r->vals = xrealloc(r->vals, r->cap * sizeof *r->vals);
		r->vbuf = xrealloc(r->vbuf, r->cap * sizeof *r->vbuf);
		r->kcap = xrealloc(r->kcap, r->cap * sizeof *r->kcap);
		r->vcap = xrealloc(r->vcap, r->cap * sizeof *r->vcap);
		r->nested = xrealloc(r->nested, r->cap * sizeof *r->nested);
	}
	r->nested[i] = 0;
	if (i == r->nbuf) {
		r->keys[i] = r->vbuf[i] = NULL;
		r->kcap[i] = r->vcap[i] = 0;
		r->nbuf++;
	}
	keep(&r->keys[i], &r->kcap[i], k, kl);
	r->vals[i] = v ? keep(&r->vbuf[i], &r->vcap[i], v, vl) : NULL;
	r->n++;
}

void pv_rec_add(struct pv_rec *r, const char *key, const char *val)
{
	rec_add(r, key, strlen(key), val, val ? strlen(val) : 0);
}

static long rec_find(const struct pv_rec *r, const char *key)
{
	for (size_t i = 0; r && key && i < r->n; i++)
		if (strcmp(r->keys[i], key) == 0)
			return (long)i;
	return -1;
}

int pv_rec_nested(const struct pv_rec *r, size_t i)
{
	return r && i < r->n && r->nested && r->nested[i];
}

const char *pv_rec_get(const struct pv_rec *r, const char *key)
{
	long i = rec_find(r, key);

	return i < 0 ? NULL : r->vals[i];
}

const char *pv_rec_val(const struct pv_rec *r, const char *key)
{
	const char *v = pv_rec_get(r, key);

	return v && *v ? v : NULL;
}

int pv_rec_has(const struct pv_rec *r, const char *key)
{
	return rec_find(r, key) >= 0;
}

void pv_rec_clear(struct pv_rec *r)
{
	r->n = 0;
	r->line = 0;
	r->hline = 0;
}

void pv_rec_free(struct pv_rec *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nbuf; i++) {
		free(r->keys[i]);
		free(r->vbuf[i]);
	}
	free(r->keys);
	free(r->vals);
	free(r->vbuf);
	free(r->kcap);
	free(r->vcap);
	free(r->nested);
	memset(r, 0, sizeof *r);
}

/* ---- input ------------------------------------------------------------ */

enum { A_OPEN, A_FIRST, A_ELEM }; /* where a JSON array reader stands */

/* A CSV row as libcsv hands it over, cell by cell. */
struct crow {
	struct pv_buf d;
	size_t *off, *len;
	size_t n, cap;
	long line;
};

struct pv_input {
	char **files;
	int nfiles, next;
	enum pv_fmt want;
	const char *mem; /* pv_input_mem */
	size_t memlen;
	const char *memname;

	/* the current file */
	int open, fd, dead, eof;
	const char *name;
	enum pv_fmt fmt;
	char *rbuf;
	const char *p; /* rbuf, or mem */
	size_t pos, end;
	long line; /* of p[pos] */
	struct pv_buf tmp;   /* the line or array element being read */
	struct pv_buf stack; /* brackets open in an array element */
	struct pv_buf scratch;
	int astate, arrays;

	struct csv_parser csv;
	int csv_ready, csv_done;
	char **hdr;
	size_t nhdr;
	const char *const *need; /* a CSV header must name one of these */
	long hline;         /* the header's line */
	char delim_want;    /* pv_input_dialect: 0 detect */
	char delim;         /* of the current file */
	const char *enc;    /* pv_input_dialect: NULL for UTF-8 */
	struct pv_dec *dec; /* decoding the current file */
	struct crow *q; /* rows parsed but not yet returned, then the one */
	size_t qhead, qtail, qcap; /* being parsed at q[qtail] */
	int in_row;
	long row_line;
	size_t row_bytes;
};

/* The file's bytes, decoded to UTF-8 when it has another encoding. */
static ssize_t src_read(struct pv_input *in, char *buf, size_t n)
{
	if (in->dec)
		return pv_dec_read(in->dec, buf, n);
	return read(in->fd, buf, n);
}

int pv_stdin_closed;

static ssize_t fd_src(void *arg, char *buf, size_t n)
{
	struct pv_input *in = arg;
	ssize_t r;

	do
		r = read(in->fd, buf, n);
	while (r < 0 && errno == EINTR && !pv_stop_sig);
	return r;
}

static int fill(struct pv_input *in)
{
	ssize_t n;

	if (in->pos < in->end)
		return 1;
	if (in->eof)
		return 0;
	do
		n = src_read(in, in->rbuf, RBUF_SIZE);
	while (n < 0 && errno == EINTR && !pv_stop_sig);
	if (n < 0)
		return -1;
	if (n == 0) {
		in->eof = 1;
		return 0;
	}
	in->p = in->rbuf;
	in->pos = 0;
	in->end = (size_t)n;
	return 1;
}

/* Read more without dropping what is buffered (a pipe may deliver the
 * first bytes of a BOM one at a time). */
static int more(struct pv_input *in)
{
	size_t have = in->end - in->pos;
	ssize_t n;

	if (in->eof)
		return 0;
	if (have)
		memmove(in->rbuf, in->p + in->pos, have);
	in->p = in->rbuf;
	in->pos = 0;
	in->end = have;
	do
		n = src_read(in, in->rbuf + have, RBUF_SIZE - have);
	while (n < 0 && errno == EINTR && !pv_stop_sig);
	if (n < 0)
		return -1;
	if (n == 0)
		in->eof = 1;
	in->end += (size_t)n;
	return n > 0;
}

static int io_fail(struct pv_input *in, struct pv_err *e)
{
	if (in->dec && (errno == EILSEQ || errno == EINVAL)) {
		in->dead = 1;
		pv_fail(e, PV_DATAERR, "%s:%ld: not %s text (byte %llu): "
			"check --encoding", in->name, in->line, in->enc,
			pv_dec_offset(in->dec) + 1);
		return -1;
	}
	pv_fail(e, PV_IOERR, "cannot read '%s': %s", in->name, strerror(errno));
	in->dead = 1;
	return -1;
}

/* Field names come from the input: print one only when it cannot garble
 * the message. */
static int name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 64 || !pv_utf8_valid(s, n))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int data_fail(struct pv_input *in, struct pv_err *e, long line,
		     const char *field, const char *why)
{
	if (field && name_ok(field, strlen(field)))
		pv_fail(e, PV_DATAERR, "%s:%ld: %s: %s", in->name, line, field,
			why);
	else
		pv_fail(e, PV_DATAERR, "%s:%ld: %s", in->name, line, why);
	return -1;
}

/* An error after which the rest of the file cannot be read. */
static int dead_fail(struct pv_input *in, struct pv_err *e, long line,
		     const char *field, const char *why)
{
	in->dead = 1;
	return data_fail(in, e, line, field, why);
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Skip white space; the next byte, -1 at the end, -2 on a read error. */
static int peek(struct pv_input *in)
{
	int rc;

	while ((rc = fill(in)) > 0) {
		char c = in->p[in->pos];

		if (!is_ws(c))
			return (unsigned char)c;
		if (c == '\n')
			in->line++;
		in->pos++;
	}
	return rc < 0 ? -2 : -1;
}

/* Append the rest of the line, newline included, to b.  1 for a line, 0 at
 * the end, -1 on a read error; *big when it was too long to keep. */
static int read_line(struct pv_input *in, struct pv_buf *b, int *big)
{
	int rc, got = 0;

	while ((rc = fill(in)) > 0) {
		const char *s = in->p + in->pos;
		size_t n = in->end - in->pos;
		const char *nl = memchr(s, '\n', n);
		size_t take = nl ? (size_t)(nl - s) + 1 : n;

		if (b->len + take <= REC_MAX)
			pv_buf_add(b, s, take);
		else
			*big = 1;
		in->pos += take;
		got = 1;
		if (nl)
			return 1;
	}
	return rc < 0 ? -1 : got;
}

/* ---- JSON objects ----------------------------------------------------- */

static const char *skip_ws(const char *s, const char *end)
{
	while (s < end && is_ws(*s))
		s++;
	return s;
}

/* s at a quote: just past the closing quote. */
static const char *str_end(const char *s, const char *end)
{
	for (s++; s < end; s++) {
		if (*s == '\\' && s + 1 < end)
			s++;
		else if (*s == '"')
			return s + 1;
	}
	return end;
}

static const char *val_end(const char *s, const char *end)
{
	long depth = 0;

	for (; s < end; s++) {
		if (*s == '"') {
			s = str_end(s, end) - 1;
			if (depth == 0)
				return s + 1;
		} else if (*s == '{' || *s == '[') {
			depth++;
		} else if (*s == '}' || *s == ']') {
			if (depth == 0)
				return s;
			if (--depth == 0)
				return s + 1;
		} else if (depth == 0 && (*s == ',' || is_ws(*s))) {
			return s;
		}
	}
	return end;
}

struct member {
	const char *k, *kend, *v, *vend;
};

/*
 * The next member of an object's text, *pp just after '{' or a member.
 * Bounded and forgiving, as it also walks text jansson has refused.
 */
static int next_member(const char **pp, const char *end, struct member *m)
{
	const char *s = skip_ws(*pp, end);

	if (s >= end || *s != '"')
		return 0;
	m->k = s;
	m->kend = s = str_end(s, end);
	s = skip_ws(s, end);
	if (s >= end || *s != ':')
		return 0;
	m->v = s = skip_ws(s + 1, end);
	m->vend = s = val_end(s, end);
	s = skip_ws(s, end);
	if (s < end && *s == ',')
		s++;
	*pp = s;
	return 1;
}

static const char *obj_body(const char *s, const char *end)
{
	s = skip_ws(s, end);
	return s < end && *s == '{' ? s + 1 : end;
}

/* A JSON string token as a C string (to be freed), or NULL. */
static char *json_token_str(const char *s, size_t n)
{
	json_t *j = json_loadb(s, n, JSON_DECODE_ANY, NULL);
	char *out = NULL;

	if (json_is_string(j))
		out = xstrdup(json_string_value(j));
	json_decref(j);
	return out;
}

/* Say which field holds the bad bytes, if a key does not. */
static int utf8_fail(struct pv_input *in, const char *s, size_t n, long line,
		     struct pv_err *e)
{
	const char *end = s + n, *p = obj_body(s, end);
	struct member m;
	char *key;
	int rc;

	while (next_member(&p, end, &m)) {
		if (!pv_utf8_valid(m.k, (size_t)(m.kend - m.k)))
			break;
		if (pv_utf8_valid(m.v, (size_t)(m.vend - m.v)))
			continue;
		key = json_token_str(m.k, (size_t)(m.kend - m.k));
		rc = data_fail(in, e, line, key, "invalid UTF-8");
		free(key);
		return rc;
	}
	return data_fail(in, e, line, NULL, "invalid UTF-8");
}

/* jansson's messages quote the input near the error, which may be
 * personal data, so only the error code is used. */
static int json_fail(struct pv_input *in, const json_error_t *je, long line,
		     int cols, struct pv_err *e)
{
	const char *t, *z, *why = "invalid json";
	char *key = NULL, buf[160];
	int rc;

	switch (json_error_code(je)) {
	case json_error_duplicate_key:
		/* "... near '"key"'": a key is a field name, not data */
		why = "duplicate key";
		t = strstr(je->text, " near '");
		z = strrchr(je->text, '\'');
		if (t && z > t + 7)
			key = json_token_str(t + 7, (size_t)(z - t - 7));
		break;
	case json_error_premature_end_of_input:
		why = "unexpected end of json";
		break;
	case json_error_null_character:
	case json_error_null_byte_in_key:
		why = "NUL character";
		break;
	case json_error_numeric_overflow:
		why = "number out of range";
		break;
	case json_error_stack_overflow:
		why = "json nested too deeply";
		break;
	case json_error_invalid_utf8:
		why = "invalid UTF-8";
		break;
	case json_error_end_of_input_expected:
		why = "more after the end of the value";
		break;
	default:
		/* "'}' expected near 'x'": the part before " near " is
		 * jansson's own words, never the input */
		t = strstr(je->text, " near ");
		if (t && t > je->text && (size_t)(t - je->text) < sizeof buf) {
			memcpy(buf, je->text, (size_t)(t - je->text));
			buf[t - je->text] = '\0';
			why = buf;
		} else if (!t && je->text[0] && strlen(je->text) < sizeof buf) {
			why = strcpy(buf, je->text);
		}
		break;
	}
	/* line and column of the error itself (a pretty-printed record
	 * spans lines) */
	if (json_error_code(je) == json_error_premature_end_of_input) {
		rc = data_fail(in, e, line, NULL, why);
		free(key);
		return rc;
	}
	if (cols && je->line > 1)
		line += je->line - 1;
	if (cols && je->column > 0 && !key) {
		char at[200];

		snprintf(at, sizeof at, "column %d: %s", je->column, why);
		rc = data_fail(in, e, line, NULL, at);
	} else {
		rc = data_fail(in, e, line, key, why);
	}
	free(key);
	return rc;
}

/* Nested values keep their source text (numbers exactly as written),
 * without the white space. */
static void compact(struct pv_buf *b, const char *s, const char *end)
{
	const char *run = s;

	pv_buf_reset(b);
	while (s < end) {
		if (*s == '"') {
			s = str_end(s, end);
		} else if (is_ws(*s)) {
			pv_buf_add(b, run, (size_t)(s - run));
			while (s < end && is_ws(*s))
				s++;
			run = s;
		} else {
			s++;
		}
	}
	pv_buf_add(b, run, (size_t)(end - run));
}

/* jansson has checked the text and decoded the strings; numbers and
 * nested values are taken from the text itself, in the same order. */
static int fill_rec(struct pv_input *in, struct pv_rec *r, json_t *j,
		    const char *s, size_t n)
{
	const char *end = s + n, *p = obj_body(s, end);
	void *it = json_object_iter(j);
	struct member m;

	while (it && next_member(&p, end, &m)) {
		const char *k = json_object_iter_key(it);
		size_t kl = json_object_iter_key_len(it);
		json_t *v = json_object_iter_value(it);

		switch (json_typeof(v)) {
		case JSON_STRING:
			rec_add(r, k, kl, json_string_value(v),
				json_string_length(v));
			break;
		case JSON_NULL:
			rec_add(r, k, kl, NULL, 0);
			break;
		case JSON_OBJECT:
		case JSON_ARRAY:
			compact(&in->scratch, m.v, m.vend);
			rec_add(r, k, kl, in->scratch.s, in->scratch.len);
			r->nested[r->n - 1] = 1;
			break;
		default:
			rec_add(r, k, kl, m.v, (size_t)(m.vend - m.v));
			break;
		}
		it = json_object_iter_next(j, it);
	}
	return it || next_member(&p, end, &m) ? -1 : 0;
}

/* cols: s starts a line, so jansson's line and column are the file's
 * (an element of a JSON array starts anywhere: its line only). */
static int parse_object(struct pv_input *in, const char *s, size_t n,
			long line, int cols, struct pv_rec *r,
			struct pv_err *e)
{
	json_error_t je;
	json_t *j;
	int rc;

	if (!pv_utf8_valid(s, n))
		return utf8_fail(in, s, n, line, e);
	j = json_loadb(s, n, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL |
			     JSON_DECODE_ANY, &je);
	if (!j)
		return json_fail(in, &je, line, cols, e);
	if (!json_is_object(j)) {
		json_decref(j);
		return data_fail(in, e, line, NULL, "not a json object");
	}
	rc = fill_rec(in, r, j, s, n);
	json_decref(j);
	if (rc < 0)
		return data_fail(in, e, line, NULL, "invalid json");
	r->line = line;
	return 1;
}

/* ---- NDJSON ----------------------------------------------------------- */

struct jscan {
	long depth;
	int str, esc;
};

static void jscan(struct jscan *j, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (j->esc)
			j->esc = 0;
		else if (j->str)
			j->esc = c == '\\', j->str = c != '"';
		else if (c == '"')
			j->str = 1;
		else if (c == '{' || c == '[')
			j->depth++;
		else if (c == '}' || c == ']')
			j->depth--;
	}
}

/*
 * A line that is just "{" starts a pretty-printed object (what -f json
 * writes for a single document): read on to its closing brace.
 */
static int read_pretty(struct pv_input *in, long line, struct pv_err *e)
{
	struct jscan js = { 0 };

	jscan(&js, in->tmp.s, in->tmp.len);
	while (js.depth > 0) {
		size_t old = in->tmp.len;
		int big = 0, rc = read_line(in, &in->tmp, &big);

		if (rc < 0)
			return io_fail(in, e);
		if (rc == 0)
			return dead_fail(in, e, line, NULL,
					 "unexpected end of input");
		in->line++;
		if (big)
			return dead_fail(in, e, line, NULL, "record too long");
		jscan(&js, in->tmp.s + old, in->tmp.len - old);
	}
	return 0;
}

static int ndjson_next(struct pv_input *in, struct pv_rec *r,
		       struct pv_err *e)
{
	for (;;) {
		long line = in->line;
		int big = 0, rc;
		const char *s, *end;

		pv_buf_reset(&in->tmp);
		rc = read_line(in, &in->tmp, &big);
		if (rc < 0)
			return io_fail(in, e);
		if (rc == 0)
			return 0;
		in->line++;
		if (big)
			return data_fail(in, e, line, NULL, "record too long");
		end = in->tmp.s + in->tmp.len;
		s = skip_ws(in->tmp.s, end);
		if (s == end)
			continue;
		if (*s == '{' && skip_ws(s + 1, end) == end &&
		    read_pretty(in, line, e) < 0)
			return -1;
		return parse_object(in, in->tmp.s, in->tmp.len, line, 1, r,
				    e);
	}
}

/* ---- JSON arrays ------------------------------------------------------ */

/*
 * Scan one element to the ',' or ']' that ends it, keeping the brackets
 * on a stack so that a stray one is caught here and not by swallowing
 * the elements after it.
 */
static int array_elem(struct pv_input *in, struct pv_rec *r, struct pv_err *e)
{
	long line = in->line;
	int rc = 0, big = 0, str = 0, esc = 0, term = 0, bad = 0;
	const char *s, *end;

	pv_buf_reset(&in->tmp);
	pv_buf_reset(&in->stack);
	while (!term && !bad && (rc = fill(in)) > 0) {
		const char *b = in->p + in->pos;
		size_t n = in->end - in->pos, i;

		for (i = 0; i < n && !term && !bad; i++) {
			char c = b[i];

			if (c == '\n')
				in->line++;
			if (esc) {
				esc = 0;
			} else if (str) {
				esc = c == '\\';
				str = c != '"';
			} else if (c == '"') {
				str = 1;
			} else if (c == '{' || c == '[') {
				pv_buf_addc(&in->stack, c);
			} else if (c == '}' || c == ']') {
				if (c == ']' && in->stack.len == 0)
					term = c;
				else if (in->stack.len == 0 ||
					 in->stack.s[in->stack.len - 1] !=
						 (c == '}' ? '{' : '['))
					bad = 1;
				else
					in->stack.len--;
			} else if (c == ',' && in->stack.len == 0) {
				term = c;
			}
		}
		if (in->tmp.len + i <= REC_MAX)
			pv_buf_add(&in->tmp, b, i - (term != 0));
		else
			big = 1;
		in->pos += i;
	}
	if (!term && !bad && rc < 0)
		return io_fail(in, e);
	if (bad)
		return dead_fail(in, e, in->line, NULL, "unbalanced brackets");
	/* a whole last element before a missing ']' is still returned; the
	 * next call reports the end */
	if (!term && (str || in->stack.len))
		return dead_fail(in, e, line, NULL, "unexpected end of input");
	in->astate = term == ']' ? A_OPEN : A_ELEM;
	if (big)
		return data_fail(in, e, line, NULL, "record too long");
	end = in->tmp.s + in->tmp.len;
	s = skip_ws(in->tmp.s, end);
	if (s == end)
		return data_fail(in, e, line, NULL, "empty array element");
	return parse_object(in, s, (size_t)(end - s), line, 0, r, e);
}

static int array_next(struct pv_input *in, struct pv_rec *r, struct pv_err *e)
{
	for (;;) {
		int c = peek(in);

		if (c == -2)
			return io_fail(in, e);
		if (in->astate == A_OPEN) {
			/* arrays one after the other, as from cat */
			if (c == -1)
				return 0;
			if (c != '[')
				return dead_fail(in, e, in->line, NULL,
						 in->arrays ?
						 "data after the json array" :
						 "expected a json array");
			in->pos++;
			in->arrays++;
			in->astate = A_FIRST;
			continue;
		}
		if (c == -1)
			return dead_fail(in, e, in->line, NULL,
					 "unexpected end of input");
		if (in->astate == A_FIRST && c == ']') {
			in->pos++;
			in->astate = A_OPEN;
			continue;
		}
		return array_elem(in, r, e);
	}
}

/* ---- CSV -------------------------------------------------------------- */

/* RFC 4180: spaces are part of a cell. */
static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static void q_reserve(struct pv_input *in)
{
	if (in->qtail < in->qcap)
		return;
	in->q = xrealloc(in->q, (in->qcap + 4) * sizeof *in->q);
	memset(in->q + in->qcap, 0, 4 * sizeof *in->q);
	in->qcap += 4;
}

static void csv_cell(void *s, size_t len, void *data)
{
	struct pv_input *in = data;
	struct crow *w = &in->q[in->qtail];

	/* a row after a bare CR starts mid-line */
	if (!in->in_row) {
		in->in_row = 1;
		in->row_line = in->line;
		in->row_bytes = 0;
	}
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 16;
		w->off = xrealloc(w->off, w->cap * sizeof *w->off);
		w->len = xrealloc(w->len, w->cap * sizeof *w->len);
	}
	w->off[w->n] = w->d.len;
	w->len[w->n] = len;
	pv_buf_add(&w->d, s ? s : "", s ? len : 0);
	w->n++;
}

static void csv_row(int c, void *data)
{
	struct pv_input *in = data;

	(void)c;
	in->in_row = 0;
	in->q[in->qtail++].line = in->row_line;
	q_reserve(in);
	in->q[in->qtail].n = 0;
	pv_buf_reset(&in->q[in->qtail].d);
}

/* Feed libcsv up to the end of one line, so that we know its number. */
static int csv_feed(struct pv_input *in, struct pv_err *e)
{
	int rc = fill(in);
	const char *s, *nl;
	size_t n, take, blk;

	if (rc < 0)
		return io_fail(in, e);
	if (rc == 0) {
		in->csv_done = 1;
		if (csv_fini(&in->csv, csv_cell, csv_row, in) != 0)
			return dead_fail(in, e, in->row_line, NULL,
					 "unterminated quoted cell");
		return 0;
	}
	s = in->p + in->pos;
	n = in->end - in->pos;
	if (!in->in_row) {
		/* libcsv skips empty lines too, but we must count them */
		while (n && (*s == '\r' || *s == '\n')) {
			in->line += *s == '\n';
			s++, n--, in->pos++;
		}
		if (!n)
			return 0;
		in->in_row = 1;
		in->row_line = in->line;
		in->row_bytes = 0;
	}
	nl = memchr(s, '\n', n < RBUF_SIZE ? n : RBUF_SIZE);
	take = nl ? (size_t)(nl - s) + 1 : n < RBUF_SIZE ? n : RBUF_SIZE;
	/* libcsv grows a cell's buffer by a fixed step: make it geometric
	 * (with bounded feeds), or a long cell costs quadratic time */
	blk = csv_get_buffer_size(&in->csv);
	csv_set_blk_size(&in->csv, blk > 4096 ? blk : 4096);
	if (csv_parse(&in->csv, s, take, csv_cell, csv_row, in) < take)
		return dead_fail(in, e, in->line, NULL, "misplaced quote");
	in->pos += take;
	in->line += nl != NULL;
	in->row_bytes += take;
	if (in->in_row && in->row_bytes > REC_MAX)
		return dead_fail(in, e, in->row_line, NULL, "record too long");
	return 0;
}

static const char *cell_check(struct pv_input *in, const char *s, size_t n)
{
	if (memchr(s, '\0', n))
		return in->enc ? "NUL character" :
				 pv_dialect_utf8_hint(s, n, 1);
	if (!pv_utf8_valid(s, n))
		return in->enc ? "invalid UTF-8" :
				 pv_dialect_utf8_hint(s, n, 0);
	return NULL;
}

/* The separator a header cell is full of, when it is not ours; or 0. */
static char other_delim(const struct pv_input *in, const char *cell)
{
	char c = pv_dialect_sniff(cell, strlen(cell));

	return c != in->delim && strchr(cell, c) ? c : 0;
}

static int csv_header(struct pv_input *in, struct crow *w, struct pv_err *e)
{
	char col[32], msg[96];
	const char *why = NULL, *field = col;
	size_t i;

	in->hdr = xcalloc(w->n, sizeof *in->hdr);
	for (i = 0; i < w->n && !why; i++) {
		const char *s = w->d.s + w->off[i];
		size_t n = w->len[i];

		while (n && (*s == ' ' || *s == '\t'))
			s++, n--;
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		snprintf(col, sizeof col, "column %zu", i + 1);
		if (!(why = cell_check(in, s, n)) && n == 0)
			why = "empty column name";
		in->hdr[i] = xstrndup(s, n);
		for (size_t k = 0; !why && k < i; k++) {
			if (strcmp(in->hdr[k], in->hdr[i]) == 0) {
				why = "duplicate column";
				if (name_ok(in->hdr[i], n))
					field = in->hdr[i];
			}
		}
	}
	in->nhdr = i;
	in->hline = w->line;
	if (!why && i == 1 && in->delim_want && other_delim(in, in->hdr[0])) {
		/* "a;b;c" read with --delimiter ',' (a detected one
		 * would have been ';'): the rows cannot be right either */
		char c = other_delim(in, in->hdr[0]);

		snprintf(msg, sizeof msg, "a header of one column: looks "
			 "%s-separated: try --delimiter %s",
			 c == '\t' ? "tab" : pv_dialect_delim_name(c),
			 c == '\t' ? "tab" : pv_dialect_delim_name(c));
		why = msg;
		field = NULL;
	}
	if (!why && in->need) {
		/* a reader of subjects: a "header" without any of their
		 * fields is no header (one garbage line, a file of data) */
		size_t k = 0;

		for (; in->need[k]; k++)
			for (size_t j = 0; j < in->nhdr; j++)
				if (strcmp(in->hdr[j], in->need[k]) == 0)
					return 0;
		why = "names none of the fields that select a subject "
		      "(request_id, customer_id, external_id, email): is "
		      "the header row missing?";
		field = "header";
	}
	return why ? dead_fail(in, e, w->line, field, why) : 0;
}

void pv_input_need_one(struct pv_input *in, const char *const *keys)
{
	in->need = keys;
}

static int csv_record(struct pv_input *in, struct crow *w, struct pv_rec *r,
		      struct pv_err *e)
{
	char msg[80];
	const char *why;

	if (w->n != in->nhdr) {
		snprintf(msg, sizeof msg, "row has %zu fields, header has %zu",
			 w->n, in->nhdr);
		return data_fail(in, e, w->line, NULL, msg);
	}
	for (size_t i = 0; i < w->n; i++) {
		const char *name = in->hdr[i];

		if (!(why = cell_check(in, w->d.s + w->off[i], w->len[i])))
			continue;
		if (!name_ok(name, strlen(name))) {
			snprintf(msg, sizeof msg, "column %zu", i + 1);
			name = msg;
		}
		return data_fail(in, e, w->line, name, why);
	}
	for (size_t i = 0; i < w->n; i++)
		rec_add(r, in->hdr[i], strlen(in->hdr[i]), w->d.s + w->off[i],
			w->len[i]);
	r->line = w->line;
	r->hline = in->hline;
	return 1;
}

static int csv_next(struct pv_input *in, struct pv_rec *r, struct pv_err *e)
{
	for (;;) {
		if (in->qhead < in->qtail) {
			struct crow *w = &in->q[in->qhead++];
			int rc = in->hdr ? csv_record(in, w, r, e) :
					   csv_header(in, w, e);

			if (in->qhead == in->qtail) {
				/* move the row being parsed to the front */
				struct crow t = in->q[0];

				in->q[0] = in->q[in->qtail];
				in->q[in->qtail] = t;
				in->qhead = in->qtail = 0;
			}
			if (rc)
				return rc;
			continue;
		}
		if (in->csv_done)
			return 0;
		if (csv_feed(in, e) < 0)
			return -1;
	}
}

/* ---- files ------------------------------------------------------------ */

static void close_cur(struct pv_input *in)
{
	if (in->fd > 0)
		close(in->fd);
	in->fd = -1;
	if (in->csv_ready)
		csv_free(&in->csv);
	in->csv_ready = 0;
	pv_dec_close(in->dec);
	in->dec = NULL;
	for (size_t i = 0; i < in->nhdr; i++)
		free(in->hdr[i]);
	free(in->hdr);
	in->hdr = NULL;
	in->nhdr = 0;
	for (size_t i = 0; i < in->qcap; i++) {
		in->q[i].n = 0;
		pv_buf_reset(&in->q[i].d);
	}
	in->qhead = in->qtail = 0;
	in->open = 0;
}

static int open_next(struct pv_input *in, struct pv_err *e)
{
	const char *path = in->mem || !in->nfiles ? "-" : in->files[in->next];
	int c;

	in->next++;
	in->dead = in->eof = in->csv_done = in->in_row = in->arrays = 0;
	in->pos = in->end = 0;
	in->line = 1;
	in->astate = A_OPEN;
	if (in->mem) {
		in->name = in->memname;
		in->p = in->mem;
		in->end = in->memlen;
		in->eof = 1;
	} else if (strcmp(path, "-") == 0) {
		in->name = "stdin";
		in->fd = 0;
		if (pv_stdin_closed)
			return pv_fail(e, PV_NOINPUT, "standard input is "
				       "closed: no records to read"), -1;
	} else {
		in->name = path;
		in->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (in->fd < 0)
			return pv_fail(e, PV_NOINPUT, "cannot open '%s': %s",
				       path, strerror(errno)), -1;
	}
	in->open = 1;
	if (in->enc && !in->mem &&
	    pv_dec_open(in->enc, fd_src, in, &in->dec, e) != PV_OK)
		return -1;
	while (in->end - in->pos < 3 && !in->eof)
		if (more(in) < 0)
			return io_fail(in, e);
	if (in->end - in->pos >= 3 && memcmp(in->p, "\xef\xbb\xbf", 3) == 0)
		in->pos += 3;
	if ((c = peek(in)) == -2)
		return io_fail(in, e);
	in->fmt = in->want;
	if (in->fmt == PV_FMT_AUTO)
		in->fmt = c == '{' ? PV_FMT_NDJSON :
			  c == '[' ? PV_FMT_JSON : PV_FMT_CSV;
	if (in->fmt == PV_FMT_CSV) {
		in->delim = in->delim_want;
		if (!in->delim) {
			/* the header line decides */
			while (!in->eof && in->end - in->pos < RBUF_SIZE &&
			       !memchr(in->p + in->pos, '\n',
				       in->end - in->pos))
				if (more(in) < 0)
					return io_fail(in, e);
			in->delim = pv_dialect_sniff(in->p + in->pos,
						     in->end - in->pos);
		}
		csv_init(&in->csv,
			 CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
		csv_set_delim(&in->csv, in->delim);
		csv_set_space_func(&in->csv, no_space);
		csv_set_realloc_func(&in->csv, xrealloc);
		in->csv_ready = 1;
		q_reserve(in);
	}
	return 0;
}

static struct pv_input *input_new(enum pv_fmt fmt)
{
	struct pv_input *in = xcalloc(1, sizeof *in);

	in->want = fmt;
	in->fd = -1;
	return in;
}

struct pv_input *pv_input_open(int nfiles, char **files, enum pv_fmt fmt)
{
	struct pv_input *in = input_new(fmt);

	in->files = files;
	in->nfiles = nfiles > 0 ? nfiles : 0;
	in->rbuf = xmalloc(RBUF_SIZE);
	return in;
}

struct pv_input *pv_input_mem(const char *name, const char *buf, size_t len,
			      enum pv_fmt fmt)
{
	struct pv_input *in = input_new(fmt);

	in->memname = name ? name : "input";
	in->mem = buf ? buf : "";
	in->memlen = buf ? len : 0;
	in->nfiles = 1;
	return in;
}

int pv_input_dialect(struct pv_input *in, char delim, const char *encoding,
		     struct pv_err *e)
{
	const char *enc = NULL;

	if (delim && !pv_dialect_delim_valid(delim))
		return pv_fail(e, PV_USAGE, "not a separator: '%c' (',', "
			       "';' or tab)", delim);
	if (encoding && !(enc = pv_dialect_encoding(encoding)))
		return pv_fail(e, PV_USAGE, "unknown encoding '%s' (%s)",
			       encoding, PV_DIALECT_ENCODINGS);
	in->delim_want = delim;
	in->enc = enc && strcmp(enc, "utf-8") != 0 ? enc : NULL;
	return PV_OK;
}

char pv_input_delim(const struct pv_input *in)
{
	return in->delim ? in->delim : ',';
}

int pv_input_next(struct pv_input *in, struct pv_rec *r, struct pv_err *e)
{
	int rc;

	pv_rec_clear(r);
	for (;;) {
		if (!in->open) {
			/* no operands: stdin, once */
			if (in->next >= (in->nfiles ? in->nfiles : 1))
				return 0;
			if (open_next(in, e) < 0)
				return -1;
		}
		if (in->dead)
			rc = 0;
		else if (in->fmt == PV_FMT_NDJSON)
			rc = ndjson_next(in, r, e);
		else if (in->fmt == PV_FMT_JSON)
			rc = array_next(in, r, e);
		else
			rc = csv_next(in, r, e);
		if (rc > 0 && pv_rec_is_summary(r)) {
			/* the end of another tool's stream: not a subject */
			pv_rec_clear(r);
			continue;
		}
		if (rc > 0)
			r->file = in->name;
		if (rc < 0)
			pv_rec_clear(r);
		if (rc)
			return rc;
		close_cur(in);
	}
}

void pv_input_close(struct pv_input *in)
{
	if (!in)
		return;
	if (in->open)
		close_cur(in);
	for (size_t i = 0; i < in->qcap; i++) {
		pv_buf_free(&in->q[i].d);
		free(in->q[i].off);
		free(in->q[i].len);
	}
	free(in->q);
	pv_buf_free(&in->tmp);
	pv_buf_free(&in->stack);
	pv_buf_free(&in->scratch);
	free(in->rbuf);
	free(in);
}

/* ---- writer ----------------------------------------------------------- */

struct wlevel {
	int arr;
	size_t n;
};

/* A CSV cell: its key and encoded text in cells, up to the next key. */
struct wcell {
	size_t koff, klen, voff;
};

struct pv_writer {
	FILE *f;
	enum pv_fmt fmt;
	int flags, pretty;
	size_t base; /* indent of a record: 1 inside a JSON list */
	long count;
	int err;             /* errno of the first failed write */
	struct pv_buf out;   /* the record being written */
	struct wlevel *lv;   /* lv[0]: the record */
	size_t depth, lvcap;
	/* CSV */
	struct pv_buf nest;  /* a nested value, as compact JSON */
	struct pv_buf cells;
	struct pv_table *table; /* PV_FMT_TABLE: the rows until the end */
	int width, bold;
	struct wcell *cell;
	size_t ncell, cellcap;
	int cols; /* a record type named the columns (pv_writer_type) */
	char **hkey; /* PV_W_STREAM CSV: the header's keys */
	size_t nhkey;
};

static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0], need, min, cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1, min = 0x80, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		need = 2, min = 0x800, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 3, min = 0x10000, cp = c & 0x07;
	else
		return 0;
	if (n <= need)
		return 0;
	for (unsigned k = 1; k <= need; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need + 1;
}

/* 1: a byte a JSON string holds as it is (printable ASCII but '"' and
 * '\\'); the others are looked at one by one. */
static const unsigned char json_plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20: '"' */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x30 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50: '\\' */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x70 */
};

/* Bad UTF-8 from the database becomes U+FFFD: the output stays JSON. */
void pv_json_quote(struct pv_buf *b, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	size_t i = 0, run = 0, k;

	if (!str)
		n = 0;
	pv_buf_grow(b, n + 2);
	pv_buf_addc(b, '"');
	for (;;) {
		unsigned c;
		char u[8];
		const char *esc = u;

		while (i < n && json_plain[s[i]])
			i++;
		if (i == n)
			break;
		c = s[i];
		if (c >= 0x80 && (k = utf8_seq(s + i, n - i))) {
			i += k;
			continue;
		}
		pv_buf_add(b, s + run, i - run);
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		default:
			if (c >= 0x80) {
				esc = "\\ufffd";
				break;
			}
			memcpy(u, "\\u00", 4);
			u[4] = hex[c >> 4];
			u[5] = hex[c & 15];
			u[6] = '\0';
		}
		pv_buf_adds(b, esc);
		run = ++i;
	}
	pv_buf_add(b, s + run, i - run);
	pv_buf_addc(b, '"');
}

int pv_csv_is_formula(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	if (!s || n == 0)
		return 0;
	switch (u[0]) {
	case '=': case '+': case '-': case '@': case '\t': case '\r':
		return 1;
	}
	/* full-width = + - @ (U+FF1D, U+FF0B, U+FF0D, U+FF20) */
	return n >= 3 && u[0] == 0xef && u[1] == 0xbc &&
	       (u[2] == 0x9d || u[2] == 0x8b || u[2] == 0x8d || u[2] == 0xa0);
}

/* Where a spreadsheet that splits at ';', ',' or tab (a German one opens
 * CSV with ';') may start a cell inside ours: after a separator or a line
 * break, past quotes and spaces.  Returns the offset of a formula that
 * starts there, or n. */
static size_t inner_formula(const char *s, size_t n, size_t from)
{
	for (size_t i = from; i < n; i++) {
		size_t j;

		if (s[i] != ';' && s[i] != ',' && s[i] != '\t' &&
		    s[i] != '\r' && s[i] != '\n')
			continue;
		for (j = i + 1; j < n && (s[j] == '"' || s[j] == ' '); j++)
			;
		if (j < n && pv_csv_is_formula(s + j, n - j) &&
		    s[j] != '\t' && s[j] != '\r')
			return j;
	}
	return n;
}

void pv_csv_neutralise(struct pv_buf *b, const char *s, size_t n)
{
	size_t i, f = inner_formula(s, n, 0);

	if (pv_csv_is_formula(s, n))
		pv_buf_addc(b, '\'');
	for (i = 0; i < n; i++) {
		if (i == f) {
			pv_buf_addc(b, '\'');
			f = inner_formula(s, n, i);
		}
		pv_buf_addc(b, s[i]);
	}
}

void pv_csv_cell(struct pv_buf *b, const char *s, size_t n, int neutralise)
{
	int lead = neutralise && pv_csv_is_formula(s, n);
	int quote = 0;
	const char *end;
	size_t i, f;

	if (!s || n == 0)
		return;
	end = s + n;
	/* A leading U+FEFF is quoted, or at the start of a file a reader
	 * would take it for a byte order mark and drop it.  A separator of
	 * any usual dialect (',', ';', tab) is quoted too. */
	quote = s[0] == ' ' || end[-1] == ' ' ||
		(n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0);
	for (const char *p = s; !quote && p < end; p++)
		quote = *p == ',' || *p == ';' || *p == '\t' || *p == '"' ||
			*p == '\r' || *p == '\n';
	pv_buf_grow(b, n + 4);
	if (quote)
		pv_buf_addc(b, '"');
	if (lead)
		pv_buf_addc(b, '\'');
	f = neutralise ? inner_formula(s, n, 0) : n;
	for (i = 0; i < n; i++) {
		if (i == f) {
			pv_buf_addc(b, '\'');
			f = inner_formula(s, n, i);
		}
		pv_buf_addc(b, s[i]);
		if (quote && s[i] == '"')
			pv_buf_addc(b, '"');
	}
	if (quote)
		pv_buf_addc(b, '"');
}

/* A table cell shows the text itself: no quoting, but no control
 * characters either (a value must not move the cursor or recolour the
 * terminal), and bad UTF-8 as '?'. */
static void table_text(struct pv_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; s && i < n;) {
		size_t k = u[i] < 0x80 ? 1 : utf8_seq(u + i, n - i);

		if (!k)
			pv_buf_addc(b, '?'), i++;
		else if (k == 1 && (u[i] < 0x20 || u[i] == 0x7f))
			pv_buf_addc(b, ' '), i++;
		else
			pv_buf_add(b, s + i, k), i += k;
	}
}

/* A cell of a CSV line or of a table row. */
static void put_cell(struct pv_writer *w, const char *s, size_t n,
		     int neutralise)
{
	if (w->fmt == PV_FMT_TABLE)
		table_text(&w->cells, s, n);
	else
		pv_csv_cell(&w->cells, s, n, neutralise);
}

static void put_ll(struct pv_buf *b, long long v)
{
	char t[24], *p = t + sizeof t;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
				       (unsigned long long)v;

	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	pv_buf_add(b, p, (size_t)(t + sizeof t - p));
}

static void indent(struct pv_buf *b, size_t lvl)
{
	static const char sp[] = "                                ";
	size_t n = 2 * lvl;

	pv_buf_addc(b, '\n');
	while (n) {
		size_t k = n < sizeof sp - 1 ? n : sizeof sp - 1;

		pv_buf_add(b, sp, k);
		n -= k;
	}
}

/* A JSON text as is, but laid out like the rest of the output. */
static void put_raw(struct pv_buf *b, const char *s, int pretty, size_t lvl)
{
	int str = 0, esc = 0;

	for (; *s; s++) {
		char c = *s;

		if (str) {
			pv_buf_addc(b, c);
			if (esc)
				esc = 0;
			else
				esc = c == '\\', str = c != '"';
			continue;
		}
		switch (c) {
		case ' ': case '\t': case '\r': case '\n':
			break;
		case '{': case '[': {
			const char *t = s + 1;

			pv_buf_addc(b, c);
			while (is_ws(*t))
				t++;
			if (*t == (c == '{' ? '}' : ']')) {
				pv_buf_addc(b, *t);
				s = t;
				break;
			}
			lvl++;
			if (pretty)
				indent(b, lvl);
			break;
		}
		case '}': case ']':
			lvl -= lvl > 0;
			if (pretty)
				indent(b, lvl);
			pv_buf_addc(b, c);
			break;
		case ',':
			pv_buf_addc(b, c);
			if (pretty)
				indent(b, lvl);
			break;
		case ':':
			pv_buf_add(b, ": ", pretty ? 2 : 1);
			break;
		case '"':
			str = 1;
			/* fall through */
		default:
			pv_buf_addc(b, c);
		}
	}
}

struct pv_writer *pv_writer_new(FILE *f, enum pv_fmt fmt, int flags)
{
	struct pv_writer *w = xcalloc(1, sizeof *w);

	w->f = f;
	w->fmt = fmt == PV_FMT_AUTO ? PV_FMT_NDJSON : fmt;
	w->flags = flags;
	w->pretty = w->fmt == PV_FMT_JSON;
	w->base = w->fmt == PV_FMT_JSON && !(flags & PV_W_SINGLE);
	if (w->fmt == PV_FMT_TABLE) {
		w->table = pv_table_new(NULL, (flags & PV_W_SINGLE) ?
					PV_TABLE_VERTICAL : 0);
		w->width = pv_term_width(fileno(f));
		w->bold = pv_term_color(fileno(f));
	} else if (w->fmt == PV_FMT_CSV && !(flags & PV_W_STREAM)) {
		w->table = pv_table_new(NULL, PV_TABLE_UNION);
	}
	return w;
}

/* PV_W_STREAM CSV: the header from the first record, then each row as it
 * ends (its cells in the header's order; a key the header lacks is
 * dropped, a missing one is empty). */
static void csv_stream_row(struct pv_writer *w)
{
	if (!w->ncell)
		return;
	pv_buf_reset(&w->out);
	if (!w->nhkey) {
		w->hkey = xcalloc(w->ncell, sizeof *w->hkey);
		for (size_t i = 0; i < w->ncell; i++) {
			w->hkey[i] = xstrndup(w->cells.s + w->cell[i].koff,
					      w->cell[i].klen);
			if (i)
				pv_buf_addc(&w->out, ',');
			pv_csv_cell(&w->out, w->hkey[i], w->cell[i].klen, 1);
		}
		w->nhkey = w->ncell;
		pv_buf_add(&w->out, "\r\n", 2);
	}
	for (size_t h = 0; h < w->nhkey; h++) {
		if (h)
			pv_buf_addc(&w->out, ',');
		for (size_t i = 0; i < w->ncell; i++) {
			size_t a = w->cell[i].voff, z = i + 1 < w->ncell ?
				   w->cell[i + 1].koff : w->cells.len;

			if (w->cell[i].klen == strlen(w->hkey[h]) &&
			    memcmp(w->cells.s + w->cell[i].koff, w->hkey[h],
				   w->cell[i].klen) == 0) {
				pv_buf_add(&w->out, w->cells.s + a, z - a);
				break;
			}
		}
	}
	pv_buf_add(&w->out, "\r\n", 2);
}

static int list_mode(const struct pv_writer *w)
{
	return w->fmt == PV_FMT_JSON && !(w->flags & PV_W_SINGLE);
}

/* CSV and tables collect the cells of a record; nested values become
 * one cell of compact JSON. */
static int cells_mode(const struct pv_writer *w)
{
	return w->fmt == PV_FMT_CSV || w->fmt == PV_FMT_TABLE;
}

static int csv_top(const struct pv_writer *w)
{
	return cells_mode(w) && w->depth == 1;
}

static struct pv_buf *jbuf(struct pv_writer *w)
{
	return cells_mode(w) ? &w->nest : &w->out;
}

static void push(struct pv_writer *w, int arr)
{
	if (w->depth == w->lvcap) {
		w->lvcap = w->lvcap ? 2 * w->lvcap : 8;
		w->lv = xrealloc(w->lv, w->lvcap * sizeof *w->lv);
	}
	w->lv[w->depth].arr = arr;
	w->lv[w->depth].n = 0;
	w->depth++;
}

static void emit(struct pv_writer *w)
{
	if (!w->out.len)
		return;
	errno = 0;
	if (fwrite(w->out.s, 1, w->out.len, w->f) != w->out.len && !w->err)
		w->err = errno ? errno : EIO;
}

void pv_w_begin(struct pv_writer *w)
{
	if (!w)
		return;
	if (w->depth)
		pv_w_end(w);
	pv_buf_reset(&w->out);
	push(w, 0);
	if (cells_mode(w)) {
		w->ncell = 0;
		pv_buf_reset(&w->cells);
	} else if (list_mode(w)) {
		pv_buf_adds(&w->out, w->count ? ",\n  {" : "[\n  {");
	} else {
		pv_buf_addc(&w->out, '{');
	}
}

static int ready(struct pv_writer *w)
{
	if (!w)
		return 0;
	if (!w->depth)
		pv_w_begin(w);
	return 1;
}

/* Separator, indent and key of the next member of the open container.
 * A JSON record's text is final as it is written: a large one (an
 * export with every appointment) goes out in pieces, so that memory
 * does not grow with it. */
static struct pv_buf *member(struct pv_writer *w, const char *key)
{
	struct pv_buf *b = jbuf(w);
	struct wlevel *l = &w->lv[w->depth - 1];

	if (!cells_mode(w) && w->out.len >= 64 * 1024) {
		emit(w);
		pv_buf_reset(&w->out);
	}

	if (l->n++)
		pv_buf_addc(b, ',');
	if (w->pretty)
		indent(b, w->base + w->depth);
	if (!l->arr) {
		pv_json_quote(b, key, key ? strlen(key) : 0);
		pv_buf_add(b, ": ", w->pretty ? 2 : 1);
	}
	return b;
}

static void cell_begin(struct pv_writer *w, const char *key)
{
	struct wcell *c;

	if (w->ncell == w->cellcap) {
		w->cellcap = w->cellcap ? 2 * w->cellcap : 16;
		w->cell = xrealloc(w->cell, w->cellcap * sizeof *w->cell);
	}
	c = &w->cell[w->ncell++];
	c->koff = w->cells.len;
	c->klen = key ? strlen(key) : 0;
	pv_buf_add(&w->cells, key ? key : "", c->klen);
	c->voff = w->cells.len;
}

/* Where a scalar value goes: a CSV cell or a JSON member. */
static struct pv_buf *field(struct pv_writer *w, const char *key)
{
	if (csv_top(w)) {
		cell_begin(w, key);
		return &w->cells;
	}
	return member(w, key);
}

void pv_w_strn(struct pv_writer *w, const char *key, const char *val,
	       size_t len)
{
	if (!ready(w))
		return;
	if (csv_top(w)) {
		cell_begin(w, key);
		put_cell(w, val, val ? len : 0, 1);
	} else if (val) {
		pv_json_quote(member(w, key), val, len);
	} else {
		pv_buf_add(member(w, key), "null", 4);
	}
}

void pv_w_str(struct pv_writer *w, const char *key, const char *val)
{
	pv_w_strn(w, key, val, val ? strlen(val) : 0);
}

void pv_w_int(struct pv_writer *w, const char *key, long long v)
{
	if (ready(w))
		put_ll(field(w, key), v);
}

void pv_w_bool(struct pv_writer *w, const char *key, int v)
{
	if (ready(w))
		pv_buf_adds(field(w, key), v ? "true" : "false");
}

void pv_w_null(struct pv_writer *w, const char *key)
{
	pv_w_strn(w, key, NULL, 0);
}

void pv_w_raw(struct pv_writer *w, const char *key, const char *json)
{
	if (!ready(w))
		return;
	if (!json) {
		pv_w_null(w, key);
	} else if (csv_top(w)) {
		cell_begin(w, key);
		pv_buf_reset(&w->nest);
		put_raw(&w->nest, json, 0, 0);
		put_cell(w, w->nest.s, w->nest.len, 0);
	} else {
		put_raw(member(w, key), json, w->pretty, w->base + w->depth);
	}
}

int pv_w_compact(struct pv_writer *w, const char *key, const char *json,
		 size_t len)
{
	if (!ready(w) || w->pretty || cells_mode(w))
		return 0;
	pv_buf_add(member(w, key), json, len);
	return 1;
}

static void open_nested(struct pv_writer *w, const char *key, int arr)
{
	if (!ready(w))
		return;
	if (csv_top(w)) {
		cell_begin(w, key);
		pv_buf_reset(&w->nest);
	} else {
		member(w, key);
	}
	pv_buf_addc(jbuf(w), arr ? '[' : '{');
	push(w, arr);
}

void pv_w_obj(struct pv_writer *w, const char *key)
{
	open_nested(w, key, 0);
}

void pv_w_arr(struct pv_writer *w, const char *key)
{
	open_nested(w, key, 1);
}

void pv_w_close(struct pv_writer *w)
{
	struct wlevel *l;
	struct pv_buf *b;

	if (!w || w->depth < 2)
		return;
	l = &w->lv[w->depth - 1];
	b = jbuf(w);
	if (l->n && w->pretty)
		indent(b, w->base + w->depth - 1);
	pv_buf_addc(b, l->arr ? ']' : '}');
	w->depth--;
	if (csv_top(w))
		put_cell(w, w->nest.s, w->nest.len, 0);
}

static void table_row(struct pv_writer *w)
{
	if (!w->ncell)
		return; /* a record without fields is no row */
	pv_table_row(w->table);
	for (size_t i = 0; i < w->ncell; i++) {
		size_t a = w->cell[i].voff;
		size_t z = i + 1 < w->ncell ? w->cell[i + 1].koff : w->cells.len;

		pv_table_cell(w->table, w->cells.s + w->cell[i].koff,
			      w->cell[i].klen, w->cells.s + a, z - a);
	}
	pv_buf_reset(&w->out);
}

void pv_w_end(struct pv_writer *w)
{
	if (!w || !w->depth)
		return;
	while (w->depth > 1)
		pv_w_close(w);
	if (w->table) {
		table_row(w);
	} else if (w->fmt == PV_FMT_CSV) {
		csv_stream_row(w);
	} else {
		if (w->lv[0].n && w->pretty)
			indent(&w->out, w->base);
		pv_buf_addc(&w->out, '}');
		if (!list_mode(w))
			pv_buf_addc(&w->out, '\n');
	}
	w->depth = 0;
	emit(w);
	w->count++;
}

int pv_writer_finish(struct pv_writer *w, struct pv_err *e)
{
	int rc = 0;

	if (!w)
		return 0;
	if (w->depth)
		pv_w_end(w);
	if (list_mode(w)) {
		pv_buf_reset(&w->out);
		pv_buf_adds(&w->out, w->count ? "\n]\n" : "[]\n");
		emit(w);
	}
	if (w->table) {
		pv_buf_reset(&w->out);
		if (w->fmt == PV_FMT_CSV && (pv_table_rows(w->table) ||
					     w->cols))
			pv_table_csv(w->table, &w->out, pv_csv_cell);
		else if (pv_table_rows(w->table) || w->cols)
			pv_table_render(w->table, &w->out, w->width, w->bold);
		emit(w);
		pv_table_free(w->table);
	}
	errno = 0;
	if (fflush(w->f) != 0 && !w->err)
		w->err = errno ? errno : EIO;
	if (ferror(w->f) && !w->err)
		w->err = EIO;
	if (w->err)
		rc = pv_fail(e, PV_IOERR, "write error: %s", strerror(w->err));
	for (size_t i = 0; i < w->nhkey; i++)
		free(w->hkey[i]);
	free(w->hkey);
	free(w->cell);
	free(w->lv);
	pv_buf_free(&w->out);
	pv_buf_free(&w->nest);
	pv_buf_free(&w->cells);
	free(w);
	return rc;
}

void pv_writer_type(struct pv_writer *w, const char *type)
{
	const struct pv_rectype *t = pv_rectype(type);

	if (w && !type)
		w->cols = 0; /* a failed command: no header alone */
	if (!w || !t || !w->table || w->count || (w->flags & PV_W_SINGLE))
		return;
	pv_table_free(w->table);
	if (w->fmt == PV_FMT_CSV)
		w->table = pv_table_new(t->columns, PV_TABLE_UNION);
	else
		w->table = pv_table_new(t->table, t->vertical ?
					PV_TABLE_VERTICAL : 0);
	w->cols = 1;
}

enum pv_fmt pv_writer_fmt(const struct pv_writer *w)
{
	return w ? w->fmt : PV_FMT_AUTO;
}

long pv_writer_count(const struct pv_writer *w)
{
	return w ? w->count : 0;
}
