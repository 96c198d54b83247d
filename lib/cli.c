#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "db.h"
#include "location.h"

const struct pv_opt pv_common_opts[] = {
	{"config", 'c', "FILE", "read this configuration file"},
	{"db", 0, "PATH", "use this database file"},
	{"format", 'f', "FORMAT:ndjson|json|csv|table",
	 "output format: ndjson (default; a table on a terminal), json, "
	 "csv, table"},
	{"quiet", 'q', NULL, "say less: no progress, notices or summaries"},
	{"verbose", 'v', NULL, "say more; may name people in diagnostics"},
	{"help", 'h', NULL, "show this help and exit"},
	{"version", 'V', NULL, "show the version and exit"},
	{NULL, 0, NULL, NULL},
};

/* fds 0-2 must be open, or the database could end up as our stdout. */
static void sanitise_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) < 0) {
			/* a closed stdin ("<&-") is not an empty input: a
			 * tool that reads it says so (pv_stdin_closed) */
			if (fd == 0)
				pv_stdin_closed = 1;
			int n = open("/dev/null", O_RDWR);

			if (n < 0)
				_exit(PV_IOERR);
			if (n != fd) {
				dup2(n, fd);
				close(n);
			}
		}
	}
}

static const struct pv_cmd *find_cmd(const struct pv_prog *p,
				     const char *name)
{
	for (const struct pv_cmd *const *g = p->groups; *g; g++)
		for (const struct pv_cmd *c = *g; c->name; c++)
			if (strcmp(c->name, name) == 0)
				return c;
	return NULL;
}

/* A noun is the first word of some command ("customer" of "customer add"). */
static int is_noun(const struct pv_prog *p, const char *noun)
{
	size_t n = strlen(noun);

	for (const struct pv_cmd *const *g = p->groups; *g; g++)
		for (const struct pv_cmd *c = *g; c->name; c++)
			if (strncmp(c->name, noun, n) == 0 && c->name[n] == ' ')
				return 1;
	return 0;
}

static int single_command(const struct pv_prog *p)
{
	return p->groups[0] && p->groups[0]->name &&
	       p->groups[0]->name[0] == '\0';
}

/* The values of "KIND:a|b" ("a|b"), or NULL: a value list has a '|',
 * so that an argument like "dir:PATH" stays what it is. */
static const char *arg_values(const struct pv_opt *o)
{
	const char *colon = o->arg ? strchr(o->arg, ':') : NULL;

	return colon && strchr(colon, '|') ? colon + 1 : NULL;
}

/* The value's name of an option: "SLUG" of "SLUG" or of "KIND:a|b". */
static int arg_len(const struct pv_opt *o)
{
	const char *v = arg_values(o);

	return v ? (int)(v - 1 - o->arg) : (int)strlen(o->arg);
}

static void opt_line(FILE *f, const struct pv_opt *o)
{
	char left[64];

	snprintf(left, sizeof left, "%c%c%c --%s%s%.*s", o->key ? '-' : ' ',
		 o->key ? o->key : ' ', o->key ? ',' : ' ', o->name,
		 o->arg ? " " : "", o->arg ? arg_len(o) : 0,
		 o->arg ? o->arg : "");
	fprintf(f, "  %-28s %s\n", left, o->help);
}

static void cmd_help(FILE *f, const struct pv_prog *p, const struct pv_cmd *c)
{
	fprintf(f, "usage: %s%s%s%s%s [options]\n", p->name,
		c->name[0] ? " " : "", c->name,
		c->operands && *c->operands ? " " : "",
		c->operands ? c->operands : "");
	fprintf(f, "\n%s\n", c->summary);
	if (c->opts && c->opts->name) {
		fprintf(f, "\noptions:\n");
		for (const struct pv_opt *o = c->opts; o->name; o++)
			opt_line(f, o);
	}
	fprintf(f, "\ncommon options:\n");
	for (const struct pv_opt *o = pv_common_opts; o->name; o++)
		opt_line(f, o);
}

