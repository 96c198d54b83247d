/* t-mail.c - unit tests of lib/mail/mail.c and the dir: transport. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mail/mail.h"
#include "tap.h"

static const char *lookup(void *ctx, const char *name)
{
	if (strcmp(name, "name") == 0)
		return "Jörg";
	if (strcmp(name, "id") == 0)
		return "42";
	return NULL;
}

/* The header block (up to the first empty line) of a message. */
static char *headers_of(const char *msg)
{
	const char *end = strstr(msg, "\r\n\r\n");

	return xstrndup(msg, end ? (size_t)(end - msg) + 2 : strlen(msg));
}

/* Every line of the header block ends CRLF, and no header line starts
 * with something other than a name or folding white space. */
static int headers_sane(const char *h)
{
	const char *p = h;

	while (*p) {
		const char *nl = strstr(p, "\r\n");

		if (!nl)
			return 0;
		if (memchr(p, '\n', (size_t)(nl - p)) ||
		    memchr(p, '\r', (size_t)(nl - p)))
			return 0;
		if (*p != ' ' && *p != '\t') {
			const char *colon = memchr(p, ':', (size_t)(nl - p));

			if (!colon)
				return 0;
			if (strncmp(p, "Injected", 8) == 0 ||
			    strncmp(p, "Bcc", 3) == 0)
				return 0;
		}
		p = nl + 2;
	}
	return 1;
}

/* The longest RFC 2047 encoded word (=?charset?X?text?=) in the header
 * block h; each must be at most 75 characters (RFC 2047 section 2). */
static size_t longest_encoded_word(const char *h, char *worst, size_t wn)
{
	const char *p = h;
	size_t max = 0;

	while ((p = strstr(p, "=?")) != NULL) {
		const char *q = strchr(p + 2, '?'), *end;

		if (!q || !q[1] || q[2] != '?') {
			p += 2;
			continue;
		}
		end = strstr(q + 3, "?=");
		if (!end)
			break;
		if ((size_t)(end + 2 - p) > max) {
			max = (size_t)(end + 2 - p);
			snprintf(worst, wn, "%.*s", (int)max, p);
		}
		p = end + 2;
	}
	return max;
}

/* The body of a rendered single-part message, quoted-printable decoded;
 * *maxline: its longest encoded line.  NULL when an escape is bad. */
static char *qp_body(const char *msg, size_t *maxline)
{
	const char *p = strstr(msg, "\r\n\r\n"), *q;
	struct pv_buf b = {0};

	*maxline = 0;
	if (!p)
		return NULL;
	p += 4;
	for (q = p; *q; q++) {
		const char *nl = strstr(q, "\r\n");

		if (nl && (size_t)(nl - q) > *maxline)
			*maxline = (size_t)(nl - q);
		q = nl ? nl + 1 : q + strlen(q) - 1;
	}
	pv_buf_adds(&b, "");
	while (*p) {
		if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') {
			p += 3;
		} else if (p[0] == '=') {
			char hx[3] = {p[1], p[1] ? p[2] : 0, 0};
			char *end;
			long v = strtol(hx, &end, 16);

			if (!p[1] || !p[2] || *end) {
				pv_buf_free(&b);
				return NULL;
			}
			pv_buf_addc(&b, (char)v);
			p += 3;
		} else {
			if ((unsigned char)*p >= 0x80 ||
			    ((*p == ' ' || *p == '\t') && p[1] == '\r'))
				return pv_buf_free(&b), NULL;
			pv_buf_addc(&b, *p++);
		}
	}
	return pv_buf_detach(&b);
}

