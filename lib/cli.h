/*
 * cli.h - one main() shape for every binary, driven by option tables.
 *
 * A binary is a table of commands; each command names its options.  The
 * tables are the single source for --help, for the completions
 * (--dump-options, read by completions/gen) and for the test that keeps
 * the man pages in step.  pv_main does the rest: fds 0-2 open, options
 * parsed (GNU style: --long=V, --long V, -x V, -xV, bundled flags, "--"),
 * config loaded, PRIVACY_NOW read, the database opened as the command asks,
 * a writer on stdout in the chosen format, the command run, stdout checked,
 * the status mapped to the exit code.
 */
#ifndef PV_CLI_H
#define PV_CLI_H

#include <sqlite3.h>

#include "cfg.h"
#include "rec.h"
#include "util.h"

struct pv_opt {
	const char *name; /* long name without dashes */
	int key;          /* short option letter, or 0 */
	/* NULL for a flag, else the value's name: "SLUG", "TIME"; an
	 * enumerated value lists its values after a colon: "KIND:a|b|c"
	 * (two or more; "dir:PATH" is a name)
	 * (--help shows "KIND", the completions offer a, b and c; a value
	 * named SLUG is completed with the database's location slugs) */
	const char *arg;
	const char *help;
};

enum {
	PV_CMD_DB_RO = 1,     /* open the database read-only */
	PV_CMD_DB_RW = 2,     /* open it read-write (migrating) */
	PV_CMD_DB_CREATE = 4, /* with RW: create it when missing */
	PV_CMD_SINGLE = 8,    /* output is one document, not a list */
	PV_CMD_NO_OUTPUT = 16, /* the command writes no records */
	PV_CMD_STDIN = 32,     /* reads records: refuse a terminal on stdin */
	PV_CMD_HTML = 64       /* -f html: the command writes a page itself */
};

struct pv_ctx;

struct pv_cmd {
	const char *name;     /* "location add"; "" for a one-command binary */
	const char *operands; /* synopsis of operands: "SLUG KEY=VALUE..." */
	const char *summary;  /* one line for --help */
	const struct pv_opt *opts; /* terminated by an entry with name NULL */
	int flags;
	int min_args, max_args; /* operand count; max -1: any */
	int (*run)(struct pv_ctx *c);
};

struct pv_prog {
	const char *name;
	const char *summary;
	/* NULL-terminated list of command arrays, each ended by name NULL */
	const struct pv_cmd *const *groups;
};

enum { PV_MAX_OPTS = 48 };

struct pv_ctx {
	const struct pv_prog *prog;
	const struct pv_cmd *cmd;
	int argc; /* operands */
	char **argv;
	struct pv_cfg *cfg;
	char *db_path;
	sqlite3 *db;
	struct pv_writer *out;
	enum pv_fmt fmt;    /* -f: ndjson, json or csv (never a table) */
	enum pv_fmt outfmt; /* out's: fmt, or a table or JSON on a terminal */
	int html;           /* -f html (PV_CMD_HTML): no writer, out NULL */
	struct pv_err err; /* a command returning non-zero may fill this */
	const char *optval[PV_MAX_OPTS];
	int optcount[PV_MAX_OPTS];
	const struct pv_opt *optdef[PV_MAX_OPTS];
	int nopt;
};

int pv_main(const struct pv_prog *p, int argc, char **argv);

/* Value of a command option by long name (last one given), or NULL. */
const char *pv_opt(const struct pv_ctx *c, const char *name);
/* How often an option was given (flags). */
int pv_flag(const struct pv_ctx *c, const char *name);
/* All values of a repeatable option: returns count, fills up to max. */
int pv_opt_all(const struct pv_ctx *c, const char *name, const char **vals,
	       int max);

/* --limit N: 0 when not given, else a positive number into *n; a bad
 * value is a usage error (PV_USAGE, already said). */
int pv_opt_limit(struct pv_ctx *c, long *n);
/* The one rule for a listing that matched nothing (privacy(7)): no
 * records, exit 1, and "no WHAT matched" on stderr unless -q.  Returns
 * PV_OK when n is not 0. */
int pv_nothing_matched(struct pv_ctx *c, long long n, const char *what);

/* Print a usage error for the current command and return PV_USAGE.
 * A library's refusal (PV_USAGE with its message in c->err) needs no
 * call: returned from run(), pv_main says it as a usage message, once. */
int pv_usage(struct pv_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Options every command has (listed by --help after the command's own). */
extern const struct pv_opt pv_common_opts[];

#endif