/* Program help, or the commands of one noun when prefix is given. */
static void prog_help(FILE *f, const struct pv_prog *p, const char *prefix)
{
	size_t plen = prefix ? strlen(prefix) : 0;

	fprintf(f, "usage: %s %s COMMAND [options] [operands]\n\n%s\n\n"
		"commands:\n", p->name, prefix ? prefix : "[options]",
		p->summary);
	for (const struct pv_cmd *const *g = p->groups; *g; g++)
		for (const struct pv_cmd *c = *g; c->name; c++) {
			char left[96];

			if (prefix && (strncmp(c->name, prefix, plen) != 0 ||
				       (c->name[plen] && c->name[plen] != ' ')))
				continue;
			snprintf(left, sizeof left, "%s%s%s", c->name,
				 c->operands && *c->operands ? " " : "",
				 c->operands ? c->operands : "");
			fprintf(f, "  %-44s %s\n", left, c->summary);
		}
	fprintf(f, "\nRun '%s help COMMAND' for a command's options; "
		"see %s(1).\n", p->name, p->name);
}

/* For completions/gen and the docs test: every command and option; an
 * option's enumerated values follow its value's name. */
static void dump_opt(const char *kind, const char *cmd, const struct pv_opt *o)
{
	const char *vals = arg_values(o);

	printf("%s\t%s%s--%s\t%c\t%.*s\t%s\n", kind, cmd ? cmd : "",
	       cmd ? "\t" : "", o->name, o->key ? o->key : '.',
	       o->arg ? arg_len(o) : 0, o->arg ? o->arg : "",
	       vals ? vals : "");
}

static void dump_options(const struct pv_prog *p)
{
	for (const struct pv_cmd *const *g = p->groups; *g; g++)
		for (const struct pv_cmd *c = *g; c->name; c++) {
			printf("command\t%s\t%s\n", c->name,
			       c->operands ? c->operands : "");
			/* settings' KEY=VALUE operands: the words to offer */
			if (c->operands && strstr(c->operands, "KEY=VALUE")) {
				printf("words\t%s\t", c->name);
				for (const char *const *w = pv_setting_words;
				     *w; w++)
					printf("%s%s", w == pv_setting_words
					       ? "" : " ", *w);
				printf("\n");
			}
			for (const struct pv_opt *o = c->opts; o && o->name; o++)
				dump_opt("option", c->name, o);
		}
	for (const struct pv_opt *o = pv_common_opts; o->name; o++)
		dump_opt("common", NULL, o);
}

/*
 * "Did you mean": the weighted Damerau-Levenshtein distance (optimal
 * string alignment) that git uses to rank its suggestions: swapping two
 * neighbours is free, a missing letter costs 1, a wrong one 2, an extra
 * one 3; a word that begins the candidate counts as a perfect match.
 */
enum { SIMILAR_BELOW = 7, WORD_MAX = 64 };

static int similarity(const char *typed, const char *cand)
{
	size_t n = strlen(typed), m = strlen(cand);
	int d[3][WORD_MAX + 1];

	if (n > WORD_MAX || m > WORD_MAX)
		return SIMILAR_BELOW;
	if (n && strncmp(typed, cand, n) == 0)
		return 0;
	/* d[i % 3][j]: cost of turning typed[0..i) into cand[0..j) */
	for (size_t j = 0; j <= m; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= n; i++) {
		int *r = d[i % 3], *up = d[(i - 1) % 3], *up2 = d[(i + 1) % 3];

		r[0] = 3 * (int)i;
		for (size_t j = 1; j <= m; j++) {
			int best = up[j - 1] +
				   (typed[i - 1] == cand[j - 1] ? 0 : 2);

			if (up[j] + 3 < best)
				best = up[j] + 3;
			if (r[j - 1] + 1 < best)
				best = r[j - 1] + 1;
			if (i > 1 && j > 1 && typed[i - 1] == cand[j - 2] &&
			    typed[i - 2] == cand[j - 1] && up2[j - 2] < best)
				best = up2[j - 2];
			r[j] = best;
		}
	}
	return d[n % 3][m];
}

