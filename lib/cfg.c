#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "cfg.h"

#define SYSTEM_CONFIG "/etc/privacyctl/config.yaml"

/* The top-level sections of the config.  Add new ones here (and to
 * privacy-config(5)); anything else at the top level is a typo. */
static const char *const known_keys[] = {
	"database",
	"controller",
	"processing",
	"trade_secrets",
	"retention",
	"smtp",
	"mail",
	"notify",
	"webhook",
	"consent",
	"templates",
	"holidays",
	"requests",
	"export",
	"secrets",
	"language",
	"web",
	"check",
};

/* The keys of the sections whose keys are fixed (privacy-config(5)): any
 * other key in them is a typo, refused with its file and line like an
 * unknown section.  The other sections (processing, retention, holidays,
 * ...) hold free keys or are checked by their own loaders. */
static const struct {
	const char *section;
	const char *const keys[12];
} section_keys[] = {
	{"controller", {"name", "address", "email", "phone", "dpo"}},
	{"smtp", {"url", "tls", "ca_file", "user", "password_file",
		  "timeout"}},
	{"mail", {"from", "from_name", "reply_to"}},
	{"check", {"repeat_days"}},
	{"webhook", {"secret_file", "timeout", "ca_file"}},
	{"consent", {"confirm_url", "decline_url", "from",
		     "unsubscribe_mailto", "token_days", "retry_minutes",
		     "max_attempts"}},
};

/* Keys whose values pv_cfg_dump never shows: a key named like this, or
 * anything below it.  Matched against the last component, or its end. */
static const char *const secret_names[] = {
	"password", "secret", "key", "token",
};
static const char *const secret_suffixes[] = {
	"_password", "_secret", "_key", "_token",
};

/* Limits against hostile input (the config is fuzzed, and -c may name
 * anything): a real config is a few kilobytes and a few levels deep. */
#define MAX_FILE (4u << 20)
#define MAX_DEPTH 64
#define MAX_NODES 100000

struct parse {
	yaml_parser_t yp;
	const char *name;
	const char *text;
	size_t len;
	size_t nodes;
	const char *section; /* the top-level key being read */
	int any_key; /* not the config: no check of the top-level keys */
	struct pv_err *e;
};

static struct pv_node *node_new(enum pv_node_type type, const char *origin)
{
	struct pv_node *n = xcalloc(1, sizeof *n);

	n->type = type;
	n->origin = xstrdup(origin ? origin : "");
	return n;
}

/* Frees n and what is below it, not its siblings. */
static void node_free(struct pv_node *n)
{
	struct pv_node *ch, *next;

	if (!n)
		return;
	for (ch = n->child; ch; ch = next) {
		next = ch->next;
		node_free(ch);
	}
	if (n->value)
		pv_wipe(n->value, strlen(n->value));
	free(n->key);
	free(n->value);
	free(n->origin);
	free(n);
}

static void node_append(struct pv_node *parent, struct pv_node *n)
{
	n->next = NULL;
	if (parent->last)
		parent->last->next = n;
	else
		parent->child = n;
	parent->last = n;
}

/* Put n where old is among parent's children and free old. */
static void node_replace(struct pv_node *parent, struct pv_node *old,
			 struct pv_node *n)
{
	struct pv_node **pp;

	for (pp = &parent->child; *pp != old; pp = &(*pp)->next)
		;
	*pp = n;
	n->next = old->next;
	if (parent->last == old)
		parent->last = n;
	old->next = NULL;
	node_free(old);
}

const struct pv_node *pv_node_get(const struct pv_node *map, const char *key)
{
	const struct pv_node *n;

	if (!map || map->type != PV_NODE_MAP || !key)
		return NULL;
	for (n = map->child; n; n = n->next)
		if (strcmp(n->key, key) == 0)
			return n;
	return NULL;
}

/* Item i of a sequence, for "retention.extra.0". */
static const struct pv_node *seq_get(const struct pv_node *seq,
				     const char *idx)
{
	const struct pv_node *n;
	long long i;

	if (pv_parse_ll(idx, &i) || i < 0 || idx[0] == '-')
		return NULL;
	for (n = seq->child; n && i > 0; n = n->next)
		i--;
	return n;
}

