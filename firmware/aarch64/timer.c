// Microseconds from the generic timer's virtual count (CNTVCT_EL0), whose frequency
// the firmware sets in CNTFRQ_EL0. Should a firmware leave it 0, we calibrate against
// Stall() instead, as x86-64 does with its TSC.
#include "firmware.h"

static uint64_t start;
static uint64_t ticks_per_second;

static uint64_t count(void) {
  isb();  // not read ahead of the code it times
  return READ_SYSREG(cntvct_el0);
}

void timer_init(void) {
  ticks_per_second = READ_SYSREG(cntfrq_el0) & 0xffffffffull;
  if (ticks_per_second == 0) {
    enum { CALIBRATION_US = 20000 };
    uint64_t before = count();
    BS->Stall(CALIBRATION_US);
    ticks_per_second = (count() - before) * (1000000 / CALIBRATION_US);
    if (ticks_per_second == 0) ticks_per_second = 1;
  }
  start = count();
}

uint64_t timer_us(void) {
  uint64_t ticks = count() - start;
  // Split so ticks * 10^6 cannot overflow 64 bits.
  return ticks / ticks_per_second * 1000000 + ticks % ticks_per_second * 1000000 / ticks_per_second;
}
