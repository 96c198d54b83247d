/*
 * fuzz-cfg.c - the YAML configuration loader (pv_cfg_load_mem), merging,
 * typed lookups and the dump behind `privacyctl config show`.
 *
 * Invariants: an error is PV_CONFIG with a one-line message naming the
 * input; on success, loading the same text again (a second layer) works
 * too, and the dump is valid NDJSON (read back with the NDJSON reader
 * without an error) whose every record has a key, a value and an origin.
 */
#include <string.h>

#include "cfg.h"
#include "fuzz.h"
#include "rec.h"

static void check_err(const struct pv_err *e)
{
	FUZZ_CHECK(e->status == PV_CONFIG);
	FUZZ_CHECK(strncmp(e->msg, "fuzz", 4) == 0);
	for (const char *p = e->msg; *p; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
}

static void check_dump(const struct pv_cfg *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct pv_writer *w;
	struct pv_input *in;
	struct pv_rec r = { 0 };
	struct pv_err e;
	int rc;

	FUZZ_CHECK(f != NULL);
	w = pv_writer_new(f, PV_FMT_NDJSON, 0);
	pv_cfg_dump(c, w, 1);
	FUZZ_CHECK(pv_writer_finish(w, &e) == 0);
	fclose(f);
	in = pv_input_mem("dump", buf, len, PV_FMT_NDJSON);
	while ((rc = pv_input_next(in, &r, &e)) != 0) {
		FUZZ_CHECK(rc == 1);
		FUZZ_CHECK(pv_rec_get(&r, "key") != NULL);
		FUZZ_CHECK(pv_rec_get(&r, "value") != NULL);
		FUZZ_CHECK(pv_rec_get(&r, "origin") != NULL);
	}
	pv_input_close(in);
	pv_rec_free(&r);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *keys[] = {
		"database", "smtp.url", "smtp.port", "smtp.tls",
		"retention.invoices.years", "campaigns.rate", "x.y.z",
	};
	struct pv_cfg *c = pv_cfg_new();
	struct pv_err e;
	long long n;
	int b;

	if (pv_cfg_load_mem(c, "fuzz", (const char *)data, size, &e)) {
		check_err(&e);
	} else {
		FUZZ_CHECK(pv_cfg_load_mem(c, "fuzz", (const char *)data, size,
					   &e) == 0);
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
			if (pv_cfg_int(c, keys[i], 0, &n, &e))
				FUZZ_CHECK(e.status == PV_CONFIG);
			if (pv_cfg_bool(c, keys[i], 0, &b, &e))
				FUZZ_CHECK(e.status == PV_CONFIG);
			(void)pv_cfg_str(c, keys[i], NULL);
			(void)pv_cfg_origin(c, keys[i]);
		}
		pv_cfg_set(c, "smtp.url", "smtp://127.0.0.1", "--fuzz");
		FUZZ_CHECK(strcmp(pv_cfg_str(c, "smtp.url", ""),
				  "smtp://127.0.0.1") == 0);
	}
	check_dump(c);
	pv_cfg_free(c);
	return 0;
}
