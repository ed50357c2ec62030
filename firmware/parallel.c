// parallel_for and worker_count (assembly/host.ts) on UEFI, through EFI MP Services,
// or where the firmware has none, the architecture's own way (smp_init/smp_start:
// aarch64 PSCI CPU_ON for the processors the ACPI MADT lists).
//
// The other processors (APs) are started once, before the core runs, with one
// non-blocking StartupAllAPs (or CPU_ON each): each loads our page tables, descriptor
// tables or vectors and vector state, and then waits on its own wasm stack (call_depth.h) for batches of
// jobs, spinning, until parallel_stop() lets it return to the firmware. Waking APs
// through MP Services for every parallel_for would cost an INIT-SIPI round trip
// each, and a token needs ~100 of them; with the waiting loop a batch starts with one
// store. The boot processor takes jobs too, then waits for the rest.
//
// Jobs are pure computation (no imports, disjoint memory; assembly/matmul.ts), so an
// AP never calls the firmware while it is on our tables. A trap or fault on an AP
// never leaves through the boot processor's finish(): panic() on an AP comes to
// parallel_abort(), which records the message and jumps back to that AP's own
// entry; the boot processor reports it when it sees the batch cannot finish.
#include <setjmp.h>

#include "core.h"
#include "firmware.h"

static EFI_MP_SERVICES_PROTOCOL *mp;
static bool own_smp;       // no MP Services: smp_start() starts the APs
static UINTN ap_total;     // enabled APs: StartupAllAPs (or smp_start) runs ap_main on each of them
static int cpus = 1;       // processors parallel_for uses, the boot processor included
static bool started;       // the APs run ap_main
static EFI_EVENT aps_done; // MP Services signals it once every AP has returned

// The current batch in one word: the batch number in the high half, the next job
// index in the low half, so that taking a job and checking it belongs to the batch
// one saw is a single compare-exchange. Batch numbers start at 1.
static uint64_t batch;
// Jobs in batch n, in slot n % 2; set before the batch is published. Two slots: a
// processor that saw batch n, job k may read the count after the boot processor has
// set up batch n + 1. With one slot it could take the new count for n's, win its
// compare-exchange on (n, k) before n + 1 is published, and run and count a job
// that does not exist yet, so the boot processor would go on while another still
// writes (seen on AArch64, whose stores become visible out of order). Slot n % 2 is
// rewritten only for batch n + 2, which cannot be set up before n + 1 is published,
// so a won compare-exchange on (n, k) means the count read was n's.
static uint32_t batch_jobs[2];
static uint32_t jobs_done;   // of the current batch
static uint32_t quit;        // parallel_stop(): leave the waiting loop
static uint32_t aps_joined, aps_left;  // APs that came into ap_main, and that left it

// The first failure on an AP: its processor, and the message for panic().
static int failed_cpu;
static uint32_t failure_ready;
static char failure[512];
static jmp_buf ap_exit[MAX_CPUS];

int parallel_init(void) {
  EFI_GUID guid = EFI_MP_SERVICES_PROTOCOL_GUID;
  EFI_STATUS status = BS->LocateProtocol(&guid, NULL, (void **)&mp);
  if (EFI_ERROR(status)) {
    mp = NULL;
    int count = smp_init();
    if (count > 1) {
      own_smp = true;
      cpus = count < MAX_CPUS ? count : MAX_CPUS;
      ap_total = (UINTN)cpus - 1;
      return cpus;
    }
    warn("no EFI MP Services (status=0x%llx); running on one processor", status);
    return 1;
  }
  UINTN total, enabled;
  status = mp->GetNumberOfProcessors(mp, &total, &enabled);
  if (EFI_ERROR(status) || enabled == 0) {
    warn("EFI MP Services cannot count the processors (status=0x%llx); running on one", status);
    mp = NULL;
    return 1;
  }
  ap_total = enabled - 1;
  cpus = enabled < MAX_CPUS ? (int)enabled : MAX_CPUS;
  return cpus;
}

int parallel_this_cpu(void) {
  uint64_t rsp = read_sp();
  if (rsp - WASM_STACKS_BASE < MAX_CPUS * WASM_STACK_STRIDE) return (int)((rsp - WASM_STACKS_BASE) / WASM_STACK_STRIDE);
  int cpu = interrupts_stack_cpu(rsp);  // reporting a fault
  return cpu > 0 ? cpu : 0;              // elsewhere: the firmware's stack, the boot processor's
}

