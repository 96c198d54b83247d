/* fuzz-rec-csv.c - the csv reader: see rec-target.h. */
#define FUZZ_FMT PV_FMT_CSV
#include "rec-target.h"