struct suggest {
	const char *best[4];
	int n, score;
};

static void consider(struct suggest *s, const char *typed, const char *cand)
{
	int d = similarity(typed, cand);

	for (int i = 0; i < s->n; i++)
		if (strcmp(s->best[i], cand) == 0)
			return;
	if (d >= SIMILAR_BELOW || (s->n && d > s->score))
		return;
	if (!s->n || d < s->score)
		s->n = 0, s->score = d;
	if (s->n < (int)(sizeof s->best / sizeof s->best[0]))
		s->best[s->n++] = cand;
}

/* "did you mean 'x'?" lines on stderr, with a prefix before each. */
static void print_suggestions(const struct suggest *s, const char *pre)
{
	if (!s->n)
		return;
	fprintf(stderr, s->n == 1 ? "did you mean" :
		"did you mean one of these?\n");
	for (int i = 0; i < s->n; i++)
		fprintf(stderr, s->n == 1 ? " '%s%s'?\n" : "\t%s%s\n", pre,
			s->best[i]);
}

static const struct pv_opt *lookup(const struct pv_opt *t, const char *name,
				   size_t n, int key)
{
	for (; t && t->name; t++) {
		if (key ? t->key == key
			: strlen(t->name) == n && strncmp(t->name, name, n) == 0)
			return t;
	}
	return NULL;
}

static int is_common_with_arg(const char *a)
{
	const struct pv_opt *o = NULL;

	if (a[1] == '-') {
		const char *eq = strchr(a + 2, '=');

		if (eq)
			return 0;
		o = lookup(pv_common_opts, a + 2, strlen(a + 2), 0);
	} else if (a[1] && !a[2]) {
		o = lookup(pv_common_opts, NULL, 0, a[1]);
	}
	return o && o->arg;
}

const char *pv_opt(const struct pv_ctx *c, const char *name)
{
	for (int i = 0; i < c->nopt; i++)
		if (strcmp(c->optdef[i]->name, name) == 0)
			return c->optval[i];
	return NULL;
}

int pv_flag(const struct pv_ctx *c, const char *name)
{
	for (int i = 0; i < c->nopt; i++)
		if (strcmp(c->optdef[i]->name, name) == 0)
			return c->optcount[i];
	return 0;
}

/* Repeated values are kept in a side list of (option, value). */
static struct {
	const struct pv_opt *o;
	const char *v;
} multi[256];
static int nmulti;

int pv_opt_all(const struct pv_ctx *c, const char *name, const char **vals,
	       int max)
{
	int n = 0;

	(void)c;
	for (int i = 0; i < nmulti; i++)
		if (strcmp(multi[i].o->name, name) == 0) {
			if (n < max)
				vals[n] = multi[i].v;
			n++;
		}
	return n;
}

static void set_opt(struct pv_ctx *c, const struct pv_opt *o, const char *v)
{
	int i;

	for (i = 0; i < c->nopt; i++)
		if (c->optdef[i] == o)
			break;
	if (i == c->nopt) {
		if (c->nopt == PV_MAX_OPTS)
			return;
		c->optdef[c->nopt++] = o;
	}
	c->optval[i] = v;
	c->optcount[i]++;
	if (v && nmulti < (int)(sizeof multi / sizeof multi[0])) {
		multi[nmulti].o = o;
		multi[nmulti++].v = v;
	}
}

int pv_opt_limit(struct pv_ctx *c, long *n)
{
	const char *v = pv_opt(c, "limit");
	long long l;

	*n = 0;
	if (!v)
		return PV_OK;
	if (pv_parse_ll(v, &l) != 0 || l <= 0 || l > 1000000000)
		return pv_usage(c, "--limit: not a positive whole number: '%s'",
				v);
	*n = (long)l;
	return PV_OK;
}

