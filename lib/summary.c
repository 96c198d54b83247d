/*
 * summary.c - the record that ends a stream with its counts.
 */
#include <stdio.h>
#include <string.h>

#include "summary.h"

void pv_summary_init(struct pv_summary *s, int dry_run)
{
	memset(s, 0, sizeof *s);
	s->dry_run = dry_run;
}

void pv_summary_add(struct pv_summary *s, const char *group, const char *key,
		    long long n)
{
	size_t i;

	if (!group)
		group = "";
	for (i = 0; i < s->n; i++)
		if (strcmp(s->c[i].group, group) == 0 &&
		    strcmp(s->c[i].key, key) == 0) {
			s->c[i].v += n;
			return;
		}
	if (s->n == PV_SUMMARY_MAX)
		return;
	snprintf(s->c[i].group, sizeof s->c[i].group, "%s", group);
	snprintf(s->c[i].key, sizeof s->c[i].key, "%s", key);
	s->c[i].v = n;
	s->n++;
}

long long pv_summary_get(const struct pv_summary *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (!s->c[i].group[0] && strcmp(s->c[i].key, key) == 0)
			return s->c[i].v;
	return 0;
}

/* The index of the first count of group g at or before i. */
static size_t first_of(const struct pv_summary *s, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (strcmp(s->c[j].group, s->c[i].group) == 0)
			break;
	return j;
}

/* "dsar-erase: records 7, erased 6, failed 1; deleted: customers 6" */
static void line(const struct pv_summary *s)
{
	const char *sep = ": ";

	fprintf(stderr, "%s%s", pv_progname, s->dry_run ? " (dry run)" : "");
	for (size_t i = 0; i < s->n; i++) {
		if (s->c[i].group[0])
			continue;
		fprintf(stderr, "%s%s %lld", sep, s->c[i].key, s->c[i].v);
		sep = ", ";
	}
	for (size_t i = 0; i < s->n; i++) {
		if (!s->c[i].group[0] || first_of(s, i) < i)
			continue;
		fprintf(stderr, "; %s:", s->c[i].group);
		for (size_t j = i; j < s->n; j++)
			if (strcmp(s->c[j].group, s->c[i].group) == 0)
				fprintf(stderr, " %s %lld", s->c[j].key,
					s->c[j].v);
	}
	fputc('\n', stderr);
}

void pv_summary_write(struct pv_writer *w, const struct pv_summary *s)
{
	enum pv_fmt f = pv_writer_fmt(w);

	size_t k;

	/* -q, or a run that had nothing to do: nothing new, nothing said */
	for (k = 0; k < s->n && s->c[k].v == 0; k++)
		;
	if (pv_quiet || k == s->n)
		return;
	if (f != PV_FMT_NDJSON && f != PV_FMT_JSON) {
		line(s);
		return;
	}
	pv_w_begin(w);
	pv_w_obj(w, "summary");
	pv_w_str(w, "program", pv_progname);
	pv_w_bool(w, "dry_run", s->dry_run);
	for (size_t i = 0; i < s->n; i++)
		if (!s->c[i].group[0])
			pv_w_int(w, s->c[i].key, s->c[i].v);
	/* the groups, each once, in the order of their first count */
	for (size_t i = 0; i < s->n; i++) {
		if (!s->c[i].group[0] || first_of(s, i) < i)
			continue;
		pv_w_obj(w, s->c[i].group);
		for (size_t j = i; j < s->n; j++)
			if (strcmp(s->c[j].group, s->c[i].group) == 0)
				pv_w_int(w, s->c[j].key, s->c[j].v);
		pv_w_close(w);
	}
	pv_w_close(w);
	pv_w_end(w);
}

int pv_rec_is_summary(const struct pv_rec *r)
{
	return r->n == 1 && strcmp(r->keys[0], "summary") == 0 &&
	       pv_rec_nested(r, 0) && r->vals[0] && r->vals[0][0] == '{';
}
