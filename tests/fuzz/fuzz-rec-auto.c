/* fuzz-rec-auto.c - format detection, then the reader it picks. */
#define FUZZ_FMT PV_FMT_AUTO
#include "rec-target.h"
