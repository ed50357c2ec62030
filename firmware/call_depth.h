// Where each processor's wasm stack lies, and wasm2c's call-depth counter, one per
// processor. Included by firmware.h and, first of all (-include, host/toolchain/pipeline.ts),
// into every build of the core, which is compiled with
// -Dwasm_rt_call_stack_depth=(*call_depth()): several processors run the core's job()
// at once (parallel.c), and one global counter would be a data race.
//
// Processor i (0 is the boot processor) runs the core on the stack that ends at
// WASM_STACKS_BASE + (i + 1) * WASM_STACK_STRIDE, inside our own page-table slot
// (paging.c); the rest of its stride is unmapped guard. So the stack pointer alone says
// which processor runs: no CPUID or MSR read, which are slow under virtualization.
#ifndef CALL_DEPTH_H
#define CALL_DEPTH_H

#include <stdint.h>

#define MAX_CPUS 256
// Our slot + 64 GiB, 4 GiB aligned (REGION_BASE: firmware/<arch>/arch.h; the core never needs it).
#define WASM_STACKS_BASE (REGION_BASE + (64ull << 30))
#define WASM_STACK_STRIDE (1ull << 24)  // 16 MiB per processor

// One counter per processor, each on a cache line of its own (wasm_rt.c).
extern uint32_t wasm_call_depths[MAX_CPUS][16];

// Not volatile: within one function the stack pointer's stride never changes.
static inline uint32_t *call_depth(void) {
  uint64_t sp;
#if defined(__x86_64__)
  __asm__("mov %%rsp, %0" : "=r"(sp));
#elif defined(__aarch64__)
  __asm__("mov %0, sp" : "=r"(sp));
#else
#error "call_depth(): which register is the stack pointer?"
#endif
  return &wasm_call_depths[(sp / WASM_STACK_STRIDE) % MAX_CPUS][0];
}

#endif
