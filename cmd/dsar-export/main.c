/*
 * dsar-export - everything held about a subject, as an Art. 15 / Art. 20
 * document: for one subject named by a flag, or for each subject record
 * read from the operands or stdin.
 *
 * The database is read through the read-only connection pv_main opens.
 * The one write, the audit entry of the export, goes through a second
 * connection in a short transaction of its own, committed before the
 * documents it covers are written: no export leaves without its entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "db.h"
#include "export.h"
#include "location.h"
#include "progress.h"
#include "request.h"
#include "subject.h"
#include "summary.h"

/* Subjects per audit entry (and per audit transaction, whose fsync is
 * the one wait of a stream: at 256, 122 of them were a fifth of a
 * location's export, bench/RESULTS.md); batches per read transaction
 * (4,096 subjects, as before). */
enum { BATCH = 1024, READ_SPAN = 4 };

struct run {
	struct pv_ctx *c;
	struct pv_exporter *x;
	sqlite3 *wdb; /* for the audit entries only */
	struct pv_writer *out;
	const char *dir;
	struct pv_subject batch[BATCH];
	int n;
	int single;
	int reading; /* a read transaction is open on the data connection */
	int span;    /* batches read in it */
	struct pv_summary sum; /* the counts of a stream */
	int dirlen; /* dir without its trailing slashes ("exports/") */
};

/* A stream reads its batches in one read transaction: one consistent
 * snapshot, and no lock taken and dropped around every statement.  It
 * ends every READ_SPAN batches, so that the WAL can be checkpointed
 * meanwhile.  Not with every batch: the audit entry written between two
 * batches changes the WAL, and SQLite then drops the whole page cache of
 * this connection at the next read transaction (twice the CPU time of an
 * export of a location, bench/RESULTS.md). */
static void read_begin(struct run *r)
{
	if (!r->reading && sqlite3_exec(r->c->db, "BEGIN", NULL, NULL, NULL) ==
	    SQLITE_OK)
		r->reading = 1;
}

static void read_end(struct run *r)
{
	if (r->reading)
		sqlite3_exec(r->c->db, "COMMIT", NULL, NULL, NULL);
	r->reading = 0;
	r->span = 0;
}

/* A batch is done. */
static void read_pause(struct run *r)
{
	if (++r->span >= READ_SPAN)
		read_end(r);
}

static int audit(struct run *r, struct pv_err *e)
{
	long long *ids = xcalloc(BATCH, sizeof *ids);
	size_t n = 0, cap = BATCH;
	int st;

	if (!r->wdb && (st = pv_db_open(r->c->db_path, PV_DB_RW, &r->wdb, e)))
		goto out;
	/* a request's document holds its customers at the other locations
	 * too (pv_export_subject): each one exported is audited */
	for (int i = 0; i < r->n; i++) {
		struct pv_subject *more = NULL;
		size_t nmore = 0;

		ids[n++] = r->batch[i].customer_id;
		if (r->batch[i].request_id &&
		    (st = pv_request_linked(r->c->db, r->batch[i].request_id,
					    &more, &nmore, e)))
			goto out;
		for (size_t k = 0; k < nmore; k++) {
			if (n == cap)
				ids = xrealloc(ids, (cap *= 2) * sizeof *ids);
			ids[n++] = more[k].customer_id;
		}
		free(more);
	}
	if ((st = pv_db_begin(r->wdb, e)))
		goto out;
	st = pv_export_audit(r->wdb, ids, (int)n, r->dir ? "file" : "stdout",
			     e);
	/* The export answers its request (lib/request.h): recorded, not
	 * completed, since the business still sends it to the person. */
	for (int i = 0; !st && i < r->n; i++)
		if (r->batch[i].request_id)
			st = pv_request_record_result(r->wdb,
						      r->batch[i].request_id,
						      r->dir ? "{\"export\":\"file\"}"
							     : "{\"export\":\"stdout\"}",
						      pv_flag(r->c, "unverified-ok")
						      ? PV_RESULT_UNCHECKED_OK : 0,
						      e);
	if (st || (st = pv_db_commit(r->wdb, e)))
		pv_db_rollback(r->wdb);
out:
	free(ids);
	return st;
}