int pv_nothing_matched(struct pv_ctx *c, long long n, const char *what)
{
	if (n)
		return PV_OK;
	if (pv_quiet)
		return PV_PARTIAL;
	return pv_fail(&c->err, PV_PARTIAL, "no %s matched", what);
}

static void usage_message(const struct pv_ctx *c, const char *msg)
{
	fprintf(stderr, "%s: %s\n", pv_progname, msg);
	if (c && c->cmd)
		fprintf(stderr, "see '%s%s%s --help'\n", c->prog->name,
			c->cmd->name[0] ? " " : "", c->cmd->name);
}

/* Printed at once (some callers print more after it); the error is then
 * spent, so that the end of pv_main does not print it again. */
int pv_usage(struct pv_ctx *c, const char *fmt, ...)
{
	char msg[sizeof c->err.msg];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	usage_message(c, msg);
	if (c)
		pv_err_clear(&c->err);
	return PV_USAGE;
}

static const struct pv_opt *find_opt(const struct pv_cmd *cmd,
				     const char *name, size_t n, int key)
{
	const struct pv_opt *o = lookup(cmd->opts, name, n, key);

	return o ? o : lookup(pv_common_opts, name, n, key);
}

static int unknown_option(struct pv_ctx *c, const char *name, size_t n)
{
	char typed[WORD_MAX + 1];
	struct suggest s = {{0}, 0, 0};

	snprintf(typed, sizeof typed, "%.*s", (int)n, name);
	for (const struct pv_opt *o = c->cmd->opts; o && o->name; o++)
		consider(&s, typed, o->name);
	for (const struct pv_opt *o = pv_common_opts; o->name; o++)
		consider(&s, typed, o->name);
	fprintf(stderr, "%s: unknown option '--%.*s'\n", pv_progname, (int)n,
		name);
	print_suggestions(&s, "--");
	fprintf(stderr, "see '%s%s%s --help'\n", c->prog->name,
		c->cmd->name[0] ? " " : "", c->cmd->name);
	return PV_USAGE;
}

/* An option that takes one value, given twice with different values: the
 * second must not silently replace the first (issue 17: a second --status
 * did).  Options whose help says "(repeat ...)" collect every value. */
static int once_only(struct pv_ctx *c)
{
	for (int i = 0; i < c->nopt; i++) {
		const struct pv_opt *o = c->optdef[i];

		if (!o->arg || c->optcount[i] < 2 ||
		    (o->help && strstr(o->help, "(repeat")))
			continue;
		for (int m = 0; m < nmulti; m++)
			if (multi[m].o == o &&
			    strcmp(multi[m].v, c->optval[i]) != 0)
				return pv_usage(c, "option '--%s' given twice:"
						" it takes one value",
						o->name);
	}
	return PV_OK;
}

/* GNU-style parse of everything but the command words. */
static int parse_args(struct pv_ctx *c, int argc, char **argv, char *used)
{
	int nonopt = 0;

	c->argv = xcalloc((size_t)argc + 1, sizeof *c->argv);
	c->argc = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct pv_opt *o;

		if (used[i])
			continue;
		if (nonopt || a[0] != '-' || !a[1]) {
			c->argv[c->argc++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			nonopt = 1;
			continue;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);

			o = find_opt(c->cmd, a + 2, n, 0);
			if (!o)
				return unknown_option(c, a + 2, n);
			if (!o->arg) {
				if (eq)
					return pv_usage(c, "option '--%s' takes "
							"no value", o->name);
				set_opt(c, o, NULL);
			} else if (eq) {
				set_opt(c, o, eq + 1);
			} else if (i + 1 < argc) {
				set_opt(c, o, argv[++i]);
			} else {
				return pv_usage(c, "option '--%s' needs a "
						"value", o->name);
			}
			continue;
		}
		for (const char *p = a + 1; *p; p++) {
			o = find_opt(c->cmd, NULL, 0, (unsigned char)*p);
			if (!o)
				return pv_usage(c, "unknown option '-%c'", *p);
			if (!o->arg) {
				set_opt(c, o, NULL);
			} else if (p[1]) {
				set_opt(c, o, p + 1);
				break;
			} else if (i + 1 < argc) {
				set_opt(c, o, argv[++i]);
				break;
			} else {
				return pv_usage(c, "option '-%c' needs a "
						"value", *p);
			}
		}
	}
	return once_only(c);
}

