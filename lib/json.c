#include <jansson.h>
#include <stdarg.h>

#include "json.h"

char *pv_jsonf(const char *fmt, ...)
{
	va_list ap;
	json_t *v;
	char *s;

	va_start(ap, fmt);
	v = json_vpack_ex(NULL, 0, fmt, ap);
	va_end(ap);
	if (!v)
		return NULL;
	s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(v);
	return s;
}
