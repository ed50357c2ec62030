// x86-64 starts its other processors through EFI MP Services only (parallel.c): every
// x86-64 UEFI has them, and INIT-SIPI by hand would fight the firmware's own use.
#include "firmware.h"

int smp_init(void) { return 1; }

int smp_start(int count, void (*ap_main)(void *)) {
  (void)count;
  (void)ap_main;
  return 1;
}