/* The document of a subject, or of an erased subject (slug set). */
static int write_doc(struct run *r, const struct pv_subject *s,
		     const char *slug, const char *xid, struct pv_writer *w,
		     struct pv_err *e)
{
	long long n;

	if (slug)
		return pv_export_erased(r->x, slug, xid, w, &n, NULL, e);
	return pv_export_subject(r->x, s, w, e);
}

/* -f html: the subject's document as a page a person reads and prints
 * (lib/export_html.c), in its location's zone. */
static int write_html(struct run *r, const struct pv_subject *s, FILE *f,
		      struct pv_err *e)
{
	struct pv_location loc = {0};
	struct pv_buf page = {0};
	struct pv_writer *mw;
	struct pv_err we = {0};
	char *doc = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&doc, &len);
	int st;

	if (!mf)
		return pv_fail(e, PV_SOFTWARE, "out of memory");
	mw = pv_writer_new(mf, PV_FMT_NDJSON, 0);
	st = pv_export_subject(r->x, s, mw, e);
	if (pv_writer_finish(mw, &we) && !st)
		st = pv_fail(e, PV_IOERR, "export: %s", we.msg);
	fclose(mf);
	if (!st && pv_location_get_id(r->c->db, s->location_id, &loc, &we))
		loc.id = 0;
	if (!st)
		st = pv_export_html(doc, len, loc.id ? loc.timezone : NULL,
				    &page, e);
	if (!st && fwrite(page.s, 1, page.len, f) != page.len)
		st = pv_fail(e, PV_IOERR, "write error: %s", strerror(errno));
	pv_location_free(&loc);
	pv_wipe(doc, len);
	free(doc);
	if (page.s)
		pv_wipe(page.s, page.len);
	pv_buf_free(&page);
	return st;
}

/* The file of a document in the output directory: name.json, name.csv
 * or name.html. */
static char *doc_path(const struct run *r, const struct pv_subject *s,
		      const char *name)
{
	return xasprintf("%.*s/%s.%s", r->dirlen, r->dir, name, r->c->html && s ? "html" :
			 r->c->fmt == PV_FMT_CSV ? "csv" : "json");
}

/* The record of a document in a file: "written" now, or "exists" (a
 * re-run on the same day: the file of that day is kept as it is). */
static void file_record(struct run *r, const struct pv_subject *s,
			const char *slug, const char *path, const char *status)
{
	enum pv_fmt fmt = r->c->fmt;

	pv_w_begin(r->out);
	if (slug) {
		pv_w_null(r->out, "customer_id");
		pv_w_str(r->out, "location", slug);
		pv_w_bool(r->out, "erased", 1);
	} else {
		pv_w_int(r->out, "customer_id", s->customer_id);
	}
	if (s && s->request_id)
		pv_w_int(r->out, "request_id", s->request_id);
	pv_w_str(r->out, "path", path);
	pv_w_str(r->out, "format", r->c->html && s ? "html" : fmt == PV_FMT_CSV ?
		 "csv" : fmt == PV_FMT_JSON ? "json" : "ndjson");
	pv_w_str(r->out, "status", status);
	pv_w_end(r->out);
	pv_summary_add(&r->sum, NULL, status[0] == 'e' ? "exists" : "exported",
		       1);
}

static const char *today(char buf[PV_TIME_LEN]);

/* The path of a customer's document of today when it is in the output
 * directory already (a re-run: nothing is exported or audited again),
 * else NULL. */
static char *existing(const struct run *r, const struct pv_subject *s)
{
	char day[PV_TIME_LEN], *name, *path;
	struct stat sb;

	if (!r->dir)
		return NULL;
	name = xasprintf("customer-%lld-%s", s->customer_id, today(day));
	path = doc_path(r, s, name);
	free(name);
	if (lstat(path, &sb) == 0)
		return path;
	free(path);
	return NULL;
}

