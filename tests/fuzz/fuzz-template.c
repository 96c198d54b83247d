/*
 * fuzz-template.c - template rendering (pv_tmpl_render).
 *
 * The first line of the input is the value every known placeholder
 * ({{name}}, {{link}}, {{location}}) stands for; the rest is the template.
 * Invariants: an unknown placeholder or a malformed one is PV_CONFIG with
 * a one-line message; on success the output never holds "{{" followed by
 * a known name and "}}" unless the value itself does, and is no longer
 * than the template plus the values it inserted.
 */
#include <string.h>

#include "fuzz.h"
#include "mail/mail.h"

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
		/* each placeholder is at least 5 bytes ({{x}}) */
		FUZZ_CHECK(out.len <= tlen + (tlen / 5 + 1) * vlen);
		if (!strstr(s, "{{") && out.s)
			FUZZ_CHECK(!strstr(out.s, "{{name}}") &&
				   !strstr(out.s, "{{link}}"));
	} else {
		FUZZ_CHECK(e.status == PV_CONFIG || e.status == PV_DATAERR);
		FUZZ_CHECK(!strpbrk(e.msg, "\r\n"));
	}
	pv_buf_free(&out);
	free(s);
	return 0;
}
