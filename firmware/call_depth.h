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
#define WASM_STACKS_BASE 0xffff801000000000ull  // our slot + 64 GiB: 4 GiB aligned
#define WASM_STACK_STRIDE (1ull << 24)          // 16 MiB per processor
_Static_assert(WASM_STACKS_BASE % (MAX_CPUS * WASM_STACK_STRIDE) == 0, "call_depth() masks the stack pointer");

// One counter per processor, each on a cache line of its own (wasm_rt.c).
extern uint32_t wasm_call_depths[MAX_CPUS][16];

// Not volatile: within one function the stack pointer's stride never changes.
static inline uint32_t *call_depth(void) {
  uint64_t rsp;
  __asm__("mov %%rsp, %0" : "=r"(rsp));
  return &wasm_call_depths[(rsp / WASM_STACK_STRIDE) % MAX_CPUS][0];
}

#endif
