/* fuzz-rec-ndjson.c - the ndjson reader: see rec-target.h. */
#define FUZZ_FMT PV_FMT_NDJSON
#include "rec-target.h"
