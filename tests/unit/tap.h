/* tap.h - a tiny TAP producer for the unit tests of lib/. */
#ifndef TAP_H
#define TAP_H
#include <stddef.h>
int ok_(int cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int is_str_(const char *got, const char *want, const char *file, int line,
	    const char *name);
int is_int_(long long got, long long want, const char *file, int line,
	    const char *name);
int done_testing(void); /* prints the plan; returns the exit status */
#define ok(cond, ...) ok_(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(g, w, name) is_str_((g), (w), __FILE__, __LINE__, (name))
#define is_int(g, w, name) is_int_((g), (w), __FILE__, __LINE__, (name))
#endif