/* Returned by the steps of pv_main when the run is over and went well
 * (help or the version printed): nothing to set up or run. */
enum { PV_DONE = -1 };

/* An unknown command: the most similar verbs of noun, or commands. */
static int unknown_command(const struct pv_prog *p, const char *noun,
			   const char *verb, const char *next)
{
	static char first[64][WORD_MAX + 1];
	struct suggest s = {{0}, 0, 0};
	size_t nl = noun ? strlen(noun) : 0;
	int nfirst = 0;
	char both[2 * WORD_MAX + 2];

	/* "requst list": the two words against whole command names */
	snprintf(both, sizeof both, "%s %s", verb, next ? next : "");
	for (const struct pv_cmd *const *g = p->groups; next && *g; g++)
		for (const struct pv_cmd *c = *g; c->name; c++)
			if (strchr(c->name, ' '))
				consider(&s, both, c->name);
	for (const struct pv_cmd *const *g = p->groups; *g; g++)
		for (const struct pv_cmd *c = *g; c->name && !s.n; c++) {
			if (noun) {
				if (strncmp(c->name, noun, nl) == 0 &&
				    c->name[nl] == ' ')
					consider(&s, verb, c->name + nl + 1);
			} else if (nfirst < 64) {
				snprintf(first[nfirst], sizeof first[nfirst],
					 "%.*s", (int)strcspn(c->name, " "),
					 c->name);
				consider(&s, verb, first[nfirst++]);
			}
		}
	if (!noun && !s.n)
		consider(&s, verb, "help");
	fprintf(stderr, "%s: unknown command '%s%s%s'\n", p->name,
		noun ? noun : "", noun ? " " : "", verb);
	if (noun) {
		char pre[WORD_MAX + 2];

		snprintf(pre, sizeof pre, "%s ", noun);
		print_suggestions(&s, pre);
	} else {
		print_suggestions(&s, "");
	}
	if (noun && !s.n)
		prog_help(stderr, p, noun); /* a noun has a handful */
	else if (noun)
		fprintf(stderr, "see '%s help %s'\n", p->name, noun);
	else
		fprintf(stderr, "see '%s --help'\n", p->name);
	return PV_USAGE;
}

/* The command words: up to two operands before the first command option. */
static int command_words(int argc, char **argv, int w[2])
{
	int words = 0;

	for (int i = 1; i < argc && words < 2; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0)
			break;
		if (a[0] == '-' && a[1]) {
			if (is_common_with_arg(a))
				i++;
			if (words)
				break;
			continue;
		}
		w[words++] = i;
	}
	return words;
}

static const struct pv_cmd *match(const struct pv_prog *p, char **argv,
				  const int *w, int words, char *used)
{
	const struct pv_cmd *cmd = NULL;
	char name[128];

	if (words == 2) {
		snprintf(name, sizeof name, "%s %s", argv[w[0]], argv[w[1]]);
		if ((cmd = find_cmd(p, name))) {
			used[w[0]] = used[w[1]] = 1;
			return cmd;
		}
	}
	if (words >= 1 && (cmd = find_cmd(p, argv[w[0]])))
		used[w[0]] = 1;
	return cmd;
}

