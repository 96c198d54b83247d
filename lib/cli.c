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

const struct pv_opt pv_common_opts[] = {
	{"config", 'c', "FILE", "read this configuration file"},
	{"db", 0, "PATH", "use this database file"},
	{"format", 'f', "FORMAT", "output format: ndjson (default), json, csv"},
	{"quiet", 'q', NULL, "say less on stderr"},
	{"verbose", 'v', NULL, "say more; may name people in diagnostics"},
	{"help", 'h', NULL, "show this help and exit"},
	{"version", 0, NULL, "show the version and exit"},
	{NULL, 0, NULL, NULL},
};

/* fds 0-2 must be open, or the database could end up as our stdout. */
static void sanitise_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) < 0) {
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

static void opt_line(FILE *f, const struct pv_opt *o)
{
	char left[64];

	if (o->key)
		snprintf(left, sizeof left, "-%c, --%s%s%s", o->key, o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
	else
		snprintf(left, sizeof left, "    --%s%s%s", o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
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
	fprintf(f, "\nRun '%s COMMAND --help' for a command's options; "
		"see %s(1).\n", p->name, p->name);
}

/* For completions/gen and the docs test: every command and option. */
static void dump_options(const struct pv_prog *p)
{
	for (const struct pv_cmd *const *g = p->groups; *g; g++)
		for (const struct pv_cmd *c = *g; c->name; c++) {
			printf("command\t%s\t%s\n", c->name,
			       c->operands ? c->operands : "");
			for (const struct pv_opt *o = c->opts; o && o->name; o++)
				printf("option\t%s\t--%s\t%c\t%s\n", c->name,
				       o->name, o->key ? o->key : '.',
				       o->arg ? o->arg : "");
		}
	for (const struct pv_opt *o = pv_common_opts; o->name; o++)
		printf("common\t--%s\t%c\t%s\n", o->name, o->key ? o->key : '.',
		       o->arg ? o->arg : "");
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

/* Repeated values are kept in a NUL-joined side list per option. */
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

int pv_usage(struct pv_ctx *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", pv_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c && c->cmd)
		fprintf(stderr, "see '%s%s%s --help'\n", c->prog->name,
			c->cmd->name[0] ? " " : "", c->cmd->name);
	return PV_USAGE;
}

static const struct pv_opt *find_opt(const struct pv_cmd *cmd,
				     const char *name, size_t n, int key)
{
	const struct pv_opt *o = lookup(cmd->opts, name, n, key);

	return o ? o : lookup(pv_common_opts, name, n, key);
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
				return pv_usage(c, "unknown option '--%.*s'",
						(int)n, a + 2);
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
	return PV_OK;
}

static int check_stdout(int status, struct pv_err *e)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (status == PV_OK || status == PV_PARTIAL) {
			pv_fail(e, PV_IOERR, "write error on standard output");
			pv_report(e);
			status = PV_IOERR;
		}
	}
	return status;
}

int pv_main(const struct pv_prog *p, int argc, char **argv)
{
	struct pv_ctx ctx = {0};
	char *used = xcalloc((size_t)argc + 1, 1);
	const struct pv_cmd *cmd = NULL;
	char name[128] = "";
	int st, words = 0, help = 0;

	sanitise_fds();
#if defined(__GLIBC__) && defined(M_TRIM_THRESHOLD)
	/* SQLite (a statement's temporary tables and journals) and libcurl
	 * allocate and free some 100 KB per subject or message; glibc gives
	 * that back to the kernel each time (brk) and faults it in again:
	 * over half of consent-send's CPU time.  Keep up to 8 MB free. */
	mallopt(M_TRIM_THRESHOLD, 8 << 20);
#endif
	pv_set_progname(p->name);
	ctx.prog = p;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--dump-options") == 0) {
			free(used);
			dump_options(p);
			return check_stdout(PV_OK, &ctx.err);
		}
		if (strcmp(a, "--version") == 0) {
			free(used);
			printf("%s %s\n", p->name, PV_VERSION);
			return check_stdout(PV_OK, &ctx.err);
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			help = 1;
	}

	if (single_command(p)) {
		cmd = p->groups[0];
	} else {
		int w[2] = {0, 0};

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
		if (words == 2) {
			snprintf(name, sizeof name, "%s %s", argv[w[0]],
				 argv[w[1]]);
			if ((cmd = find_cmd(p, name)))
				used[w[0]] = used[w[1]] = 1;
		}
		if (!cmd && words >= 1) {
			snprintf(name, sizeof name, "%s", argv[w[0]]);
			if ((cmd = find_cmd(p, name)))
				used[w[0]] = 1;
		}
		if (!cmd) {
			const char *noun = words ? argv[w[0]] : NULL;
			int known = noun && is_noun(p, noun);

			if (words == 0 || (known && words == 1)) {
				/* "privacyctl [noun]": the commands there are */
				prog_help(help ? stdout : stderr, p,
					  known ? noun : NULL);
				free(used);
				return help ? check_stdout(PV_OK, &ctx.err)
					    : PV_USAGE;
			}
			if (known)
				snprintf(name, sizeof name, "%s %s", noun,
					 argv[w[1]]);
			pv_warn("unknown command '%s'", known ? name : noun);
			prog_help(stderr, p, known ? noun : NULL);
			free(used);
			return PV_USAGE;
		}
	}
	ctx.cmd = cmd;
	if (help) {
		cmd_help(stdout, p, cmd);
		free(used);
		return check_stdout(PV_OK, &ctx.err);
	}

	st = parse_args(&ctx, argc, argv, used);
	free(used);
	if (st)
		goto out;
	if (ctx.argc < cmd->min_args) {
		st = pv_usage(&ctx, "missing operand");
		goto out;
	}
	if (cmd->max_args >= 0 && ctx.argc > cmd->max_args) {
		st = pv_usage(&ctx, "too many operands");
		goto out;
	}
	if ((cmd->flags & PV_CMD_STDIN) && ctx.argc == 0 && isatty(0)) {
		st = pv_usage(&ctx, "no input: name files or pipe records to "
			      "standard input");
		goto out;
	}
	pv_verbose = pv_flag(&ctx, "verbose");
	pv_quiet = pv_flag(&ctx, "quiet");
	ctx.fmt = PV_FMT_NDJSON;
	if (pv_opt(&ctx, "format") &&
	    pv_fmt_parse(pv_opt(&ctx, "format"), 0, &ctx.fmt) != 0) {
		st = pv_usage(&ctx, "unknown format '%s' (ndjson, json, csv)",
			      pv_opt(&ctx, "format"));
		goto out;
	}
	if ((st = pv_clock_init(&ctx.err)))
		goto report;

	ctx.cfg = pv_cfg_new();
	if ((st = pv_cfg_load(ctx.cfg, pv_opt(&ctx, "config"), &ctx.err)))
		goto report;
	if (pv_opt(&ctx, "db"))
		pv_cfg_set(ctx.cfg, "database", pv_opt(&ctx, "db"), "--db");
	ctx.db_path = pv_db_path(ctx.cfg);
	if (cmd->flags & (PV_CMD_DB_RO | PV_CMD_DB_RW)) {
		int mode = (cmd->flags & PV_CMD_DB_RW) ? PV_DB_RW : PV_DB_RO;

		if (cmd->flags & PV_CMD_DB_CREATE)
			mode |= PV_DB_CREATE;
		if ((st = pv_db_open(ctx.db_path, mode, &ctx.db, &ctx.err)))
			goto report;
	}
	if (!(cmd->flags & PV_CMD_NO_OUTPUT))
		ctx.out = pv_writer_new(stdout, ctx.fmt,
					(cmd->flags & PV_CMD_SINGLE) ?
					PV_W_SINGLE : 0);

	st = cmd->run(&ctx);

	if (ctx.out) {
		struct pv_err we = {0};
		int wst = pv_writer_finish(ctx.out, &we);

		if (wst && st != PV_IOERR) {
			pv_report(&we);
			st = pv_status_merge(st, wst);
		}
	}
report:
	if (st && ctx.err.msg[0])
		pv_report(&ctx.err);
out:
	if (ctx.db)
		pv_db_close(ctx.db);
	free(ctx.db_path);
	free(ctx.argv);
	if (ctx.cfg)
		pv_cfg_free(ctx.cfg);
	return check_stdout(st, &ctx.err);
}