struct pv_cfg *pv_cfg_new(void)
{
	struct pv_cfg *c = xcalloc(1, sizeof *c);

	c->root = node_new(PV_NODE_MAP, "default");
	return c;
}

void pv_cfg_free(struct pv_cfg *c)
{
	if (!c)
		return;
	node_free(c->root);
	free(c->user_file);
	free(c);
}

/* A key from the file, fit for a message: no control characters (they
 * could drive the terminal), not too long. */
static const char *safe_key(const char *k, char *buf, size_t size)
{
	size_t i;

	for (i = 0; k[i] && i + 4 < size; i++) {
		unsigned char ch = (unsigned char)k[i];

		buf[i] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	if (k[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static size_t text_lines(const struct parse *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->len; i++)
		if (p->text[i] == '\n')
			n++;
	if (p->len && p->text[p->len - 1] != '\n')
		n++;
	return n ? n : 1;
}

/* libyaml's own error, as "name:line: problem[ while ...]". */
static int yaml_fail(struct parse *p)
{
	const yaml_parser_t *yp = &p->yp;
	char problem[256], ctx[256] = "";
	size_t line, i, max;

	if (yp->error == YAML_MEMORY_ERROR)
		return pv_fail(p->e, PV_SOFTWARE, "%s: out of memory", p->name);
	if (yp->error == YAML_READER_ERROR) {
		/* The reader reports a byte offset, not a mark. */
		line = 1;
		for (i = 0; i < yp->problem_offset && i < p->len; i++)
			if (p->text[i] == '\n')
				line++;
	} else {
		line = yp->problem_mark.line + 1;
	}
	/* At the end of the input the mark is on the line after the last
	 * newline, which the user's editor does not show. */
	max = text_lines(p);
	if (line > max)
		line = max;
	snprintf(problem, sizeof problem, "%s",
		 yp->problem ? yp->problem : "invalid YAML");
	problem[0] = (char)tolower((unsigned char)problem[0]);
	if (yp->context) {
		if (yp->context_mark.line + 1 != line)
			snprintf(ctx, sizeof ctx, " %s started on line %zu",
				 yp->context, yp->context_mark.line + 1);
		else
			snprintf(ctx, sizeof ctx, " %s", yp->context);
	}
	return pv_fail(p->e, PV_CONFIG, "%s:%zu: %s%s", p->name, line,
		       problem, ctx);
}

static int next_event(struct parse *p, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&p->yp, ev))
		return yaml_fail(p);
	return 0;
}

static size_t ev_line(const yaml_event_t *ev)
{
	return ev->start_mark.line + 1;
}

static int fail_at(struct parse *p, const yaml_event_t *ev, const char *what)
{
	return pv_fail(p->e, PV_CONFIG, "%s:%zu: %s", p->name, ev_line(ev),
		       what);
}

static int fail_key(struct parse *p, const yaml_event_t *ev, const char *key,
		    const char *what)
{
	char buf[80];

	return pv_fail(p->e, PV_CONFIG, "%s:%zu: %s: %s", p->name,
		       ev_line(ev), safe_key(key, buf, sizeof buf), what);
}

static int is_known_key(const char *k)
{
	size_t i;

	for (i = 0; i < sizeof known_keys / sizeof known_keys[0]; i++)
		if (strcmp(k, known_keys[i]) == 0)
			return 1;
	return 0;
}

static int parse_node(struct parse *p, yaml_event_t *ev, int depth,
		      struct pv_node **out);

/* A key of a section with fixed keys that is not one of them. */
static int unknown_in_section(const char *section, const char *k)
{
	for (size_t i = 0; section && i < sizeof section_keys /
		     sizeof section_keys[0]; i++) {
		if (strcmp(section, section_keys[i].section) != 0)
			continue;
		for (size_t j = 0; section_keys[i].keys[j]; j++)
			if (strcmp(k, section_keys[i].keys[j]) == 0)
				return 0;
		return 1;
	}
	return 0;
}

/* The items of coll, read up to its end event (the start event has been
 * consumed).  depth is coll's own depth, 0 for the top-level map. */
static int parse_children(struct parse *p, struct pv_node *coll,
			  yaml_event_type_t end, int depth)
{
	yaml_event_t ev, kev;
	struct pv_node *n;
	char *key;
	int st;

	for (;;) {
		if ((st = next_event(p, &ev)))
			return st;
		if (ev.type == end) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (coll->type == PV_NODE_SEQ) {
			if ((st = parse_node(p, &ev, depth + 1, &n)))
				return st;
			node_append(coll, n);
			continue;
		}
		/* A mapping: ev is the key. */
		kev = ev;
		if (kev.type == YAML_ALIAS_EVENT)
			st = fail_at(p, &kev, "aliases are not supported");
		else if (kev.type != YAML_SCALAR_EVENT)
			st = fail_at(p, &kev, "mapping keys must be scalars");
		if (st) {
			yaml_event_delete(&kev);
			return st;
		}
		key = xstrndup((const char *)kev.data.scalar.value,
			       kev.data.scalar.length);
		if (strlen(key) != kev.data.scalar.length)
			st = fail_at(p, &kev, "key contains a NUL byte");
		else if (depth == 0 && !p->any_key && !is_known_key(key))
			st = fail_key(p, &kev, key, "unknown key");
		else if (depth == 1 && !p->any_key &&
			 unknown_in_section(p->section, key))
			st = fail_key(p, &kev, key, "unknown key");
		else if (pv_node_get(coll, key))
			st = fail_key(p, &kev, key, "duplicate key");
		yaml_event_delete(&kev);
		if (depth == 0)
			p->section = key;
		if (st || (st = next_event(p, &ev)) ||
		    (st = parse_node(p, &ev, depth + 1, &n))) {
			free(key);
			return st;
		}
		n->key = key;
		node_append(coll, n);
	}
}

/* Build the node that starts with ev (which this consumes). */
static int parse_node(struct parse *p, yaml_event_t *ev, int depth,
		      struct pv_node **out)
{
	char *origin;
	struct pv_node *n;
	enum pv_node_type type;
	yaml_event_type_t end;
	int st = 0;

	*out = NULL;
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		st = fail_at(p, ev, "aliases are not supported");
		break;
	case YAML_SCALAR_EVENT:
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		if (depth > MAX_DEPTH)
			st = fail_at(p, ev, "nesting too deep");
		else if (++p->nodes > MAX_NODES)
			st = fail_at(p, ev, "too many values");
		break;
	default:
		st = fail_at(p, ev, "unexpected YAML event");
		break;
	}
	if (st) {
		yaml_event_delete(ev);
		return st;
	}
	origin = xasprintf("%s:%zu", p->name, ev_line(ev));
	if (ev->type == YAML_SCALAR_EVENT) {
		n = node_new(PV_NODE_SCALAR, origin);
		free(origin);
		n->value = xstrndup((const char *)ev->data.scalar.value,
				    ev->data.scalar.length);
		if (strlen(n->value) != ev->data.scalar.length)
			st = fail_at(p, ev, "value contains a NUL byte");
		yaml_event_delete(ev);
		if (st) {
			node_free(n);
			return st;
		}
		*out = n;
		return 0;
	}
	if (ev->type == YAML_MAPPING_START_EVENT) {
		type = PV_NODE_MAP;
		end = YAML_MAPPING_END_EVENT;
	} else {
		type = PV_NODE_SEQ;
		end = YAML_SEQUENCE_END_EVENT;
	}
	yaml_event_delete(ev);
	n = node_new(type, origin);
	free(origin);
	if ((st = parse_children(p, n, end, depth))) {
		node_free(n);
		return st;
	}
	*out = n;
	return 0;
}

