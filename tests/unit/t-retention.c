/* t-retention.c - unit tests of lib/retention.c: retention ends and the
 * policy as read from the config. */
#include <string.h>

#include "cfg.h"
#include "retention.h"
#include "tap.h"

/* Load the policy from YAML text: the status, the policy in *out. */
static int policy(const char *yaml, struct pv_policy **out, struct pv_err *e)
{
	struct pv_cfg *c = pv_cfg_new();
	int st;

	pv_err_clear(e);
	*out = NULL;
	st = pv_cfg_load_mem(c, "t.yaml", yaml, strlen(yaml), e);
	if (!st)
		st = pv_policy_load(c, out, e);
	pv_cfg_free(c);
	return st;
}

static const struct pv_ret_rule *rule(const struct pv_policy *p,
				      const char *table)
{
	for (int i = 0; i < p->n; i++)
		if (strcmp(p->rule[i].table->name, table) == 0)
			return &p->rule[i];
	return NULL;
}

int main(void)
{
	struct pv_policy *p;
	struct pv_err e;
	char until[11];

	/* end of the calendar year of the record, plus the years */
	ok(pv_ret_until("2024-03-10", 8, NULL, until) == 0, "a date");
	is_str(until, "2032-12-31", "2024-03-10 + 8 years: 2032-12-31");
	pv_ret_until("2024-01-01", 8, NULL, until);
	is_str(until, "2032-12-31", "1 January counts from the same year end");
	pv_ret_until("2024-12-31", 8, NULL, until);
	is_str(until, "2032-12-31", "31 December too");
	pv_ret_until("2024-12-31T23:30:00Z", 10, NULL, until);
	is_str(until, "2034-12-31", "an RFC 3339 time: its date counts (UTC)");
	pv_ret_until("2024-12-31T23:30:00Z", 10, "Europe/Berlin", until);
	is_str(until, "2035-12-31", "in the location's zone: 2025 in Berlin");
	pv_ret_until("2024-06-30T22:30:00Z", 10, "Europe/Berlin", until);
	is_str(until, "2034-12-31", "a summer night stays in its year");
	ok(pv_ret_until("2024-02-30", 8, NULL, until) == -1, "no 30 February");
	ok(pv_ret_until("sometime", 8, NULL, until) == -1, "not a date");
	ok(pv_ret_until(NULL, 8, NULL, until) == -1, "no date");
	ok(pv_ret_until("2024-3-1", 8, NULL, until) == -1, "not zero-padded");

	/* the shipped default */
	is_int(policy("database: x.db\n", &p, &e), 0, "no retention key");
	is_int(rule(p, "invoices")->action, PV_RET_RETAIN, "invoices retained");
	is_int(rule(p, "invoices")->years, 8, "for 8 years");
	is_str(rule(p, "invoices")->basis, "§ 147 Abs. 3 AO, § 14b UStG",
	       "with the basis");
	is_str(rule(p, "invoices")->fields[5], "billing_address",
	       "every field kept");
	is_int(rule(p, "customers")->action, PV_RET_DELETE, "customers deleted");
	is_int(rule(p, "appointments")->action, PV_RET_DELETE,
	       "appointments deleted");
	/* changed on purpose (issue 15 item 6): the ledger is proof */
	is_int(rule(p, "consents")->action, PV_RET_RETAIN,
	       "consents retained by default");
	is_int(rule(p, "consents")->years, 3, "for 3 years");
	ok(strncmp(rule(p, "consents")->basis, "§§ 195, 199 BGB",
		   strlen("§§ 195, 199 BGB")) == 0,
	   "until claims are time-barred (§§ 195, 199 BGB)");
	is_str(p->rule[p->n - 1].table->name, "customers",
	       "customers are handled last");
	pv_policy_free(p);

	/* a rule replaces the default of its table only */
	is_int(policy("retention:\n  appointments:\n    action: anonymise\n"
		      "  consents:\n    action: retain\n    years: 3\n"
		      "    basis: Art. 7(1)\n    fields: [purpose, at]\n",
		      &p, &e), 0, "a policy");
	is_int(rule(p, "appointments")->action, PV_RET_ANONYMISE,
	       "anonymise appointments");
	is_int(rule(p, "consents")->years, 3, "consents retained 3 years");
	is_str(rule(p, "consents")->fields[1], "at", "listed fields");
	ok(rule(p, "consents")->fields[2] == NULL, "only those");
	is_int(rule(p, "invoices")->years, 8, "invoices keep the default");
	pv_policy_free(p);

	/* bad policies: exit 78 with where and why */
	is_int(policy("retention:\n  shoes:\n    action: delete\n", &p, &e),
	       78, "an unknown table");
	is_str(e.msg, "t.yaml:3: retention.shoes: unknown table 'shoes' "
	       "(customers, appointments, invoices, consents)",
	       "names the table and the choices");
	is_int(policy("retention:\n  invoices:\n    action: burn\n", &p, &e),
	       78, "an unknown action");
	is_int(policy("retention:\n  invoices: delete\n", &p, &e), 78,
	       "a rule that is no map");
	is_int(policy("retention: all\n", &p, &e), 78, "retention not a map");
	is_int(policy("retention:\n  invoices:\n    years: 8\n", &p, &e), 78,
	       "no action");
	is_int(policy("retention:\n  invoices:\n    action: retain\n    years: "
		      "0\n    basis: x\n", &p, &e), 78, "0 years");
	is_int(policy("retention:\n  invoices:\n    action: retain\n    years: "
		      "101\n    basis: x\n", &p, &e), 78, "101 years");
	is_int(policy("retention:\n  invoices:\n    action: retain\n    years: "
		      "8\n    basis: \"\"\n", &p, &e), 78, "an empty basis");
	is_int(policy("retention:\n  invoices:\n    action: retain\n    years: "
		      "8\n    basis: x\n    fields: []\n", &p, &e), 78,
	       "no fields");
	is_int(policy("retention:\n  invoices:\n    action: retain\n    years: "
		      "8\n    basis: x\n    fields: number\n", &p, &e), 78,
	       "fields not a list");
	is_int(policy("retention:\n  customers:\n    action: anonymise\n", &p,
		      &e), 78, "customers cannot be anonymised");
	return done_testing();
}