/* "privacyctl help [NOUN [VERB]]": the help on stdout. */
static int help_command(const struct pv_prog *p, int argc, char **argv)
{
	char name[128] = "";
	const struct pv_cmd *cmd;

	for (int i = 2; i < argc && i < 4; i++)
		snprintf(name + strlen(name), sizeof name - strlen(name),
			 "%s%s", i > 2 ? " " : "", argv[i]);
	if (!name[0] || is_noun(p, name)) {
		prog_help(stdout, p, name[0] ? name : NULL);
		return PV_DONE;
	}
	if ((cmd = find_cmd(p, name))) {
		cmd_help(stdout, p, cmd);
		return PV_DONE;
	}
	if (argc > 3 && is_noun(p, argv[2]))
		return unknown_command(p, argv[2], argv[3], NULL);
	return unknown_command(p, NULL, argv[2], argc > 3 ? argv[3] : NULL);
}

/* "privacyctl --bogus" or "privacyctl --db" with no command: one message
 * about the option (did you mean), not the whole usage without a word of
 * what was wrong.  PV_OK when every option is known and has its value. */
static int common_opts_check(const struct pv_prog *p, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq;
		const struct pv_opt *o;
		char typed[WORD_MAX + 1];
		struct suggest s = {{0}, 0, 0};
		size_t n;

		if (strcmp(a, "--") == 0)
			break;
		if (a[0] != '-' || !a[1])
			continue;
		if (a[1] != '-') {
			o = lookup(pv_common_opts, NULL, 0, (unsigned char)a[1]);
			if (!o) {
				fprintf(stderr, "%s: unknown option '-%c'\n"
					"see '%s --help'\n", pv_progname,
					a[1], p->name);
				return PV_USAGE;
			}
			if (o->arg && !a[2] && i + 1 >= argc)
				goto needs_value;
			i += o->arg && !a[2];
			continue;
		}
		eq = strchr(a + 2, '=');
		n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		o = lookup(pv_common_opts, a + 2, n, 0);
		if (!o) {
			snprintf(typed, sizeof typed, "%.*s", (int)n, a + 2);
			for (o = pv_common_opts; o->name; o++)
				consider(&s, typed, o->name);
			fprintf(stderr, "%s: unknown option '--%.*s'\n",
				pv_progname, (int)n, a + 2);
			print_suggestions(&s, "--");
			fprintf(stderr, "see '%s --help'\n", p->name);
			return PV_USAGE;
		}
		if (o->arg && !eq && i + 1 >= argc)
			goto needs_value;
		i += o->arg && !eq;
		continue;
needs_value:
		fprintf(stderr, "%s: option '%s' needs a value\n"
			"see '%s --help'\n", pv_progname, a, p->name);
		return PV_USAGE;
	}
	return PV_OK;
}

/* Step 1: which command, and its options.  PV_DONE when --help,
 * --version or help answered already. */
static int find_command(struct pv_ctx *c, int argc, char **argv)
{
	const struct pv_prog *p = c->prog;
	char *used = xcalloc((size_t)argc + 1, 1);
	int w[2] = {0, 0}, words = 0, help = 0, st;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--dump-options") == 0) {
			dump_options(p);
			st = PV_DONE;
			goto out;
		}
		if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			printf("%s %s\n", p->name, PV_VERSION);
			st = PV_DONE;
			goto out;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			help = 1;
	}
	if (single_command(p)) {
		c->cmd = p->groups[0];
	} else {
		words = command_words(argc, argv, w);
		if (words && w[0] == 1 && strcmp(argv[1], "help") == 0) {
			st = help_command(p, argc, argv);
			goto out;
		}
		c->cmd = match(p, argv, w, words, used);
	}
	if (!c->cmd) {
		const char *noun = words ? argv[w[0]] : NULL;
		int known = noun && is_noun(p, noun);

		if (words == 0 && !help &&
		    (st = common_opts_check(p, argc, argv)) != PV_OK)
			goto out;
		if (words == 0 || (known && words == 1)) {
			/* "privacyctl [noun]": the commands there are */
			prog_help(help ? stdout : stderr, p,
				  known ? noun : NULL);
			st = help ? PV_DONE : PV_USAGE;
		} else {
			st = unknown_command(p, known ? noun : NULL,
					     known ? argv[w[1]] : noun,
					     !known && words == 2 ?
					     argv[w[1]] : NULL);
		}
		goto out;
	}
	if (help) {
		cmd_help(stdout, p, c->cmd);
		st = PV_DONE;
		goto out;
	}
	st = parse_args(c, argc, argv, used);