/* A document that is just "~", "null" or nothing at all ("---"). */
static int is_null_scalar(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;

	if (ev->type != YAML_SCALAR_EVENT ||
	    ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return ev->data.scalar.length == 0 || strcmp(v, "~") == 0 ||
	       strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	       strcmp(v, "NULL") == 0;
}

/* The whole stream: nothing, or one document whose top is a mapping. */
static int parse_stream(struct parse *p, struct pv_node **out)
{
	yaml_event_t ev;
	struct pv_node *root = NULL;
	int st;

	*out = NULL;
	/* STREAM-START, then DOCUMENT-START or STREAM-END. */
	if ((st = next_event(p, &ev)))
		return st;
	yaml_event_delete(&ev);
	if ((st = next_event(p, &ev)))
		return st;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		return 0;
	}
	yaml_event_delete(&ev);
	if ((st = next_event(p, &ev)))
		return st;
	if (is_null_scalar(&ev)) {
		yaml_event_delete(&ev);
	} else if (ev.type != YAML_MAPPING_START_EVENT &&
		   ev.type != YAML_ALIAS_EVENT) {
		st = fail_at(p, &ev, "the top level is not a mapping");
		yaml_event_delete(&ev);
		return st;
	} else if ((st = parse_node(p, &ev, 0, &root))) {
		return st;
	}
	/* DOCUMENT-END, then STREAM-END: a second document is refused
	 * rather than silently ignored. */
	if ((st = next_event(p, &ev)))
		goto fail;
	yaml_event_delete(&ev);
	if ((st = next_event(p, &ev)))
		goto fail;
	if (ev.type != YAML_STREAM_END_EVENT)
		st = fail_at(p, &ev, "more than one YAML document");
	yaml_event_delete(&ev);
	if (st)
		goto fail;
	*out = root;
	return 0;
fail:
	node_free(root);
	return st;
}

