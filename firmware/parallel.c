// parallel_for and worker_count (assembly/host.ts) on UEFI. The core runs on the boot
// processor alone for now: worker_count() says one, and with one worker the core
// never splits its work, so parallel_for is never called.
#include "core.h"
#include "firmware.h"

u32 Z_hostZ_worker_count(struct Z_host_instance_t *host) {
  (void)host;
  return 1;
}

void Z_hostZ_parallel_for(struct Z_host_instance_t *host, u32 jobs) {
  (void)host;
  panic("the core asked to spread %u jobs over processors, but this host lends it only one", jobs);
}