// Take jobs of batch `number` until none is left.
static void run_jobs(uint64_t number) {
  for (;;) {
    uint64_t b = __atomic_load_n(&batch, __ATOMIC_ACQUIRE);
    if (b >> 32 != number || (uint32_t)b >= __atomic_load_n(&batch_jobs[number % 2], __ATOMIC_ACQUIRE)) return;
    if (!__atomic_compare_exchange_n(&batch, &b, b + 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) continue;
    core_job((uint32_t)b);
    __atomic_fetch_add(&jobs_done, 1, __ATOMIC_RELEASE);
  }
}

// An AP on its wasm stack: wait for a new batch, help with it, until told to quit.
static void worker(void *unused) {
  (void)unused;
  uint64_t seen = 0;
  for (;;) {
    uint64_t b;
    while ((b = __atomic_load_n(&batch, __ATOMIC_ACQUIRE)) >> 32 == seen) {
      if (__atomic_load_n(&quit, __ATOMIC_ACQUIRE)) return;
      cpu_relax();
    }
    seen = b >> 32;
    run_jobs(seen);
  }
}

// MP Services (or smp_start) calls this on every AP, on the AP's (small) firmware
// stack, with the firmware's tables. It leaves them as it found them.
static void ap_main(void *unused) {
  (void)unused;
  int cpu = (int)__atomic_add_fetch(&aps_joined, 1, __ATOMIC_ACQ_REL);
  if (cpu < cpus) {
    cpu_enable_state();
    paging_enter(cpu);
    interrupts_enter(cpu);
    if (setjmp(ap_exit[cpu]) == 0) call_on_stack(worker, NULL, paging_stack_top(cpu));
    interrupts_leave(cpu);
    paging_leave(cpu);
  }
  __atomic_fetch_add(&aps_left, 1, __ATOMIC_RELEASE);
}

_Noreturn void parallel_abort(const char *fmt, va_list args) {
  int cpu = parallel_this_cpu();
  int none = 0;
  if (__atomic_compare_exchange_n(&failed_cpu, &none, cpu, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    vformat(failure, sizeof failure, fmt, args);
    __atomic_store_n(&failure_ready, 1, __ATOMIC_RELEASE);
  }
  longjmp(ap_exit[cpu], 1);
}

void parallel_start(void) {
  if (own_smp) {
    int running = smp_start(cpus, ap_main);
    if (running < cpus) warn("only %d of %d processors started", running, cpus);
    // The APs that did start have joined as 1 .. running - 1 (ap_main numbers them in turn).
    cpus = running;
    ap_total = (UINTN)running - 1;
    started = running > 1;
    return;
  }
  if (!mp || ap_total == 0 || cpus == 1) return;
  EFI_STATUS status = BS->CreateEvent(0, 0, NULL, NULL, &aps_done);
  if (!EFI_ERROR(status)) {
    status = mp->StartupAllAPs(mp, ap_main, false, aps_done, 0, NULL, NULL);
    if (EFI_ERROR(status)) BS->CloseEvent(aps_done);
  }
  if (EFI_ERROR(status)) {
    warn("cannot start the other processors (status=0x%llx); running on one", status);
    cpus = 1;
    return;
  }
  started = true;
}

void parallel_stop(void) {
  if (!started) return;
  started = false;
  __atomic_store_n(&quit, 1, __ATOMIC_RELEASE);
  // A job that never ends (a core bug) would keep its AP forever: wait a while, then go on.
  uint64_t start = timer_us();
  while (__atomic_load_n(&aps_left, __ATOMIC_ACQUIRE) < ap_total && timer_us() - start < 2000000) cpu_relax();
  if (own_smp) {  // they power themselves off after ap_main
    if (aps_left < ap_total) warn("%llu of %llu processors did not stop", (uint64_t)(ap_total - aps_left), (uint64_t)ap_total);
    return;
  }
  // MP Services notices on its own timer that the APs have returned.
  bool done;  // CheckEvent clears the signal it reports: ask until it says yes, once
  while (!(done = !EFI_ERROR(BS->CheckEvent(aps_done))) && timer_us() - start < 4000000) BS->Stall(1000);
  if (!done) {
    warn("%llu of %llu processors did not return to the firmware", (uint64_t)(ap_total - aps_left), (uint64_t)ap_total);
    return;  // the event stays: MP Services may still signal it
  }
  BS->CloseEvent(aps_done);
}

u32 w2c_host_worker_count(struct w2c_host *host) {
  (void)host;
  return started ? (u32)cpus : 1;
}

void w2c_host_parallel_for(struct w2c_host *host, u32 jobs) {
  (void)host;
  if (!started) {
    for (u32 i = 0; i < jobs; i++) core_job(i);
    return;
  }
  __atomic_store_n(&jobs_done, 0, __ATOMIC_RELAXED);
  uint64_t number = (__atomic_load_n(&batch, __ATOMIC_RELAXED) >> 32) + 1;
  __atomic_store_n(&batch_jobs[number % 2], jobs, __ATOMIC_RELAXED);
  __atomic_store_n(&batch, number << 32, __ATOMIC_RELEASE);
  run_jobs(number);
  while (__atomic_load_n(&jobs_done, __ATOMIC_ACQUIRE) < jobs) {
    if (__atomic_load_n(&failure_ready, __ATOMIC_ACQUIRE)) panic("%s (on processor %d)", failure, failed_cpu);
    cpu_relax();
  }
}
