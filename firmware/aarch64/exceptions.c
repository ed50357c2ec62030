// Our exception vectors while the core runs (aarch64.S), and the fault path.
//
// A data abort inside the linear-memory reservation is the wasm trap "out of bounds
// memory access"; one in the guard below a wasm stack is stack exhaustion; anything
// else is a bug and panics with the syndrome, the address and the PC.
//
// The core runs on SP_EL0, so the vectors always have the firmware's stack in SP_ELx,
// even after a stack overflow. The handler never resumes the faulting code:
// fault_redirect() points ELR at fault_report(), with SP_EL0 on a recovery stack of
// the processor's own, and eret continues there; it reports and leaves through panic().
//
// Interrupts: the firmware's IRQ handlers live behind its own vector table, which we
// cannot branch to without a free register. So while our vectors are installed IRQs
// and FIQs are masked (the firmware's timer waits, as it would at TPL_HIGH_LEVEL),
// and every firmware_call gives the firmware its vectors back with IRQs unmasked
// (interrupts_firmware_begin/end): pending ticks and events are handled then. The
// core calls the firmware at least once per generated token.
#include <string.h>

#include "firmware.h"

#define SPSR_EL1T 0x4ull             // EL1 on SP_EL0
#define SPSR_EL2T 0x8ull             // EL2 on SP_EL0
#define SPSR_DAIF (0xfull << 6)      // everything masked in fault_report

struct fault {
  uint64_t vector, syndrome, address, pc;
  int count;
};

struct cpu_area {
  _Alignas(16) uint8_t recovery_stack[48 * 1024];
  struct fault fault;
  uint64_t firmware_vbar, firmware_daif;  // what this processor had before interrupts_enter
};

static struct cpu_area *areas;  // one per processor
static int area_count;
static int el;

extern char exception_vectors[];  // aarch64.S

static uint64_t read_vbar(void) { return el == 2 ? READ_SYSREG(vbar_el2) : READ_SYSREG(vbar_el1); }
static void write_vbar(uint64_t v) {
  if (el == 2) WRITE_SYSREG(vbar_el2, v);
  else WRITE_SYSREG(vbar_el1, v);
  isb();
}

void interrupts_init(int cpus) {
  el = current_el();
  uint64_t bytes = (uint64_t)cpus * sizeof(struct cpu_area);
  areas = (struct cpu_area *)pages_alloc((bytes + PAGE_SIZE - 1) / PAGE_SIZE);
  if (!areas) panic("out of memory for the fault stacks");
  memset(areas, 0, bytes);
  area_count = cpus;
}

void interrupts_enter(int cpu) {
  struct cpu_area *area = &areas[cpu];
  area->firmware_daif = READ_SYSREG(daif);
  area->firmware_vbar = read_vbar();
  __asm__ volatile("msr daifset, #3" : : : "memory");
  write_vbar((uint64_t)exception_vectors);
}

void interrupts_leave(int cpu) {
  struct cpu_area *area = &areas[cpu];
  write_vbar(area->firmware_vbar);
  WRITE_SYSREG(daif, area->firmware_daif);
}

// firmware_call() runs on the boot processor only.
void interrupts_firmware_begin(void) { interrupts_leave(0); }

void interrupts_firmware_end(void) {
  __asm__ volatile("msr daifset, #3" : : : "memory");
  write_vbar((uint64_t)exception_vectors);
}

int interrupts_stack_cpu(uint64_t address) {
  if (!areas || address < (uint64_t)areas) return -1;
  uint64_t cpu = (address - (uint64_t)areas) / sizeof(struct cpu_area);
  return cpu < (uint64_t)area_count ? (int)cpu : -1;
}

// --- The fault path ------------------------------------------------------------------

static const char *const kinds[4] = {"synchronous exception", "IRQ", "FIQ", "SError"};

#define ESR_EC(esr) (((esr) >> 26) & 0x3f)
#define EC_DATA_ABORT_SAME_EL 0x25

// Entered by eret from fault_entry with the processor in x0, on its recovery stack.
static _Noreturn void fault_report(uint64_t cpu) {
  struct fault fault = areas[cpu].fault;
  if (fault.count > 1) {  // faulted again while reporting: just leave
    if (cpu == 0) finish(EFI_ABORTED);
    panic("exception while reporting one");  // short: parallel_abort only records it
  }
  if (fault.vector % 4 == 0 && ESR_EC(fault.syndrome) == EC_DATA_ABORT_SAME_EL) {
    switch (paging_classify(fault.address)) {
      case FAULT_LINEAR_MEMORY: wasm_rt_trap(WASM_RT_TRAP_OOB);
      case FAULT_STACK_GUARD: wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
      case FAULT_ELSEWHERE: break;
    }
  }
  panic("%s at 0x%llx (pc 0x%llx = image+0x%llx, ESR 0x%llx, vector %llu)", kinds[fault.vector % 4], fault.address, fault.pc,
        fault.pc - image_base, fault.syndrome, fault.vector);
}

// Called by fault_entry on SP_ELx with the vector's number and SP_EL0 at the fault;
// returns the processor that faulted, for fault_report().
uint64_t fault_redirect(uint64_t vector, uint64_t sp_el0) {
  int cpu = 0;
  if (sp_el0 - WASM_STACKS_BASE < MAX_CPUS * WASM_STACK_STRIDE) cpu = (int)((sp_el0 - WASM_STACKS_BASE) / WASM_STACK_STRIDE);
  else if (interrupts_stack_cpu(sp_el0) >= 0) cpu = interrupts_stack_cpu(sp_el0);  // while reporting
  if (cpu >= area_count) cpu = 0;
  struct cpu_area *area = &areas[cpu];
  area->fault.vector = vector;
  area->fault.count++;
  uint64_t top = (uint64_t)(area->recovery_stack + sizeof area->recovery_stack);
  if (el == 2) {
    area->fault.syndrome = READ_SYSREG(esr_el2);
    area->fault.address = READ_SYSREG(far_el2);
    area->fault.pc = READ_SYSREG(elr_el2);
    WRITE_SYSREG(elr_el2, (uint64_t)fault_report);
    WRITE_SYSREG(spsr_el2, SPSR_EL2T | SPSR_DAIF);
  } else {
    area->fault.syndrome = READ_SYSREG(esr_el1);
    area->fault.address = READ_SYSREG(far_el1);
    area->fault.pc = READ_SYSREG(elr_el1);
    WRITE_SYSREG(elr_el1, (uint64_t)fault_report);
    WRITE_SYSREG(spsr_el1, SPSR_EL1T | SPSR_DAIF);
  }
  WRITE_SYSREG(sp_el0, top);
  return (uint64_t)cpu;
}