/* Merge src into dst (both maps), consuming src. */
static void merge(struct pv_node *dst, struct pv_node *src)
{
	struct pv_node *s, *next, *d;

	for (s = src->child; s; s = next) {
		next = s->next;
		s->next = NULL;
		d = (struct pv_node *)pv_node_get(dst, s->key);
		if (!d)
			node_append(dst, s);
		else if (d->type == PV_NODE_MAP && s->type == PV_NODE_MAP)
			merge(d, s);
		else
			node_replace(dst, d, s);
	}
	src->child = src->last = NULL;
	node_free(src);
}

static int load_mem(struct pv_cfg *c, const char *name, const char *text,
		    size_t len, int any_key, struct pv_err *e)
{
	struct parse p = {0};
	struct pv_node *root;
	int st;

	p.any_key = any_key;
	p.name = name ? name : "config";
	p.text = text;
	p.len = len;
	p.e = e;
	if (!yaml_parser_initialize(&p.yp))
		return pv_fail(e, PV_SOFTWARE, "%s: out of memory", p.name);
	yaml_parser_set_input_string(&p.yp, (const unsigned char *)text, len);
	st = parse_stream(&p, &root);
	yaml_parser_delete(&p.yp);
	if (st)
		return st;
	if (root)
		merge(c->root, root);
	return 0;
}

int pv_cfg_load_mem(struct pv_cfg *c, const char *name, const char *text,
		    size_t len, struct pv_err *e)
{
	return load_mem(c, name, text, len, 0, e);
}

int pv_yaml_load_mem(struct pv_cfg *c, const char *name, const char *text,
		     size_t len, struct pv_err *e)
{
	return load_mem(c, name, text, len, 1, e);
}

/* Read a config file; a missing one is PV_NOINPUT, which callers may
 * forgive. */
static int read_config(const char *path, char **out, size_t *len,
		       struct pv_err *e)
{
	struct pv_buf b = {0};
	char chunk[8192];
	ssize_t r;
	int fd, err;

	/* Non-blocking: a FIFO (or a device) would hang the open or the
	 * read for ever; only a regular file is a config. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		goto fail;
	{
		struct stat sb;

		if (fstat(fd, &sb) < 0)
			goto fail;
		struct stat null;

		/* /dev/null is the usual "no configuration" */
		if (!S_ISREG(sb.st_mode) &&
		    !(S_ISCHR(sb.st_mode) && stat("/dev/null", &null) == 0 &&
		      null.st_rdev == sb.st_rdev)) {
			close(fd);
			return pv_fail(e, PV_CONFIG, "config '%s' is not a "
				       "regular file", path);
		}
	}
	while ((r = read(fd, chunk, sizeof chunk)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (b.len + (size_t)r > MAX_FILE) {
			close(fd);
			pv_buf_free(&b);
			return pv_fail(e, PV_CONFIG,
				       "config file is too large: '%s'", path);
		}
		pv_buf_add(&b, chunk, (size_t)r);
	}
	close(fd);
	*len = b.len;
	*out = pv_buf_detach(&b);
	return 0;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	pv_buf_free(&b);
	return pv_fail(e, err == ENOENT || err == ENOTDIR ? PV_NOINPUT :
		       err == EACCES || err == EPERM ? PV_NOPERM : PV_IOERR,
		       "cannot read config '%s': %s", path, strerror(err));
}