int main(void)
{
	struct pv_mail m = {0};
	struct pv_buf out = {0}, t = {0};
	struct pv_err e;
	char *id = NULL, *h, *subj, *body;
	struct pv_transport *tr;
	struct pv_cfg *cfg;
	char dir[] = "/tmp/t-mail.XXXXXX", reply[256], *spec;
	int st;

	m.from = "datenschutz@salon.example";
	m.from_name = "Salon Müller\r\nBcc: evil@example.com";
	m.to = "kunde@example.com";
	m.to_name = "Anna\nInjected: yes\0x";
	m.subject = "Ihre Anfrage – Größe\r\nBcc: evil@example.com";
	m.body = "Hallo Jörg,\nline two\n";
	st = pv_mail_render(&m, 1767225600, &out, &id, &e);
	is_int(st, PV_OK, "render ok");
	h = headers_of(out.s);
	ok(headers_sane(h), "no CR/LF from data starts a header line");
	ok(strstr(h, "Date: Thu, 01 Jan 2026 00:00:00 +0000") != NULL,
	   "Date header");
	ok(strstr(h, "Message-Id: <") != NULL ||
	   strstr(h, "Message-ID: <") != NULL, "Message-ID header");
	ok(id && strstr(id, "@salon.example>") != NULL,
	   "message id in the sender's domain");
	ok(strstr(h, "=?utf-8?") != NULL || strstr(h, "=?UTF-8?") != NULL,
	   "non-ASCII header encoded as UTF-8 (RFC 2047)");
	ok(strstr(h, "MIME-Version: 1.0") != NULL, "MIME-Version");
	ok(strstr(h, "quoted-printable") != NULL, "quoted-printable body");
	ok(strstr(h, "charset=utf-8") != NULL, "UTF-8 charset");
	ok(strstr(out.s, "J=C3=B6rg") != NULL, "body encoded");
	ok(strstr(out.s, "line two\r\n") != NULL, "body lines end CRLF");
	free(h);
	free(id);

	static const struct pv_mail_attach att[2] = {
		{"export.json", "application/json", "{\"a\":1}", 7},
		{"report.html", "text/html; charset=utf-8", "<p>a</p>", 8},
	};

	/* Every encoded word of long German subjects and display names is at
	 * most 75 characters (issue 18 item 15: one had 78). */
	{
		static const char *const texts[] = {
			"Ihre Anfrage nach Art. 15 DSGVO: Auskunft über Ihre "
			"gespeicherten Daten – Frist verlängert bis Montag",
			"Bestätigung: Löschung Ihrer Daten bei Friseursalon "
			"Müller & Söhne GmbH, Filiale Köln-Ehrenfeld, "
			"abgeschlossen",
			"ÄÖÜäöüßÄÖÜäöüßÄÖÜäöüßÄÖÜäöüßÄÖÜäöüßÄÖÜäöüßÄÖÜäöüß"
			"ÄÖÜäöüßÄÖÜäöüß",
			"Grüße",
			"Ihre Einwilligung für E-Mail-Werbung – bitte "
			"bestätigen Sie: Salon Schönheitsoase Düsseldorf-Öst",
			"Übermäßig langes Wort: Datenschutzgrundverordnungs"
			"auskunftsersuchensbestätigungsschreibenübersendung",
		};
		size_t i, n, worst_n = 0;
		char worst[200] = "", w[200];
		struct pv_mail lm = {0};

		lm.from = "datenschutz@salon.example";
		lm.to = "kunde@example.com";
		lm.body = "x\n";
		for (i = 0; i < sizeof texts / sizeof *texts; i++) {
			lm.subject = texts[i];
			lm.from_name = texts[(i + 1) % 6];
			lm.to_name = texts[(i + 2) % 6];
			st = pv_mail_render(&lm, 0, &out, NULL, &e);
			if (st)
				break;
			h = headers_of(out.s);
			n = longest_encoded_word(h, w, sizeof w);
			if (n > worst_n) {
				worst_n = n;
				memcpy(worst, w, sizeof worst);
			}
			free(h);
		}
		is_int(st, PV_OK, "long German subjects and names render");
		ok(worst_n > 0 && worst_n <= 75,
		   "every RFC 2047 encoded word is at most 75 characters");
		if (worst_n > 75)
			printf("# %zu characters: %s\n", worst_n, worst);
	}

	/* The body survives quoted-printable exactly (CRLF line ends, lines
	 * of at most 76 characters, spaces before a line end and '='
	 * encoded), whatever its lines, for bodies of many shapes. */
	{
		static const char *const pieces[] = {
			"a", " ", "\t", "=", "ä", "€", "\n", "\r\n", "\r",
			"Grüße ", "x=y ", "  \n", "https://x.example/?t=abc",
		};
		struct pv_mail qm = {0};
		unsigned seed = 7;
		int bad = 0, k;
		size_t worst = 0;

		qm.from = "datenschutz@salon.example";
		qm.to = "kunde@example.com";
		qm.subject = "QP";
		for (k = 0; k < 300 && !bad; k++) {
			struct pv_buf in = {0}, want = {0};
			size_t len = (size_t)(k % 60) * 7, ml = 0;
			char *got;

			pv_buf_adds(&in, "");
			while (in.len < len) {
				seed = seed * 1103515245u + 12345u;
				pv_buf_adds(&in, pieces[(seed >> 16) % 13]);
			}
			/* what the reader must get: CRLF line ends, one at
			 * the end */
			for (const char *c = in.s; *c; c++) {
				if (*c == '\r' || *c == '\n') {
					pv_buf_adds(&want, "\r\n");
					if (*c == '\r' && c[1] == '\n')
						c++;
				} else {
					pv_buf_addc(&want, *c);
				}
			}
			if (!want.len || want.s[want.len - 1] != '\n')
				pv_buf_adds(&want, "\r\n");
			qm.body = in.s;
			st = pv_mail_render(&qm, 0, &out, NULL, &e);
			got = st ? NULL : qp_body(out.s, &ml);
			if (!got || strcmp(got, want.s) != 0 || ml > 76) {
				bad = 1;
				printf("# body %d: %s\n", k, got ? got : "(bad)");
			}
			if (ml > worst)
				worst = ml;
			free(got);
			pv_buf_free(&in);
			pv_buf_free(&want);
		}
		ok(!bad, "quoted-printable bodies decode to the text, CRLF "
		   "line ends (300 bodies; longest line %zu)", worst);
	}

	m.to = "not an address";
	st = pv_mail_render(&m, 0, &out, NULL, &e);
	is_int(st, PV_DATAERR, "bad recipient refused");
	m.to = "kunde@example.com";
	m.attach = att;
	m.nattach = 2;
	st = pv_mail_render(&m, 0, &out, NULL, &e);
	is_int(st, PV_OK, "render with attachment");
	ok(strstr(out.s, "Auto-Submitted: auto-generated") != NULL,
	   "Auto-Submitted: auto-generated (RFC 3834)");
	ok(strstr(out.s, "filename=report.html") != NULL ||
	   strstr(out.s, "filename=\"report.html\"") != NULL,
	   "second attachment");
	ok(strstr(out.s, "text/html; charset=utf-8") != NULL,
	   "its type with the charset");
	ok(strstr(out.s, "multipart/mixed") != NULL, "multipart");
	ok(strstr(out.s, "application/json") != NULL, "attachment type");
	ok(strstr(out.s, "filename=export.json") != NULL ||
	   strstr(out.s, "filename=\"export.json\"") != NULL,
	   "attachment name");
	ok(strstr(out.s, "eyJhIjoxfQ==") != NULL, "attachment in base64");

	st = pv_tmpl_render("x", "Hi {{name}}, request {{ id }}.", lookup,
			    NULL, &t, &e);
	is_int(st, PV_OK, "template renders");
	is_str(t.s, "Hi Jörg, request 42.", "placeholders replaced");
	st = pv_tmpl_render("x", "Hi {{nope}}", lookup, NULL, &t, &e);
	is_int(st, PV_CONFIG, "unknown placeholder is a config error");
	is_str(e.msg, "template 'x': {{nope}}: unknown placeholder",
	       "its message");
	st = pv_tmpl_render("x", "Hi {{name", lookup, NULL, &t, &e);
	is_int(st, PV_CONFIG, "unclosed placeholder");

	ok(mkdtemp(dir) != NULL, "scratch dir");
	cfg = pv_cfg_new();
	st = pv_tmpl_load(cfg, "request.received", "de",
			  "Subject: S {{id}}\n\nBody\n", &subj, &body, &e);
	is_int(st, PV_OK, "built-in template");
	is_str(subj, "S {{id}}", "its subject");
	is_str(body, "Body\n", "its body");
	free(subj);
	free(body);
	{
		char *tp = xasprintf("%s/request.received.de.txt", dir);
		FILE *f = fopen(tp, "w");

		fputs("Subject: Eigene {{id}}\n\nEigener Text\n", f);
		fclose(f);
		free(tp);
	}
	pv_cfg_set(cfg, "templates", dir, "test");
	st = pv_tmpl_load(cfg, "request.received", "de", "Subject: S\n\nB\n",
			  &subj, &body, &e);
	is_int(st, PV_OK, "template file");
	is_str(subj, "Eigene {{id}}", "template file subject");
	is_str(body, "Eigener Text\n", "template file body");
	free(subj);
	free(body);
	st = pv_tmpl_load(cfg, "request.received", "en", "No subject line\n",
			  &subj, &body, &e);
	is_int(st, PV_CONFIG, "template without Subject: refused");

	spec = xasprintf("dir:%s/md", dir);
	st = pv_transport_open(cfg, spec, &tr, &e);
	is_int(st, PV_OK, "dir transport opens");
	st = pv_transport_send(tr, m.from, m.to, out.s, out.len, reply,
			       sizeof reply, &e);
	is_int(st, PV_OK, "dir transport stores");
	ok(strncmp(reply, "stored new/", 11) == 0, "reply names the file");
	{
		char *p = xasprintf("%s/md/%s", dir, reply + 7);
		struct stat sb;

		ok(stat(p, &sb) == 0 && (size_t)sb.st_size == out.len &&
		   (sb.st_mode & 077) == 0, "file in new/, whole, 0600");
		unlink(p);
		free(p);
	}
	pv_transport_close(tr);
	free(spec);
	st = pv_transport_open(cfg, "ftp:x", &tr, &e);
	is_int(st, PV_USAGE, "unknown transport refused");
	st = pv_transport_open(cfg, NULL, &tr, &e);
	is_int(st, PV_CONFIG, "smtp without smtp.url refused");
	pv_cfg_set(cfg, "smtp.url", "smtp://mail.example.com:587", "test");
	pv_cfg_set(cfg, "smtp.tls", "none", "test");
	st = pv_transport_open(cfg, NULL, &tr, &e);
	is_int(st, PV_CONFIG, "tls: none towards a remote host refused");
	pv_cfg_set(cfg, "smtp.url", "smtp://127.0.0.1:2525", "test");
	st = pv_transport_open(cfg, NULL, &tr, &e);
	is_int(st, PV_OK, "tls: none towards loopback allowed");
	pv_transport_close(tr);

	{
		char *cmd = xasprintf("rm -rf '%s'", dir);

		if (system(cmd) != 0)
			ok(0, "cleanup");
		free(cmd);
	}
	pv_cfg_free(cfg);
	pv_buf_free(&out);
	pv_buf_free(&t);
	return done_testing();
}