out:
	free(used);
	return st;
}

/* A path may be any bytes; every other option value is text that may be
 * stored, mailed or written as CSV: it must be UTF-8 (a reason typed in a
 * Latin-1 terminal made an empty deadline and reason in a mail). */
static int path_arg(const char *arg)
{
	return strstr(arg, "PATH") || strstr(arg, "FILE") ||
	       strstr(arg, "DIR");
}

static int check_text_opts(struct pv_ctx *c)
{
	for (int i = 0; i < c->nopt; i++) {
		const char *v = c->optval[i];

		if (v && c->optdef[i]->arg && !path_arg(c->optdef[i]->arg) &&
		    !pv_utf8_valid(v, strlen(v)))
			return pv_fail(&c->err, PV_DATAERR, "--%s: not valid "
				       "UTF-8 (is the terminal set to "
				       "UTF-8?)", c->optdef[i]->name);
	}
	for (int i = 0; i < nmulti; i++) {
		const char *v = multi[i].v;

		if (v && multi[i].o->arg && !path_arg(multi[i].o->arg) &&
		    !pv_utf8_valid(v, strlen(v)))
			return pv_fail(&c->err, PV_DATAERR, "--%s: not valid "
				       "UTF-8 (is the terminal set to "
				       "UTF-8?)", multi[i].o->name);
	}
	return PV_OK;
}

/*
 * The format of the records on stdout.  A person at a terminal who asked
 * for nothing gets a table of a listing and a laid-out JSON document of
 * one record; pipes, files and cron get NDJSON as always.  c->fmt is what
 * a command that writes documents of its own uses (never a table).
 */
static int out_format(struct pv_ctx *c)
{
	const char *f = pv_opt(c, "format");
	int single = c->cmd->flags & PV_CMD_SINGLE;

	c->fmt = c->outfmt = PV_FMT_NDJSON;
	if (f && strcmp(f, "html") == 0 && (c->cmd->flags & PV_CMD_HTML))
		c->html = 1;
	else if (f && strcmp(f, "table") == 0)
		c->outfmt = PV_FMT_TABLE;
	else if (f && pv_fmt_parse(f, 0, &c->fmt) != 0)
		return pv_usage(c, "unknown format '%s' (ndjson, json, csv, "
				"table)", f);
	else if (f)
		c->outfmt = c->fmt;
	else if (isatty(1))
		c->outfmt = single ? PV_FMT_JSON : PV_FMT_TABLE;
	return PV_OK;
}