/* One document into a new file of its own in the output directory. */
static int to_file(struct run *r, const struct pv_subject *s,
		   const char *slug, const char *xid, const char *name,
		   int *failed, struct pv_err *e)
{
	enum pv_fmt fmt = r->c->fmt;
	char *path;
	struct pv_writer *w;
	struct pv_err we = {0};
	FILE *f;
	int fd, st;

	path = doc_path(r, s, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		/* never overwritten: the day's file stands */
		file_record(r, s, slug, path, "exists");
		free(path);
		return PV_OK;
	}
	if (fd < 0) {
		int err = errno;

		st = pv_fail(e, err == ENOENT ? PV_NOINPUT : PV_IOERR,
			     "%s: %s", path, strerror(err));
		free(path);
		return st;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		free(path);
		return pv_fail(e, PV_IOERR, "fdopen: %s", strerror(errno));
	}
	/* a second SIGTERM ends the process: this file goes with it */
	pv_stop_partial(path);
	if (r->c->html && s) {
		st = write_html(r, s, f, e);
	} else {
		/* the document's rows, as they come (memory does not grow
		 * with the subject's appointments) */
		w = pv_writer_new(f, fmt, fmt == PV_FMT_JSON ? PV_W_SINGLE :
				  PV_W_STREAM);
		st = write_doc(r, s, slug, xid, w, e);
		if (pv_writer_finish(w, &we) && !st)
			st = pv_fail(e, PV_IOERR, "%s: %s", path, we.msg);
	}
	if ((fsync(fd) != 0 || fclose(f) != 0) && !st)
		st = pv_fail(e, PV_IOERR, "%s: %s", path, strerror(errno));
	pv_stop_partial(NULL);
	if (st) {
		unlink(path);
		free(path);
		return st;
	}
	file_record(r, s, slug, path, "written");
	free(path);
	return PV_OK;
}

static const char *today(char buf[PV_TIME_LEN])
{
	pv_time_fmt(pv_now(), buf);
	buf[10] = '\0';
	return buf;
}

/* A subject that is no longer a customer: what is retained about it.
 * PV_NOINPUT (e untouched) when nothing is. */
static int erased(struct run *r, const char *slug, const char *xid,
		  int *failed, struct pv_err *e)
{
	struct pv_err pe = {0};
	char tag[17], day[PV_TIME_LEN], *name;
	long long n;
	int st;

	if (pv_export_erased(r->x, slug, xid, NULL, &n, tag, &pe))
		return PV_NOINPUT;
	if (!r->wdb && (st = pv_db_open(r->c->db_path, PV_DB_RW, &r->wdb, e)))
		return st;
	if ((st = pv_db_begin(r->wdb, e)))
		return st;
	if ((st = pv_export_audit_erased(r->wdb, slug, n, r->dir ? "file" :
					 "stdout", e)) ||
	    (st = pv_db_commit(r->wdb, e))) {
		pv_db_rollback(r->wdb);
		return st;
	}
	if (!r->dir) {
		if ((st = write_doc(r, NULL, slug, xid, r->out, e)))
			return st;
		pv_summary_add(&r->sum, NULL, "exported", 1);
		return PV_OK;
	}
	name = xasprintf("erased-%s-%s-%s", slug, tag, today(day));
	st = to_file(r, NULL, slug, xid, name, failed, e);
	free(name);
	return st;
}

/* Audit the batch, then write its documents. */
static int flush(struct run *r, int *status)
{
	struct pv_err e = {0};
	int st;

	if (!r->n) {
		read_end(r);
		return PV_OK;
	}
	if ((st = audit(r, &e))) {
		read_end(r);
		pv_report(&e);
		return st;
	}
	for (int i = 0; i < r->n; i++) {
		int failed = 0;

		if (r->dir) {
			char day[PV_TIME_LEN], *name;

			name = xasprintf("customer-%lld-%s",
					 r->batch[i].customer_id, today(day));
			st = to_file(r, &r->batch[i], NULL, NULL, name, &failed,
				     &e);
			free(name);
		} else {
			if (r->c->html)
				st = write_html(r, &r->batch[i], stdout, &e);
			else
				st = pv_export_subject(r->x, &r->batch[i],
						       r->out, &e);
			if (!st)
				pv_summary_add(&r->sum, NULL, "exported", 1);
		}
		if (st && (failed || st == PV_NOINPUT) && !r->single) {
			/* this subject only: the others go on */
			pv_report(&e);
			pv_summary_add(&r->sum, NULL, "failed", 1);
			*status = pv_status_merge(*status, PV_PARTIAL);
			continue;
		}
		if (st) {
			pv_report(&e);
			r->n = 0;
			read_end(r);
			return st;
		}
	}
	r->n = 0;
	read_pause(r);
	return PV_OK;
}