int pv_cfg_load_file(struct pv_cfg *c, const char *path, struct pv_err *e)
{
	char *text;
	size_t len;
	int st;

	if ((st = read_config(path, &text, &len, e)))
		return st;
	st = pv_cfg_load_mem(c, path, text, len, e);
	/* The file may hold secrets after all. */
	pv_wipe(text, len);
	free(text);
	return st;
}

int pv_yaml_load_file(struct pv_cfg *c, const char *path, struct pv_err *e)
{
	char *text;
	size_t len;
	int st;

	if ((st = read_config(path, &text, &len, e)))
		return st;
	st = load_mem(c, path, text, len, 1, e);
	free(text);
	return st;
}

/* A layer that need not exist. */
static int load_optional(struct pv_cfg *c, const char *path, struct pv_err *e)
{
	int st = pv_cfg_load_file(c, path, e);

	if (st == PV_NOINPUT) {
		if (e)
			pv_err_clear(e);
		return 0;
	}
	return st;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

int pv_cfg_load(struct pv_cfg *c, const char *config_flag, struct pv_err *e)
{
	const char *sys, *v;
	int st;

	sys = env("PRIVACY_SYSCONFIG");
	if ((st = load_optional(c, sys ? sys : SYSTEM_CONFIG, e)))
		return st;

	free(c->user_file);
	c->user_file = NULL;
	if (config_flag || (config_flag = env("PRIVACY_CONFIG"))) {
		c->user_file = xstrdup(config_flag);
		if ((st = pv_cfg_load_file(c, c->user_file, e)))
			return st;
	} else {
		/* XDG: a relative XDG_CONFIG_HOME is to be ignored. */
		v = env("XDG_CONFIG_HOME");
		if (v && v[0] == '/')
			c->user_file = xasprintf("%s/privacyctl/config.yaml",
						 v);
		else if ((v = env("HOME")))
			c->user_file = xasprintf(
				"%s/.config/privacyctl/config.yaml", v);
		if (c->user_file &&
		    (st = load_optional(c, c->user_file, e)))
			return st;
	}

	if ((v = env("PRIVACY_DB")))
		pv_cfg_set(c, "database", v, "env PRIVACY_DB");
	return 0;
}

/* First component of a dotted key into *part (the caller frees it);
 * returns the rest, or NULL after the last component. */
static const char *key_part(const char *key, char **part)
{
	const char *dot = strchr(key, '.');

	if (!dot) {
		*part = xstrdup(key);
		return NULL;
	}
	*part = xstrndup(key, (size_t)(dot - key));
	return dot + 1;
}

void pv_cfg_set(struct pv_cfg *c, const char *key, const char *value,
		const char *origin)
{
	struct pv_node *map = c->root, *n, *old;
	const char *rest = key;
	char *part;

	for (;;) {
		rest = key_part(rest, &part);
		old = (struct pv_node *)pv_node_get(map, part);
		if (!rest) {
			n = node_new(PV_NODE_SCALAR, origin);
			n->key = part;
			n->value = xstrdup(value ? value : "");
			if (old)
				node_replace(map, old, n);
			else
				node_append(map, n);
			return;
		}
		if (old && old->type == PV_NODE_MAP) {
			free(part);
			map = old;
			continue;
		}
		n = node_new(PV_NODE_MAP, origin);
		n->key = part;
		if (old)
			node_replace(map, old, n);
		else
			node_append(map, n);
		map = n;
	}
}

const struct pv_node *pv_cfg_node(const struct pv_cfg *c, const char *key)
{
	const struct pv_node *n;
	const char *rest = key;
	char *part;

	if (!c || !key)
		return NULL;
	n = c->root;
	while (n && rest) {
		rest = key_part(rest, &part);
		if (n->type == PV_NODE_MAP)
			n = pv_node_get(n, part);
		else if (n->type == PV_NODE_SEQ)
			n = seq_get(n, part);
		else
			n = NULL;
		free(part);
	}
	return n;
}

const char *pv_cfg_str(const struct pv_cfg *c, const char *key,
		       const char *def)
{
	const struct pv_node *n = pv_cfg_node(c, key);

	return n && n->type == PV_NODE_SCALAR ? n->value : def;
}

const char *pv_cfg_origin(const struct pv_cfg *c, const char *key)
{
	const struct pv_node *n = pv_cfg_node(c, key);

	return n && n->origin ? n->origin : "";
}

int pv_cfg_int(const struct pv_cfg *c, const char *key, long long def,
	       long long *out, struct pv_err *e)
{
	const struct pv_node *n = pv_cfg_node(c, key);

	if (!n) {
		*out = def;
		return 0;
	}
	if (n->type != PV_NODE_SCALAR || pv_parse_ll(n->value, out))
		return pv_fail(e, PV_CONFIG, "%s: %s: not a whole number",
			       n->origin, key);
	return 0;
}

int pv_cfg_bool(const struct pv_cfg *c, const char *key, int def, int *out,
		struct pv_err *e)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	const struct pv_node *n = pv_cfg_node(c, key);
	size_t i;

	if (!n) {
		*out = def;
		return 0;
	}
	if (n->type == PV_NODE_SCALAR) {
		for (i = 0; i < 3; i++) {
			if (strcasecmp(n->value, yes[i]) == 0) {
				*out = 1;
				return 0;
			}
			if (strcasecmp(n->value, no[i]) == 0) {
				*out = 0;
				return 0;
			}
		}
	}
	return pv_fail(e, PV_CONFIG, "%s: %s: not a boolean", n->origin, key);
}

