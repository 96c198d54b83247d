/* json.h - small jansson conveniences shared by the modules. */
#ifndef PV_JSON_H
#define PV_JSON_H

/* json_pack(fmt, ...) dumped compact in key order; the caller frees.
 * NULL only when fmt and the arguments do not match (a bug). */
char *pv_jsonf(const char *fmt, ...);

#endif
