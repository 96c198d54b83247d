/* t-cfg.c - unit tests of lib/cfg.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "rec.h"
#include "tap.h"

static char tmpdir[] = "/tmp/t-cfg.XXXXXX";

/* Load text as a layer named "t.yaml"; returns the status. */
static int load(struct pv_cfg *c, const char *text, struct pv_err *e)
{
	pv_err_clear(e);
	return pv_cfg_load_mem(c, "t.yaml", text, strlen(text), e);
}

/* Status and message of loading text into a fresh config. */
static int load_err(const char *text, struct pv_err *e)
{
	struct pv_cfg *c = pv_cfg_new();
	int st = load(c, text, e);

	pv_cfg_free(c);
	return st;
}

static char *path_in(const char *rel)
{
	return xasprintf("%s/%s", tmpdir, rel);
}

static void write_file(const char *rel, const char *text)
{
	char *p = path_in(rel), *slash;
	FILE *f;

	/* mkdir -p of the directories on the way */
	for (slash = strchr(p + strlen(tmpdir) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(p, 0700);
		*slash = '/';
	}
	f = fopen(p, "w");
	if (!f) {
		perror(p);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
	free(p);
}

static int nchildren(const struct pv_node *n)
{
	int k = 0;

	for (n = n ? n->child : NULL; n; n = n->next)
		k++;
	return k;
}

static void test_empty(void)
{
	static const char *const empties[] = {
		"", "\n", "# only a comment\n", "# a\n\n# b", "---\n",
		"--- # x\n...\n", "~\n", "null",
	};
	struct pv_err e;
	struct pv_cfg *c;
	size_t i;

	for (i = 0; i < sizeof empties / sizeof empties[0]; i++) {
		c = pv_cfg_new();
		is_int(load(c, empties[i], &e), 0, "an empty config is fine");
		is_int(nchildren(c->root), 0, "  and has no keys");
		pv_cfg_free(c);
	}
	c = pv_cfg_new();
	ok(c->root && c->root->type == PV_NODE_MAP, "a new config is a map");
	ok(pv_cfg_node(c, "smtp") == NULL, "nothing in a new config");
	is_str(pv_cfg_str(c, "processing.url", "dflt"), "dflt", "default when absent");
	is_str(pv_cfg_str(c, "processing.url", NULL), NULL, "NULL default");
	is_str(pv_cfg_origin(c, "processing.url"), "", "no origin when absent");
	ok(c->user_file == NULL, "no user file before loading");
	pv_cfg_free(c);
	pv_cfg_free(NULL);
}

static void test_tree(void)
{
	static const char text[] =
		"# comment\n"
		"controller:\n"
		"  name: Salon Beispiel GmbH\n"
		"  email: \"dsb@example.org\"\n"
		"\n"
		"retention:\n"
		"  invoices:\n"
		"    years: 10\n"
		"  extra:\n"
		"    - one\n"
		"    - 'two'\n"
		"    - {k: v}\n"
		"  flow: [a, b]\n"
		"  empty:\n"
		"language: de\n";
	struct pv_err e;
	struct pv_cfg *c = pv_cfg_new();
	const struct pv_node *n, *m;

	is_int(load(c, text, &e), 0, "nested maps and sequences load");
	is_str(e.msg, "", "  with no message");
	is_int(nchildren(c->root), 3, "three top-level keys");
	is_str(c->root->child->key, "controller", "keys in file order");
	is_str(c->root->last->key, "language", "  the last too");
	is_str(pv_cfg_str(c, "controller.name", NULL), "Salon Beispiel GmbH",
	       "nested scalar");
	is_str(pv_cfg_str(c, "controller.email", NULL), "dsb@example.org",
	       "quoted scalar");
	is_str(pv_cfg_origin(c, "controller.name"), "t.yaml:3",
	       "origin is file:line");
	is_str(pv_cfg_origin(c, "controller.email"), "t.yaml:4",
	       "origin of the next line");
	is_str(pv_cfg_origin(c, "retention.invoices.years"), "t.yaml:8",
	       "origin three deep");
	is_str(pv_cfg_origin(c, "language"), "t.yaml:15", "origin last line");
	is_str(pv_cfg_str(c, "retention.invoices.years", NULL), "10",
	       "numbers are text");
	n = pv_cfg_node(c, "retention.invoices");
	ok(n && n->type == PV_NODE_MAP, "a map node");
	is_str(n ? n->key : NULL, "invoices", "  knows its key");
	is_str(pv_cfg_str(c, "retention.invoices", "d"), "d",
	       "pv_cfg_str of a map gives the default");
	n = pv_cfg_node(c, "retention.extra");
	ok(n && n->type == PV_NODE_SEQ, "a block sequence");
	is_int(nchildren(n), 3, "  with three items");
	ok(n && n->child && n->child->key == NULL, "  items have no key");
	is_str(n && n->child ? n->child->value : NULL, "one", "  first item");
	is_str(pv_cfg_str(c, "retention.extra.1", NULL), "two",
	       "sequence item by index");
	is_str(pv_cfg_origin(c, "retention.extra.1"), "t.yaml:11",
	       "  with its line");
	is_str(pv_cfg_str(c, "retention.extra.2.k", NULL), "v",
	       "a map in a sequence");
	ok(pv_cfg_node(c, "retention.extra.3") == NULL, "index past the end");
	ok(pv_cfg_node(c, "retention.extra.-1") == NULL, "negative index");
	ok(pv_cfg_node(c, "retention.extra.x") == NULL, "non-numeric index");
	is_str(pv_cfg_str(c, "retention.extra", "d"), "d",
	       "pv_cfg_str of a sequence gives the default");
	m = pv_cfg_node(c, "retention.flow");
	ok(m && m->type == PV_NODE_SEQ, "a flow sequence");
	is_int(nchildren(m), 2, "  with two items");
	is_str(pv_cfg_str(c, "retention.empty", "d"), "",
	       "an empty value is an empty scalar");
	ok(pv_cfg_node(c, "language.x") == NULL, "below a scalar is absent");
	ok(pv_cfg_node(c, "") == NULL, "empty key is absent");
	n = pv_cfg_node(c, "retention");
	ok(pv_node_get(n, "invoices") != NULL, "pv_node_get finds a child");
	ok(pv_node_get(n, "nope") == NULL, "pv_node_get: absent child");
	ok(pv_node_get(NULL, "x") == NULL, "pv_node_get of NULL");
	ok(pv_node_get(pv_cfg_node(c, "language"), "x") == NULL,
	   "pv_node_get of a scalar");
	pv_cfg_free(c);
}

static void test_merge(void)
{
	static const char low[] =
		"processing:\n"
		"  url: smtp://low\n"
		"  user: low-user\n"
		"  opts:\n"
		"    a: 1\n"
		"    b: 2\n"
		"retention:\n"
		"  extra: [x, y, z]\n"
		"  invoices: {years: 10}\n"
		"language: de\n";
	static const char high[] =
		"processing:\n"
		"  url: smtp://high\n"
		"  opts:\n"
		"    b: 3\n"
		"    c: 4\n"
		"retention:\n"
		"  extra: [q]\n"
		"  invoices: 7\n"
		"language: [en, fr]\n"
		"holidays:\n"
		"  url: https://x\n";
	struct pv_err e;
	struct pv_cfg *c = pv_cfg_new();
	const struct pv_node *n;

	is_int(load(c, low, &e), 0, "lower layer loads");
	is_int(pv_cfg_load_mem(c, "h.yaml", high, strlen(high), &e), 0,
	       "higher layer loads");
	is_str(pv_cfg_str(c, "processing.url", NULL), "smtp://high",
	       "scalar overridden");
	is_str(pv_cfg_origin(c, "processing.url"), "h.yaml:2",
	       "  with the higher origin");
	is_str(pv_cfg_str(c, "processing.user", NULL), "low-user",
	       "maps merge: lower key kept");
	is_str(pv_cfg_origin(c, "processing.user"), "t.yaml:3", "  with its origin");
	is_str(pv_cfg_str(c, "processing.opts.a", NULL), "1", "deep merge keeps a");
	is_str(pv_cfg_str(c, "processing.opts.b", NULL), "3", "deep merge sets b");
	is_str(pv_cfg_str(c, "processing.opts.c", NULL), "4", "deep merge adds c");
	n = pv_cfg_node(c, "retention.extra");
	is_int(nchildren(n), 1, "a sequence is replaced, not appended");
	is_str(pv_cfg_str(c, "retention.extra.0", NULL), "q", "  new item");
	is_str(pv_cfg_str(c, "retention.invoices", NULL), "7",
	       "a scalar replaces a map");
	ok(pv_cfg_node(c, "retention.invoices.years") == NULL,
	   "  whose keys are gone");
	n = pv_cfg_node(c, "language");
	ok(n && n->type == PV_NODE_SEQ, "a sequence replaces a scalar");
	is_str(pv_cfg_str(c, "holidays.url", NULL), "https://x",
	       "a new section is added");
	/* Order: lower layer's keys first, replaced ones keep their place. */
	is_str(c->root->child->key, "processing", "order: processing first");
	is_str(c->root->child->next->next->key, "language",
	       "  language keeps its place");
	is_str(c->root->last->key, "holidays", "  new key last");
	is_str(c->root->last->key, "holidays", "  last pointer kept");

	/* A map replaces a scalar and a sequence. */
	is_int(load(c, "language: {a: 1}\nretention: {extra: {k: v}}\n", &e),
	       0, "third layer");
	is_str(pv_cfg_str(c, "language.a", NULL), "1", "map replaces seq");
	is_str(pv_cfg_str(c, "retention.extra.k", NULL), "v",
	       "map replaces seq below");
	is_str(pv_cfg_str(c, "retention.invoices", NULL), "7",
	       "  sibling kept");

	/* A failed layer leaves the config as it was. */
	ok(load(c, "processing:\n  url: changed\n  bogus: [\n", &e) != 0,
	   "a bad layer fails");
	is_str(pv_cfg_str(c, "processing.url", NULL), "smtp://high",
	   "  and changes nothing");
	pv_cfg_free(c);
}

static void test_set(void)
{
	struct pv_err e;
	struct pv_cfg *c = pv_cfg_new();
	const struct pv_node *n;

	pv_cfg_set(c, "database", "/tmp/a.db", "--db");
	is_str(pv_cfg_str(c, "database", NULL), "/tmp/a.db", "set top level");
	is_str(pv_cfg_origin(c, "database"), "--db", "  origin");
	pv_cfg_set(c, "database", "/tmp/b.db", "env PRIVACY_DB");
	is_str(pv_cfg_str(c, "database", NULL), "/tmp/b.db", "set replaces");
	is_str(pv_cfg_origin(c, "database"), "env PRIVACY_DB",
	       "  and its origin");
	is_int(nchildren(c->root), 1, "  without a duplicate");
	pv_cfg_set(c, "processing.auth.user", "u", "default");
	n = pv_cfg_node(c, "processing.auth");
	ok(n && n->type == PV_NODE_MAP, "set creates intermediate maps");
	is_str(pv_cfg_str(c, "processing.auth.user", NULL), "u", "  and the value");
	pv_cfg_set(c, "processing.auth.pass_file", "/p", "default");
	is_int(nchildren(n), 2, "set adds to an existing map");
	is_int(load(c, "retention: {extra: [a, b], years: 3}\n", &e), 0,
	       "load a sequence");
	pv_cfg_set(c, "retention.extra", "x", "--flag");
	is_str(pv_cfg_str(c, "retention.extra", NULL), "x",
	       "set replaces a sequence");
	pv_cfg_set(c, "retention.years.n", "4", "--flag");
	is_str(pv_cfg_str(c, "retention.years.n", NULL), "4",
	       "set turns a scalar on the way into a map");
	pv_cfg_set(c, "processing", "flat", "--flag");
	is_str(pv_cfg_str(c, "processing", NULL), "flat", "set replaces a map");
	ok(pv_cfg_node(c, "processing.auth.user") == NULL, "  and what was below");
	pv_cfg_set(c, "language", NULL, NULL);
	is_str(pv_cfg_str(c, "language", "d"), "", "set NULL is empty");
	pv_cfg_free(c);
}

static void test_errors(void)
{
	struct pv_err e;
	int st;

	st = load_err("controller:\n  name: [unclosed\n", &e);
	is_int(st, PV_CONFIG, "unclosed flow sequence is PV_CONFIG");
	ok(strncmp(e.msg, "t.yaml:2: ", 10) == 0,
	   "  names file and line 2 (%s)", e.msg);
	ok(strstr(e.msg, "did not find expected") != NULL,
	   "  with libyaml's problem");

	st = load_err("processing: 1\n  mail: 2\n", &e);
	is_int(st, PV_CONFIG, "bad indentation is PV_CONFIG");
	ok(strncmp(e.msg, "t.yaml:2: ", 10) == 0, "  line 2 (%s)", e.msg);

	st = load_err("processing:\n\turl: x\n", &e);
	is_int(st, PV_CONFIG, "a tab indent is PV_CONFIG");
	ok(strncmp(e.msg, "t.yaml:2: ", 10) == 0, "  line 2 (%s)", e.msg);

	st = load_err("processing:\n  url: \"abc\n", &e);
	is_int(st, PV_CONFIG, "unterminated quote is PV_CONFIG");
	ok(strncmp(e.msg, "t.yaml:", 7) == 0, "  names the file (%s)", e.msg);

	st = load_err("processing:\n  url: x\n  password: s3cr3t-value [\n"
		      "  x: @y\n", &e);
	is_int(st, PV_CONFIG, "a bad token is PV_CONFIG");
	ok(strstr(e.msg, "s3cr3t") == NULL, "  and shows no value (%s)",
	   e.msg);

	st = load_err("processing:\n  url: \xff\xfe\n", &e);
	is_int(st, PV_CONFIG, "invalid UTF-8 is PV_CONFIG");
	ok(strncmp(e.msg, "t.yaml:2: ", 10) == 0, "  line 2 (%s)", e.msg);

	st = load_err("processing:\n  url: x\n  port: 25\n  url: y\n", &e);
	is_int(st, PV_CONFIG, "duplicate key is PV_CONFIG");
	is_str(e.msg, "t.yaml:4: url: duplicate key", "  message");
	st = load_err("processing: 1\nprocessing: 2\n", &e);
	is_str(e.msg, "t.yaml:2: processing: duplicate key", "duplicate top key");
	st = load_err("processing: {a: 1, a: 2}\n", &e);
	is_int(st, PV_CONFIG, "duplicate key in a flow map");
	is_int(load_err("processing: {a: 1}\nholidays: {a: 1}\n", &e), 0,
	       "the same key in two maps is fine");

	st = load_err("language: de\n\ncolour: blue\n", &e);
	is_int(st, PV_CONFIG, "unknown top-level key is PV_CONFIG");
	is_str(e.msg, "t.yaml:3: colour: unknown key", "  message");
	st = load_err("\"col\\nour\": blue\n", &e);
	is_str(e.msg, "t.yaml:1: col?our: unknown key",
	       "control characters in a key are not shown");
	is_int(load_err("processing: {colour: blue}\n", &e), 0,
	       "below the top level any key is fine in a free section");
	st = load_err("smtp:\n  url: x\n  colour: blue\n", &e);
	is_int(st, PV_CONFIG, "an unknown key in a fixed section is PV_CONFIG");
	is_str(e.msg, "t.yaml:3: colour: unknown key", "  message");
	is_int(load_err("smtp: {url: x, tls: none, timeout: 3}\n"
			"webhook: {secret_file: /x}\n", &e), 0,
	       "the known keys of fixed sections load");

	st = load_err("processing:\n  url: &u x\n  url2: *u\n", &e);
	is_int(st, PV_CONFIG, "an alias is PV_CONFIG");
	is_str(e.msg, "t.yaml:3: aliases are not supported", "  message");
	st = load_err("processing: &a [x, x]\nmail: &b [*a, *a]\n", &e);
	is_int(st, PV_CONFIG, "billion laughs is refused");
	ok(strstr(e.msg, "aliases are not supported") != NULL, "  (%s)",
	   e.msg);
	st = load_err("processing: &base {a: 1}\nholidays:\n  <<: *base\n", &e);
	ok(strstr(e.msg, "t.yaml:3: aliases are not supported") != NULL,
	   "merge keys need aliases, refused too (%s)", e.msg);
	st = load_err("processing:\n  *k : v\n", &e);
	ok(st == PV_CONFIG && strstr(e.msg, "aliases are not supported"),
	   "an alias as a key (%s)", e.msg);
	st = load_err("&a processing: 1\n", &e);
	is_int(st, 0, "an anchor without an alias is harmless");

	st = load_err("- a\n- b\n", &e);
	is_int(st, PV_CONFIG, "a top-level sequence is PV_CONFIG");
	is_str(e.msg, "t.yaml:1: the top level is not a mapping", "  message");
	st = load_err("# hi\njust a string\n", &e);
	is_int(st, PV_CONFIG, "a top-level scalar is PV_CONFIG");
	is_str(e.msg, "t.yaml:2: the top level is not a mapping", "  message");
	st = load_err("\"\"\n", &e);
	is_int(st, PV_CONFIG, "a quoted empty string is not a mapping");

	st = load_err("processing:\n  [a, b]: v\n", &e);
	is_int(st, PV_CONFIG, "a sequence as a key is PV_CONFIG");
	is_str(e.msg, "t.yaml:2: mapping keys must be scalars", "  message");
	st = load_err("processing:\n  ? {a: 1}\n  : v\n", &e);
	is_str(e.msg, "t.yaml:2: mapping keys must be scalars", "a map key");

	st = load_err("processing: 1\n---\nmail: 2\n", &e);
	is_int(st, PV_CONFIG, "two documents are PV_CONFIG");
	is_str(e.msg, "t.yaml:2: more than one YAML document", "  message");

	st = load_err("processing: \"a\\0b\"\n", &e);
	is_int(st, PV_CONFIG, "a NUL byte in a value is PV_CONFIG");

	{
		struct pv_buf b = {0};
		int i;

		pv_buf_adds(&b, "processing: ");
		for (i = 0; i < 200; i++)
			pv_buf_addc(&b, '[');
		for (i = 0; i < 200; i++)
			pv_buf_addc(&b, ']');
		pv_buf_addc(&b, '\n');
		st = load_err(b.s, &e);
		is_int(st, PV_CONFIG, "deep nesting is refused");
		is_str(e.msg, "t.yaml:1: nesting too deep", "  message");
		pv_buf_free(&b);
	}
}

static void test_types(void)
{
	static const char text[] =
		"requests:\n"
		"  days: 30\n"
		"  neg: -5\n"
		"  big: 99999999999999999999\n"
		"  plus: +5\n"
		"  hex: 0x10\n"
		"  frac: 1.5\n"
		"  space: ' 5'\n"
		"  empty: ''\n"
		"  word: hunter2\n"
		"  map: {a: 1}\n"
		"  t1: true\n"
		"  t2: YES\n"
		"  t3: On\n"
		"  f1: False\n"
		"  f2: no\n"
		"  f3: OFF\n"
		"  one: 1\n"
		"  y: y\n";
	static const char *const bad_ints[] = {
		"requests.big", "requests.plus", "requests.hex",
		"requests.frac", "requests.space", "requests.empty",
		"requests.word", "requests.map", "requests.t1",
	};
	static const char *const bad_bools[] = {
		"requests.one", "requests.y", "requests.empty",
		"requests.word", "requests.map", "requests.days",
	};
	struct pv_err e;
	struct pv_cfg *c = pv_cfg_new();
	long long v;
	int b;
	size_t i;

	is_int(load(c, text, &e), 0, "typed values load");
	v = 0;
	is_int(pv_cfg_int(c, "requests.days", 7, &v, &e), 0, "int ok");
	is_int(v, 30, "  value");
	is_int(pv_cfg_int(c, "requests.neg", 7, &v, &e), 0, "negative int");
	is_int(v, -5, "  value");
	is_int(pv_cfg_int(c, "requests.none", 7, &v, &e), 0, "absent int");
	is_int(v, 7, "  is the default");
	for (i = 0; i < sizeof bad_ints / sizeof bad_ints[0]; i++) {
		pv_err_clear(&e);
		is_int(pv_cfg_int(c, bad_ints[i], 7, &v, &e), PV_CONFIG,
		       bad_ints[i]);
		ok(strstr(e.msg, ": not a whole number") != NULL,
		   "  not a whole number (%s)", e.msg);
	}
	pv_cfg_int(c, "requests.word", 7, &v, &e);
	is_str(e.msg, "t.yaml:10: requests.word: not a whole number",
	       "int message: origin, key, reason, no value");

	is_int(pv_cfg_bool(c, "requests.none", 1, &b, &e), 0, "absent bool");
	is_int(b, 1, "  is the default");
	for (i = 0; i < 6; i++) {
		char key[32];

		snprintf(key, sizeof key, "requests.%c%d", i < 3 ? 't' : 'f',
			 (int)(i % 3) + 1);
		b = -1;
		is_int(pv_cfg_bool(c, key, -1, &b, &e), 0, key);
		is_int(b, i < 3, "  value");
	}
	for (i = 0; i < sizeof bad_bools / sizeof bad_bools[0]; i++) {
		pv_err_clear(&e);
		is_int(pv_cfg_bool(c, bad_bools[i], 0, &b, &e), PV_CONFIG,
		       bad_bools[i]);
		ok(strstr(e.msg, ": not a boolean") != NULL,
		   "  not a boolean (%s)", e.msg);
	}
	pv_cfg_bool(c, "requests.word", 0, &b, &e);
	is_str(e.msg, "t.yaml:10: requests.word: not a boolean",
	       "bool message");
	pv_cfg_set(c, "requests.flag", "maybe", "--flag");
	pv_cfg_bool(c, "requests.flag", 0, &b, &e);
	is_str(e.msg, "--flag: requests.flag: not a boolean",
	       "bool message with a flag origin");
	pv_cfg_free(c);
}

/* Set the environment for one pv_cfg_load; NULL unsets. */
static void env(const char *name, const char *val)
{
	if (val)
		setenv(name, val, 1);
	else
		unsetenv(name);
}

static void test_load(void)
{
	struct pv_err e;
	struct pv_cfg *c;
	char *home = path_in("home"), *xdg = path_in("xdg");
	char *sys = path_in("etc/config.yaml");
	char *pc = path_in("pc.yaml"), *flag = path_in("flag.yaml");
	char *want, *missing = path_in("missing.yaml");
	char *bad = path_in("bad.yaml"), *unknown = path_in("unknown.yaml");

	write_file("etc/config.yaml",
		   "language: sys\nprocessing:\n  url: sys-url\n  port: 25\n"
		   "database: /sys.db\n");
	write_file("home/.config/privacyctl/config.yaml",
		   "language: home\nprocessing:\n  url: home-url\n");
	write_file("xdg/privacyctl/config.yaml", "language: xdg\n");
	write_file("pc.yaml", "language: pc\n");
	write_file("flag.yaml", "\nlanguage: flag\n");

	env("HOME", home);
	env("XDG_CONFIG_HOME", NULL);
	env("PRIVACY_CONFIG", NULL);
	env("PRIVACY_DB", NULL);
	env("PRIVACY_SYSCONFIG", sys);

	c = pv_cfg_new();
	is_int(pv_cfg_load(c, NULL, &e), 0, "load with HOME");
	is_str(pv_cfg_str(c, "language", NULL), "home",
	       "$HOME/.config beats the system file");
	is_str(pv_cfg_str(c, "processing.url", NULL), "home-url", "  map merged");
	is_str(pv_cfg_str(c, "processing.port", NULL), "25",
	       "  system key kept");
	is_str(pv_cfg_origin(c, "processing.port"), (want = xasprintf("%s:4", sys)),
	       "  with the system file's origin");
	free(want);
	is_str(c->user_file,
	       (want = xasprintf("%s/.config/privacyctl/config.yaml", home)),
	       "user_file is the HOME one");
	free(want);
	is_str(pv_cfg_str(c, "database", NULL), "/sys.db",
	       "database from the system file");
	pv_cfg_free(c);

	env("XDG_CONFIG_HOME", xdg);
	c = pv_cfg_new();
	is_int(pv_cfg_load(c, NULL, &e), 0, "load with XDG_CONFIG_HOME");
	is_str(pv_cfg_str(c, "language", NULL), "xdg",
	       "XDG_CONFIG_HOME beats HOME");
	is_str(pv_cfg_str(c, "processing.url", NULL), "sys-url",
	       "  and HOME's file is not read");
	pv_cfg_free(c);

	env("XDG_CONFIG_HOME", "relative/dir");
	c = pv_cfg_new();
	is_int(pv_cfg_load(c, NULL, &e), 0, "relative XDG_CONFIG_HOME");
	is_str(pv_cfg_str(c, "language", NULL), "home",
	       "  is ignored, as XDG says");
	pv_cfg_free(c);
	env("XDG_CONFIG_HOME", xdg);

	env("PRIVACY_CONFIG", pc);
	c = pv_cfg_new();
	is_int(pv_cfg_load(c, NULL, &e), 0, "load with PRIVACY_CONFIG");
	is_str(pv_cfg_str(c, "language", NULL), "pc",
	       "PRIVACY_CONFIG beats XDG");
	is_str(pv_cfg_str(c, "processing.url", NULL), "sys-url",
	       "  over the system file");
	is_str(c->user_file, pc, "  and is the user file");
	pv_cfg_free(c);

	env("PRIVACY_CONFIG", "");
	c = pv_cfg_new();
	is_int(pv_cfg_load(c, NULL, &e), 0, "empty PRIVACY_CONFIG");
	is_str(pv_cfg_str(c, "language", NULL), "xdg", "  is unset");
	pv_cfg_free(c);
	env("PRIVACY_CONFIG", pc);

	env("PRIVACY_DB", "/env.db");
	c = pv_cfg_new();
	is_int(pv_cfg_load(c, flag, &e), 0, "load with -c");
	is_str(pv_cfg_str(c, "language", NULL), "flag",
	       "-c beats PRIVACY_CONFIG");
	is_str(pv_cfg_origin(c, "language"), (want = xasprintf("%s:2", flag)),
	       "  origin is the -c file and line");
	free(want);
	is_str(c->user_file, flag, "  and is the user file");
	is_str(pv_cfg_str(c, "database", NULL), "/env.db",
	       "PRIVACY_DB beats the file");
	is_str(pv_cfg_origin(c, "database"), "env PRIVACY_DB",
	       "  origin env PRIVACY_DB");
	pv_cfg_set(c, "database", "/flag.db", "--db");
	is_str(pv_cfg_str(c, "database", NULL), "/flag.db", "--db beats env");
	pv_cfg_free(c);
	env("PRIVACY_DB", "");
	c = pv_cfg_new();
	is_int(pv_cfg_load(c, flag, &e), 0, "empty PRIVACY_DB");
	is_str(pv_cfg_str(c, "database", NULL), "/sys.db", "  is unset");
	pv_cfg_free(c);
	env("PRIVACY_DB", NULL);

	c = pv_cfg_new();
	pv_err_clear(&e);
	is_int(pv_cfg_load(c, missing, &e), PV_NOINPUT,
	       "a missing -c file is PV_NOINPUT");
	is_str(e.msg,
	       (want = xasprintf("cannot read config '%s': No such file or "
				 "directory", missing)),
	       "  message");
	free(want);
	is_str(c->user_file, missing, "  user_file names it");
	pv_cfg_free(c);

	env("PRIVACY_CONFIG", missing);
	c = pv_cfg_new();
	is_int(pv_cfg_load(c, NULL, &e), PV_NOINPUT,
	       "a missing PRIVACY_CONFIG file is PV_NOINPUT");
	pv_cfg_free(c);
	c = pv_cfg_new();
	is_int(pv_cfg_load(c, flag, &e), 0,
	       "  but not when -c names another");
	pv_cfg_free(c);
	env("PRIVACY_CONFIG", NULL);

	/* Nothing there at all: fine. */
	env("PRIVACY_SYSCONFIG", missing);
	env("XDG_CONFIG_HOME", NULL);
	env("HOME", tmpdir);
	c = pv_cfg_new();
	is_int(pv_cfg_load(c, NULL, &e), 0,
	       "missing system and user files are fine");
	is_str(e.msg, "", "  with no message");
	is_int(nchildren(c->root), 0, "  and give an empty config");
	pv_cfg_free(c);
	env("HOME", NULL);
	c = pv_cfg_new();
	is_int(pv_cfg_load(c, NULL, &e), 0, "no HOME at all is fine");
	ok(c->user_file == NULL, "  and there is no user file");
	pv_cfg_free(c);

	/* Errors in the files. */
	write_file("bad.yaml", "controller:\n  name: [unclosed\n");
	write_file("unknown.yaml", "colour: blue\n");
	c = pv_cfg_new();
	is_int(pv_cfg_load(c, bad, &e), PV_CONFIG,
	       "a malformed -c file is PV_CONFIG");
	want = xasprintf("%s:2: ", bad);
	ok(strncmp(e.msg, want, strlen(want)) == 0,
	   "  with its name and line (%s)", e.msg);
	free(want);
	pv_cfg_free(c);
	c = pv_cfg_new();
	is_int(pv_cfg_load(c, unknown, &e), PV_CONFIG,
	       "an unknown key in a -c file is PV_CONFIG");
	want = xasprintf("%s:1: colour: unknown key", unknown);
	is_str(e.msg, want, "  with its name and line");
	free(want);
	pv_cfg_free(c);
	env("PRIVACY_SYSCONFIG", bad);
	c = pv_cfg_new();
	is_int(pv_cfg_load(c, flag, &e), PV_CONFIG,
	       "a malformed system file is PV_CONFIG");
	pv_cfg_free(c);
	env("PRIVACY_SYSCONFIG", tmpdir);
	c = pv_cfg_new();
	ok(pv_cfg_load(c, flag, &e) != 0, "a directory as a file fails");
	ok(strstr(e.msg, "is not a regular file") != NULL, "  (%s)", e.msg);
	pv_cfg_free(c);
	c = pv_cfg_new();
	is_int(pv_cfg_load_file(c, missing, &e), PV_NOINPUT,
	       "pv_cfg_load_file: missing is PV_NOINPUT");
	pv_cfg_free(c);
	env("PRIVACY_SYSCONFIG", NULL);

	free(home);
	free(xdg);
	free(sys);
	free(pc);
	free(flag);
	free(missing);
	free(bad);
	free(unknown);
}

static char *dump(const struct pv_cfg *c, int with_origin)
{
	struct pv_err e;
	struct pv_writer *w;
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	w = pv_writer_new(f, PV_FMT_NDJSON, 0);
	pv_cfg_dump(c, w, with_origin);
	pv_writer_finish(w, &e);
	fclose(f);
	return s;
}

static void test_dump(void)
{
	static const char text[] =
		"processing:\n"
		"  url: smtp://mail\n"
		"  password: hunter2\n"
		"  auth_password: hunter3\n"
		"  secret: hunter4\n"
		"  client_secret: hunter5\n"
		"  api_token: hunter6\n"
		"  keyring: shown\n"
		"  passwords_file: /shown\n"
		"holidays:\n"
		"  key: hunter7\n"
		"  secret:\n"
		"    - hunter8\n"
		"    - {inner: hunter9}\n"
		"retention:\n"
		"  extra: [a, b]\n"
		"  invoices: {years: 10}\n"
		"language: de\n";
	struct pv_err e;
	struct pv_cfg *c = pv_cfg_new();
	char *out, *p, *q;
	int lines = 0;

	is_int(load(c, text, &e), 0, "dump input loads");
	out = dump(c, 0);
	ok(out != NULL, "dump wrote something");
	if (!out)
		out = xstrdup("");
	for (p = out; (p = strchr(p, '\n')); p++)
		lines++;
	is_int(lines, 15, "one record per scalar");
	ok(strstr(out, "hunter") == NULL, "no secret in the dump");
	ok(strstr(out, "\"key\":\"processing.url\",\"value\":\"smtp://mail\""),
	   "plain value shown");
	ok(strstr(out, "\"key\":\"processing.password\",\"value\":\"(hidden)\""),
	   "password hidden");
	ok(strstr(out, "\"key\":\"processing.auth_password\",\"value\":\"(hidden)\""),
	   "*_password hidden");
	ok(strstr(out, "\"key\":\"processing.secret\",\"value\":\"(hidden)\""),
	   "secret hidden");
	ok(strstr(out, "\"key\":\"processing.client_secret\",\"value\":\"(hidden)\""),
	   "*_secret hidden");
	ok(strstr(out, "\"key\":\"holidays.key\",\"value\":\"(hidden)\""),
	   "key hidden");
	ok(strstr(out, "\"key\":\"holidays.secret.0\",\"value\":\"(hidden)\""),
	   "items of a secret sequence hidden");
	ok(strstr(out,
		  "\"key\":\"holidays.secret.1.inner\",\"value\":\"(hidden)\""),
	   "everything below a secret hidden");
	ok(strstr(out, "\"key\":\"processing.keyring\",\"value\":\"shown\""),
	   "keyring is not a secret");
	ok(strstr(out, "\"key\":\"processing.passwords_file\",\"value\":\"/shown\""),
	   "passwords_file is not a secret");
	ok(strstr(out, "\"key\":\"retention.extra.1\",\"value\":\"b\""),
	   "sequence items as key.N");
	ok(strstr(out, "\"key\":\"retention.invoices.years\",\"value\":\"10\""),
	   "nested key dotted");
	ok(strstr(out, "origin") == NULL, "no origin unless asked");
	p = strstr(out, "\"processing.url\"");
	q = strstr(out, "\"language\"");
	ok(p && q && p < q && strstr(out, "\"retention.extra.0\"") < q,
	   "file order");
	free(out);

	pv_cfg_set(c, "database", "/x.db", "--db");
	out = dump(c, 1);
	if (!out)
		out = xstrdup("");
	ok(strstr(out, "\"key\":\"processing.url\",\"value\":\"smtp://mail\","
		       "\"origin\":\"t.yaml:2\""),
	   "origin shown when asked");
	ok(strstr(out, "\"key\":\"database\",\"value\":\"/x.db\","
		       "\"origin\":\"--db\""),
	   "set values dumped with their origin");
	ok(strstr(out, "hunter") == NULL, "still no secret");
	free(out);
	pv_cfg_free(c);

	c = pv_cfg_new();
	out = dump(c, 1);
	ok(!out || !*out, "an empty config dumps nothing");
	free(out);
	pv_cfg_free(c);
}

static void cleanup(void)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);

	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	free(cmd);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	test_empty();
	test_tree();
	test_merge();
	test_set();
	test_errors();
	test_types();
	test_load();
	test_dump();
	cleanup();
	return done_testing();
}