static int is_secret_name(const char *k)
{
	size_t i, n, m;

	if (!k)
		return 0;
	n = strlen(k);
	for (i = 0; i < sizeof secret_names / sizeof secret_names[0]; i++)
		if (strcasecmp(k, secret_names[i]) == 0)
			return 1;
	for (i = 0; i < sizeof secret_suffixes / sizeof secret_suffixes[0];
	     i++) {
		m = strlen(secret_suffixes[i]);
		if (n >= m && strcasecmp(k + n - m, secret_suffixes[i]) == 0)
			return 1;
	}
	return 0;
}

/* A URL with a password in it (smtp://user:pw@host): the password
 * hidden, the rest shown.  NULL when v is no such URL. */
static char *url_without_password(const char *v)
{
	const char *at, *colon, *auth = strstr(v, "://");

	if (!auth)
		return NULL;
	auth += 3;
	at = auth + strcspn(auth, "/?#");
	/* the last '@' before the path ends the user information */
	while (at > auth && at[-1] != '@')
		at--;
	if (at == auth)
		return NULL;
	colon = memchr(auth, ':', (size_t)(at - 1 - auth));
	if (!colon)
		return NULL;
	return xasprintf("%.*s:(hidden)%s", (int)(colon - v), v, at - 1);
}

static void dump_node(const struct pv_node *n, struct pv_buf *key,
		      int hidden, struct pv_writer *w, int with_origin)
{
	const struct pv_node *ch;
	size_t len = key->len;
	long i = 0;

	if (n->type == PV_NODE_SCALAR) {
		char *masked = hidden || !n->value ? NULL :
			       url_without_password(n->value);

		pv_w_begin(w);
		pv_w_str(w, "key", key->s ? key->s : "");
		pv_w_str(w, "value", hidden ? "(hidden)" :
			 masked ? masked : n->value);
		free(masked);
		if (with_origin)
			pv_w_str(w, "origin", n->origin);
		pv_w_end(w);
		return;
	}
	for (ch = n->child; ch; ch = ch->next, i++) {
		if (len)
			pv_buf_addc(key, '.');
		if (n->type == PV_NODE_MAP)
			pv_buf_adds(key, ch->key);
		else
			pv_buf_addf(key, "%ld", i);
		dump_node(ch, key, hidden || (n->type == PV_NODE_MAP &&
					      is_secret_name(ch->key)),
			  w, with_origin);
		key->len = len;
		if (key->s)
			key->s[len] = '\0';
	}
}

void pv_cfg_dump(const struct pv_cfg *c, struct pv_writer *w,
		 int with_origin)
{
	struct pv_buf key = {0};

	if (!c || !c->root)
		return;
	dump_node(c->root, &key, 0, w, with_origin);
	pv_buf_free(&key);
}
