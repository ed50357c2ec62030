// Microseconds from the time-stamp counter, calibrated once against Stall(). Only
// the timing line uses it, so a TSC that is not invariant costs accuracy, not
// correctness.
#include "firmware.h"

static uint64_t tsc_start;
static uint64_t tsc_per_second;

void timer_init(void) {
  enum { CALIBRATION_US = 20000 };
  uint64_t before = rdtsc();
  BS->Stall(CALIBRATION_US);
  uint64_t ticks = rdtsc() - before;
  tsc_per_second = ticks * (1000000 / CALIBRATION_US);
  if (tsc_per_second == 0) tsc_per_second = 1;
  tsc_start = rdtsc();
}

uint64_t timer_us(void) {
  uint64_t ticks = rdtsc() - tsc_start;
  // Split so ticks * 10^6 cannot overflow 64 bits.
  return ticks / tsc_per_second * 1000000 + ticks % tsc_per_second * 1000000 / tsc_per_second;
}
