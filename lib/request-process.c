/* request-process.c - automatic fulfilment of requests (see request.h). */
#include "request.h"
#include "request-int.h"

int pv_request_process(sqlite3 *db, const struct pv_cfg *cfg,
		       const char *db_path, const char *slug, long limit,
		       int dry_run, struct pv_writer *w, struct pv_err *e)
{
	return pv_fail(e, PV_SOFTWARE, "request process: waiting for "
		       "lib/export and lib/erase");
}
