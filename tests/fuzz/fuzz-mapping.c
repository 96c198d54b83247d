/*
 * fuzz-mapping.c - the mapping loader (lib/mapping.h) on any YAML, and the
 * loaded mapping applied to a few export rows.
 *
 * Invariants: a refused mapping is PV_CONFIG with a one-line message that
 * starts with the input's name; a loaded one names a valid separator and
 * encoding or none; every mapped field is one of the import's columns or
 * an unmapped source column passed on under its own name; every custom
 * attribute has a valid name; a stand-in key is used only without an
 * external id.
 */
#include <string.h>

#include "dialect.h"
#include "fuzz.h"
#include "import.h"
#include "mapping.h"

static const char *const kinds[] = {"customers", "appointments", "invoices"};
static const enum pv_import_kind kenum[] = {
	PV_IMPORT_CUSTOMERS, PV_IMPORT_APPOINTMENTS, PV_IMPORT_INVOICES,
};
static const char *const cols[] = {
	"Kundennummer", "Vorname", "E-Mail", "Geburtstag", "Newsletter",
	"Preis", "Farbrezeptur", "email", "external_id", "x",
};
static const char *const vals[] = {
	"10001", "Änne", "a@example.org", "31.12.1980", "ja", "1.234,50",
	"6/0", "", "K-1", "vielleicht",
};

static void bad(void *arg, const char *col, const char *why)
{
	(void)arg;
	FUZZ_CHECK(col != NULL && why != NULL && *why);
}

static void apply(struct pv_map_kind *k, enum pv_import_kind kind)
{
	struct pv_rec src = {0}, dst = {0};
	struct pv_attrs attrs = {0};
	int used_key;

	src.file = "fuzz";
	src.line = 2;
	src.hline = 1;
	for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
		pv_rec_add(&src, cols[i], vals[i]);
	pv_map_apply(k, &src, &dst, &attrs, &used_key, bad, NULL);
	for (size_t i = 0; i < dst.n; i++) {
		int passed = 0;

		for (size_t j = 0; j < src.n; j++)
			passed |= strcmp(dst.keys[i], src.keys[j]) == 0;
		FUZZ_CHECK(passed || pv_import_field_known(kind, dst.keys[i]));
	}
	for (size_t i = 0; i < attrs.n; i++)
		FUZZ_CHECK(pv_attr_name_valid(attrs.a[i].name));
	if (used_key)
		FUZZ_CHECK(pv_map_key(k) != NULL);
	pv_attrs_free(&attrs);
	pv_rec_free(&src);
	pv_rec_free(&dst);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pv_map *m;
	struct pv_err e;

	if (pv_map_load_mem("fuzz", (const char *)data, size, &m, &e) != 0) {
		FUZZ_CHECK(e.status == PV_CONFIG);
		FUZZ_CHECK(strncmp(e.msg, "fuzz", 4) == 0);
		FUZZ_CHECK(!strchr(e.msg, '\n'));
		return 0;
	}
	FUZZ_CHECK(!pv_map_encoding(m) || pv_dialect_encoding(
						 pv_map_encoding(m)));
	for (int i = 0; i < 3; i++) {
		struct pv_map_kind *k = pv_map_kind(m, kinds[i]);

		if (k)
			apply(k, kenum[i]);
	}
	pv_map_free(m);
	return 0;
}
