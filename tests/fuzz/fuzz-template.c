/*
 * fuzz-template.c - template rendering (pv_tmpl_render).
 *
 * The first line of the input is the value every known placeholder
 * ({{name}}, {{link}}, {{location}}) stands for; the rest is the template.
 * Invariants: an unknown placeholder or a malformed one is PV_CONFIG with
 * a one-line message; on success the output is no longer than the template
 * plus the values it inserted, and it is exactly what the same template
 * rendered with a brace-free marker value gives once every marker is
 * replaced by the value: values are inserted verbatim and never scanned
 * for placeholders again; and with the marker value no "{{name}}" or
 * "{{link}}" is left.  (The output itself may hold "{{name}}" when the
 * value ends in "{" and the template goes on with a literal "{name}}":
 * that is the text the user wrote, not a placeholder left unexpanded;
 * see tests/fuzz/crashes/fuzz-template/crash-0eb5f2f5....)
 */
#include <string.h>

#include "fuzz.h"
#include "mail/mail.h"

#define MARKER '\x01'

static const char *lookup(void *ctx, const char *name)
{
	if (strcmp(name, "name") == 0 || strcmp(name, "link") == 0 ||
	    strcmp(name, "location") == 0)
		return ctx;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *nl, *text;
	struct pv_buf out = { 0 };
	struct pv_err e;
	size_t vlen, tlen;

	FUZZ_CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	if ((nl = strchr(s, '\n'))) {
		*nl = '\0';
		text = nl + 1;
	} else {
		text = s + strlen(s);
	}
	vlen = strlen(s);
	tlen = strlen(text);
	if (pv_tmpl_render("fuzz", text, lookup, s, &out, &e) == 0) {
		struct pv_buf ref = { 0 }, exp = { 0 };
		char marker[2] = { MARKER, '\0' };

		/* each placeholder is at least 5 bytes ({{x}}) */
		FUZZ_CHECK(out.len <= tlen + (tlen / 5 + 1) * vlen);
		/* the same template with a value that cannot form braces */
		FUZZ_CHECK(pv_tmpl_render("fuzz", text, lookup, marker, &ref,
					  &e) == 0);
		FUZZ_CHECK(!strstr(ref.s, "{{name}}") &&
			   !strstr(ref.s, "{{link}}"));
		if (!memchr(text, MARKER, tlen)) {
			pv_buf_adds(&exp, "");
			for (const char *p = ref.s; *p; p++)
				if (*p == MARKER)
					pv_buf_adds(&exp, s);
				else
					pv_buf_add(&exp, p, 1);
			FUZZ_CHECK(exp.len == out.len &&
				   memcmp(exp.s, out.s, out.len) == 0);
		}
		pv_buf_free(&exp);
		pv_buf_free(&ref);
	} else {
		FUZZ_CHECK(e.status == PV_CONFIG || e.status == PV_DATAERR);
		FUZZ_CHECK(!strpbrk(e.msg, "\r\n"));
	}
	pv_buf_free(&out);
	free(s);
	return 0;
}
