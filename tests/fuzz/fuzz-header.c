/*
 * fuzz-header.c - message composition (pv_mail_render): header injection.
 *
 * The input is split at NUL bytes into: from, from_name, to, to_name,
 * subject, reply_to, message_id, body (missing parts are NULL).  When the
 * message renders, its header section must be plain ASCII, every line must
 * end with CRLF (no bare CR or LF anywhere in the message), every header
 * line is a continuation or one of the headers the composer writes, each
 * at most once, and Date, Message-ID, From, To, Subject, MIME-Version are
 * all there.  Anything else means data got into a header of its own.
 */
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "mail/mail.h"

static const char *const allowed[] = {
	"Date", "Message-ID", "From", "To", "Subject", "MIME-Version",
	"Reply-To", "Content-Type", "Content-Transfer-Encoding",
	"Content-Disposition", "Content-Id", "Auto-Submitted",
};
static const char *const required[] = {
	"Date", "Message-ID", "From", "To", "Subject", "MIME-Version",
	"Auto-Submitted",
};
enum { NALLOWED = sizeof allowed / sizeof allowed[0] };

static void check_message(const char *s, size_t len)
{
	int seen[NALLOWED] = { 0 };
	const char *p = s, *end = s + len, *eol;
	size_t i;

	for (i = 0; i < len; i++) {
		FUZZ_CHECK(s[i] != '\0');
		if (s[i] == '\n')
			FUZZ_CHECK(i > 0 && s[i - 1] == '\r');
		if (s[i] == '\r')
			FUZZ_CHECK(i + 1 < len && s[i + 1] == '\n');
	}
	/* The top-level header section: up to the first empty line. */
	while (p < end && !(p + 1 < end && p[0] == '\r' && p[1] == '\n')) {
		eol = strstr(p, "\r\n");
		FUZZ_CHECK(eol != NULL);
		for (const char *q = p; q < eol; q++) {
			if ((unsigned char)*q >= 0x80)
				fprintf(stderr, "8-bit header line: %.*s\n",
					(int)(eol - p), p);
			FUZZ_CHECK((unsigned char)*q < 0x80);
		}
		if (*p != ' ' && *p != '\t') {
			const char *colon = memchr(p, ':', (size_t)(eol - p));

			FUZZ_CHECK(colon != NULL);
			for (i = 0; i < NALLOWED; i++)
				if (strlen(allowed[i]) == (size_t)(colon - p) &&
				    strncasecmp(p, allowed[i],
						(size_t)(colon - p)) == 0)
					break;
			if (i == NALLOWED)
				fprintf(stderr, "header '%.*s' in:\n%.*s\n",
					(int)(colon - p), p, (int)len, s);
			FUZZ_CHECK(i < NALLOWED);
			FUZZ_CHECK(++seen[i] == 1);
		}
		p = eol + 2;
	}
	FUZZ_CHECK(p < end); /* the empty line is there */
	for (size_t r = 0; r < sizeof required / sizeof required[0]; r++)
		for (i = 0; i < NALLOWED; i++)
			if (strcmp(allowed[i], required[r]) == 0)
				FUZZ_CHECK(seen[i] == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *part[8] = { 0 };
	char *s = malloc(size + 1), *p = s;
	struct pv_mail m = { 0 };
	struct pv_buf out = { 0 };
	struct pv_err e;
	char *msgid = NULL;
	int n = 0;

	FUZZ_CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	while (n < 8 && p <= s + size) {
		part[n++] = p;
		p += strlen(p) + 1;
	}
	m.from = part[0];
	m.from_name = part[1];
	m.to = part[2];
	m.to_name = part[3];
	m.subject = part[4];
	m.reply_to = part[5];
	m.message_id = part[6] && *part[6] ? part[6] : NULL;
	m.body = part[7];
	if (pv_mail_render(&m, 1780000000, &out, &msgid, &e) == 0) {
		FUZZ_CHECK(out.s != NULL);
		check_message(out.s, out.len);
		FUZZ_CHECK(msgid && !strpbrk(msgid, "\r\n"));
	} else {
		FUZZ_CHECK(e.status == PV_DATAERR || e.status == PV_CONFIG);
		FUZZ_CHECK(!strpbrk(e.msg, "\r\n"));
	}
	free(msgid);
	pv_buf_free(&out);
	free(s);
	return 0;
}
