/*
 * fuzz-retention.c - the retention policy loader (pv_policy_load) over a
 * YAML config (pv_cfg_load_mem), and pv_ret_until on what it accepts.
 *
 * The input is a whole config file; one that the config loader refuses is
 * fuzz-cfg's business and ends here.  Invariants: a refused policy is
 * PV_CONFIG with one line (no control characters) that names the input
 * ("fuzz:LINE: retention...") and no policy; an accepted one is sane: a
 * rule for each of the four tables, each once, an action the table
 * allows (customers only delete, consents never anonymise), retain with
 * years from 1 to 100, a non-empty basis and a non-empty list of known
 * fields without repeats that the table has; delete and anonymise with no
 * years, basis or fields; and the end of retention of a record is 31
 * December of a year not before the record's.
 */
#include <string.h>

#include "cfg.h"
#include "fuzz.h"
#include "retention.h"

static const char *const table_names[] = {
	"consents", "appointments", "invoices", "customers",
};

static int listed(const char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (*list == s || strcmp(*list, s) == 0)
			return 1;
	return 0;
}

static void check_err(const struct pv_err *e)
{
	FUZZ_CHECK(e->status == PV_CONFIG);
	FUZZ_CHECK(strncmp(e->msg, "fuzz:", 5) == 0);
	FUZZ_CHECK(strstr(e->msg, "retention") != NULL);
	for (const char *p = e->msg; *p; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
}

static void check_rule(const struct pv_ret_rule *r)
{
	const struct pv_ret_table *t = r->table;
	char until[11];
	size_t i, j;

	FUZZ_CHECK(r->action == PV_RET_DELETE ||
		   r->action == PV_RET_ANONYMISE || r->action == PV_RET_RETAIN);
	FUZZ_CHECK(t->actions & (1u << r->action));
	FUZZ_CHECK(strcmp(t->name, "customers") != 0 ||
		   r->action == PV_RET_DELETE);
	FUZZ_CHECK(strcmp(t->name, "consents") != 0 ||
		   r->action != PV_RET_ANONYMISE);
	{
		const char *an = pv_ret_action_name(r->action);

		FUZZ_CHECK(strcmp(an, "delete") == 0 ||
			   strcmp(an, "anonymise") == 0 ||
			   strcmp(an, "retain") == 0);
	}
	if (r->action != PV_RET_RETAIN) {
		FUZZ_CHECK(r->years == 0 && !r->basis && !r->fields);
		return;
	}
	FUZZ_CHECK(r->years >= 1 && r->years <= 100);
	FUZZ_CHECK(r->basis && *r->basis);
	FUZZ_CHECK(r->fields && r->fields[0]);
	for (i = 0; r->fields[i]; i++) {
		FUZZ_CHECK(listed(t->fields, r->fields[i]));
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(r->fields[j], r->fields[i]) != 0);
	}
	FUZZ_CHECK(pv_ret_until("2024-03-10", r->years, NULL, until) == 0);
	FUZZ_CHECK(strlen(until) == 10 && strcmp(until + 4, "-12-31") == 0);
	FUZZ_CHECK(atoi(until) == 2024 + r->years);
	FUZZ_CHECK(pv_ret_until("2024-02-30", r->years, NULL, until) != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pv_cfg *c = pv_cfg_new();
	struct pv_policy *p = (struct pv_policy *)&p;
	struct pv_err e;

	if (pv_cfg_load_mem(c, "fuzz", (const char *)data, size, &e) == 0) {
		if (pv_policy_load(c, &p, &e)) {
			check_err(&e);
			FUZZ_CHECK(p == NULL);
		} else {
			FUZZ_CHECK(p != NULL);
			FUZZ_CHECK(p->n == 4);
			for (int i = 0; i < p->n; i++) {
				FUZZ_CHECK(p->rule[i].table != NULL);
				FUZZ_CHECK(strcmp(p->rule[i].table->name,
						  table_names[i]) == 0);
				check_rule(&p->rule[i]);
			}
			pv_policy_free(p);
		}
	}
	pv_cfg_free(c);
	return 0;
}