static int stream(struct run *r, int *status)
{
	struct pv_ctx *c = r->c;
	struct pv_input *in = pv_input_open(c->argc, c->argv, PV_FMT_AUTO);
	struct pv_rec rec = {0};
	struct pv_err e = {0};
	struct pv_progress prog;
	char *path;
	int got, st = PV_OK;

	pv_input_need_one(in, pv_subject_keys);
	/* a progress line when stderr is a terminal (as dsar-erase) */
	pv_progress_start(&prog, "subjects read", 0);

	while (!pv_stop_sig && (got = pv_input_next(in, &rec, &e)) != 0) {
		struct pv_subject *s = &r->batch[r->n];

		if (got < 0 && pv_stop_sig)
			break;
		if (got < 0) {
			pv_report(&e);
			if (e.status != PV_DATAERR && e.status != PV_NOINPUT) {
				*status = pv_status_merge(*status, e.status);
				break;
			}
			/* a bad record: the rest goes on, and the run ends
			 * "done, but some records failed"; a missing file is
			 * 66 as everywhere */
			if (e.status == PV_DATAERR) {
				pv_summary_add(&r->sum, NULL, "records", 1);
				pv_summary_add(&r->sum, NULL, "failed", 1);
			}
			*status = pv_status_merge(*status, e.status ==
						  PV_DATAERR ? PV_PARTIAL :
						  e.status);
			continue;
		}
		pv_summary_add(&r->sum, NULL, "records", 1);
		pv_progress_add(&prog, 1);
		read_begin(r);
		st = pv_subject_from_rec(c->db, &rec, s, &e);
		if (!st && s->request_id)
			st = pv_request_identity_checked(
				c->db, s->request_id,
				pv_flag(c, "unverified-ok"), &e);
		if (st == PV_NOINPUT && !pv_rec_val(&rec, "request_id") &&
		    !pv_rec_val(&rec, "customer_id") &&
		    pv_rec_val(&rec, "external_id") &&
		    pv_rec_val(&rec, "location")) {
			struct pv_err ee = {0};
			int failed = 0;

			/* keep the order of the output */
			if ((st = flush(r, status)))
				break;
			st = erased(r, pv_rec_val(&rec, "location"),
				    pv_rec_val(&rec, "external_id"), &failed,
				    &ee);
			if (st == PV_OK)
				continue;
			if (st != PV_NOINPUT) {
				if (!failed) {
					pv_report(&ee);
					break;
				}
				e = ee;
			}
			st = PV_NOINPUT;
		}
		if (st == PV_NOINPUT || st == PV_DATAERR) {
			/* no subject, or none known: this record only */
			pv_report(&e);
			pv_summary_add(&r->sum, NULL, "failed", 1);
			*status = pv_status_merge(*status, PV_PARTIAL);
			st = PV_OK;
			continue;
		}
		if (st) {
			pv_report(&e);
			break;
		}
		if ((path = existing(r, s))) {
			/* the batch before it first: the order of the input */
			if (!(st = flush(r, status)))
				file_record(r, s, NULL, path, "exists");
			free(path);
			if (st)
				break;
			continue;
		}
		if (++r->n == BATCH && (st = flush(r, status)))
			break;
	}
	if (!st)
		st = flush(r, status);
	pv_progress_end(&prog);
	read_end(r);
	pv_rec_free(&rec);
	pv_input_close(in);
	return st;
}