/* Step 2: operands, format, clock, config, database, the writer. */
static int set_up(struct pv_ctx *c)
{
	const struct pv_cmd *cmd = c->cmd;
	int st;

	if (c->argc < cmd->min_args)
		return pv_usage(c, "missing operand");
	if (cmd->max_args >= 0 && c->argc > cmd->max_args)
		return pv_usage(c, "too many operands");
	if ((cmd->flags & PV_CMD_STDIN) && c->argc == 0 && isatty(0))
		return pv_usage(c, "no input: name files or pipe records to "
				"standard input");
	pv_verbose = pv_flag(c, "verbose");
	pv_quiet = pv_flag(c, "quiet");
	if ((st = check_text_opts(c)))
		return st;
	if ((st = out_format(c)))
		return st;
	if ((st = pv_clock_init(&c->err)))
		return st;
	c->cfg = pv_cfg_new();
	if ((st = pv_cfg_load(c->cfg, pv_opt(c, "config"), &c->err)))
		return st;
	if (pv_opt(c, "db"))
		pv_cfg_set(c->cfg, "database", pv_opt(c, "db"), "--db");
	c->db_path = pv_db_path(c->cfg);
	if (cmd->flags & (PV_CMD_DB_RO | PV_CMD_DB_RW)) {
		int mode = (cmd->flags & PV_CMD_DB_RW) ? PV_DB_RW : PV_DB_RO;

		if (cmd->flags & PV_CMD_DB_CREATE)
			mode |= PV_DB_CREATE;
		/* the default place is ours to make; a named one must exist */
		if (pv_flag(c, "parents") || !pv_cfg_node(c->cfg, "database"))
			mode |= PV_DB_PARENTS;
		if ((st = pv_db_open(c->db_path, mode, &c->db, &c->err)))
			return st;
	}
	if (!(cmd->flags & PV_CMD_NO_OUTPUT) && !c->html)
		c->out = pv_writer_new(stdout, c->outfmt,
				       (cmd->flags & PV_CMD_SINGLE) ?
				       PV_W_SINGLE : 0);
	return PV_OK;
}

/* Standard output is flushed, checked and closed here, once: a full disk
 * or a closed pipe is an error (74), not a silent success. */
static int close_stdout(int st, struct pv_err *e)
{
	int bad = ferror(stdout), why = 0;

	if (fflush(stdout) != 0)
		bad = 1, why = errno;
	if (fclose(stdout) != 0)
		bad = 1, why = why ? why : errno;
	if (bad && (st == PV_OK || st == PV_PARTIAL)) {
		/* the reason when this flush or close met it (git's "write
		 * failure on 'stdout'"); an earlier failed write has none */
		if (why)
			pv_fail(e, PV_IOERR, "write error on standard output: "
				"%s", strerror(why));
		else
			pv_fail(e, PV_IOERR, "write error on standard output");
		pv_report(e);
		st = PV_IOERR;
	}
	return st;
}

/* Step 4: finish the output, report, release, close stdout. */
static int tear_down(struct pv_ctx *c, int st)
{
	if (st == PV_DONE)
		st = PV_OK;
	if (c->out && st > PV_PARTIAL)
		pv_writer_type(c->out, NULL);
	if (c->out) {
		struct pv_err we = {0};
		int wst = pv_writer_finish(c->out, &we);

		if (wst && st != PV_IOERR) {
			pv_report(&we);
			st = pv_status_merge(st, wst);
		}
	}
	/* a library's usage refusal is a usage message, said once */
	if (st == PV_USAGE && c->err.msg[0])
		usage_message(c, c->err.msg);
	else if (st && c->err.msg[0])
		pv_report(&c->err);
	if (c->db)
		pv_db_close(c->db);
	free(c->db_path);
	free(c->argv);
	if (c->cfg)
		pv_cfg_free(c->cfg);
	return close_stdout(st, &c->err);
}

/* Step 0: the process, before anything is read: fds 0-2, malloc, name. */
static void start(const struct pv_prog *p)
{
	sanitise_fds();
#if defined(__GLIBC__) && defined(M_TRIM_THRESHOLD)
	/* SQLite (a statement's temporary tables and journals) and libcurl
	 * allocate and free some 100 KB per subject or message; glibc gives
	 * that back to the kernel each time (brk) and faults it in again:
	 * over half of consent-send's CPU time.  Keep up to 8 MB free. */
	mallopt(M_TRIM_THRESHOLD, 8 << 20);
#endif
	pv_set_progname(p->name);
}

int pv_main(const struct pv_prog *p, int argc, char **argv)
{
	struct pv_ctx ctx = {0};
	int st;

	start(p);
	ctx.prog = p;
	st = find_command(&ctx, argc, argv);
	if (st == PV_OK)
		st = set_up(&ctx);
	if (st == PV_OK)
		st = ctx.cmd->run(&ctx);
	return tear_down(&ctx, st);
}
