/*
 * fuzz.h - shared by the fuzz targets in tests/fuzz/.
 *
 * Each fuzz-*.c defines LLVMFuzzerTestOneInput.  `make fuzz` links it with
 * libFuzzer (clang -fsanitize=fuzzer); `make check` links it with replay.c,
 * a main() that feeds every file of the corpus to it, built with the normal
 * compiler, so the sanitizer build replays the corpora under ASan/UBSan.
 * A target checks the invariants of what it calls and aborts when one is
 * broken: a crash is a finding either way.
 */
#ifndef PV_FUZZ_H
#define PV_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: invariant broken: %s\n",     \
				__FILE__, __LINE__, #cond);                  \
			abort();                                             \
		}                                                            \
	} while (0)

#endif