static int run(struct pv_ctx *c)
{
	struct pv_subject_opts so = {
		pv_opt(c, "request"), pv_opt(c, "customer"), pv_opt(c, "email"),
		pv_opt(c, "external-id"), pv_opt(c, "location"),
	};
	struct run r = {c, NULL, NULL, NULL, pv_opt(c, "output-dir"), {{0}},
			0, 0, 0, 0, {0, 0, {{{0}, {0}, 0}}}, 0};
	struct pv_err we = {0};
	struct stat sb;
	int st, status = PV_OK, wst;

	r.single = pv_subject_given(&so);
	if (r.single && c->argc)
		return pv_usage(c, "name a subject by a flag or give records, "
				"not both");
	if (!r.single && so.location)
		return pv_usage(c, "--location goes with --email or "
				"--external-id");
	if (!r.single && c->argc == 0 && isatty(0))
		return pv_usage(c, "no subject: name one (--customer, --email, "
				"--external-id, --request) or pipe subject "
				"records to standard input");
	if (c->html && !r.single && !r.dir)
		return pv_usage(c, "-f html writes one page: name one subject, "
				"or give --output-dir for one page each");
	if (r.dir && (stat(r.dir, &sb) != 0 || !S_ISDIR(sb.st_mode)))
		return pv_fail(&c->err, PV_NOINPUT, "--output-dir: no such "
			       "directory: '%s'", r.dir);
	if (r.dir) {
		size_t dl = strlen(r.dir);

		while (dl > 0 && r.dir[dl - 1] == '/')
			dl--;
		r.dirlen = (int)dl;
	}
	if ((st = pv_exporter_open(c->db, c->cfg, c->db_path, c->fmt, &r.x,
				   &c->err)))
		return st;
	r.out = pv_writer_new(stdout, c->fmt, (r.single && c->fmt ==
			      PV_FMT_JSON ? PV_W_SINGLE : 0) |
			      (r.dir ? 0 : PV_W_STREAM));
	pv_stop_install();
	if (r.single) {
		int gone = 0;

		st = pv_subject_from_opts(c->db, &so, &r.batch[0], &c->err);
		if (!st && r.batch[0].request_id)
			st = pv_request_identity_checked(
				c->db, r.batch[0].request_id,
				pv_flag(c, "unverified-ok"), &c->err);
		if (st == PV_NOINPUT && so.external_id && so.location) {
			struct pv_err ee = {0};
			int failed = 0;

			if ((st = erased(&r, so.location, so.external_id,
					 &failed, &ee)) != PV_NOINPUT) {
				c->err = ee;
				gone = 1;
			}
		}
		if (!gone && !st) {
			char *path = existing(&r, &r.batch[0]);

			if (path)
				file_record(&r, &r.batch[0], NULL, path,
					    "exists");
			else {
				r.n = 1;
				st = flush(&r, &status);
			}
			free(path);
		}
	} else {
		pv_summary_init(&r.sum, 0);
		pv_summary_add(&r.sum, NULL, "records", 0);
		pv_summary_add(&r.sum, NULL, "exported", 0);
		if (r.dir)
			pv_summary_add(&r.sum, NULL, "exists", 0);
		pv_summary_add(&r.sum, NULL, "failed", 0);
		st = stream(&r, &status);
		/* the stream's last record, also after a signal */
		if (!st)
			pv_summary_write(r.out, &r.sum);
	}
	wst = pv_writer_finish(r.out, &we);
	if (wst && !st) {
		c->err = we;
		st = wst;
	}
	pv_exporter_close(r.x);
	if (r.wdb)
		pv_db_close(r.wdb);
	if (pv_stop_sig && !st) {
		pv_warn("stopped by signal %d: the documents reported above "
			"are complete, the rest of the input is not exported",
			(int)pv_stop_sig);
		return pv_stop_status();
	}
	return st ? st : status;
}

static const struct pv_opt opts[] = {
	{"customer", 0, "ID", "the customer with this id"},
	{"email", 0, "ADDR", "the customer with this e-mail address"},
	{"external-id", 0, "ID", "the customer with this id in the booking "
	 "system (needs --location)"},
	{"location", 0, "SLUG", "the location of --email or --external-id"},
	{"request", 0, "ID", "the subject of this privacy request"},
	{"unverified-ok", 0, NULL, "answer a request whose identity was never "
	 "checked (received), on staff's word"},
	{"output-dir", 'o', "DIR", "write one new file (0600) per subject "
	 "into DIR and print a record with its path"},
	{NULL, 0, NULL, NULL},
};

static const struct pv_cmd cmds[] = {
	{"", "[FILE...]", "export everything held about subjects "
	 "(Art. 15, Art. 20 GDPR)", opts, PV_CMD_DB_RO | PV_CMD_NO_OUTPUT |
	 PV_CMD_HTML, 0,
	 -1, run},
	{NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
};
static const struct pv_cmd *const groups[] = {cmds, NULL};

static const struct pv_prog prog = {
	"dsar-export",
	"Export everything held about a person, as Art. 15 and Art. 20 "
	"GDPR ask for it.",
	groups,
};

int main(int argc, char **argv)
{
	return pv_main(&prog, argc, argv);
}
