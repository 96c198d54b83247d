/* fuzz-rec-json.c - the json reader: see rec-target.h. */
#define FUZZ_FMT PV_FMT_JSON
#include "rec-target.h"
