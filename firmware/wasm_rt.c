// The wasm2c runtime (the functions wasm-rt.h declares that the generated core
// calls), for our one linear memory with guard pages. A trap is a bug in the core:
// it panics with the trap's name and leaves through the end action. Every build of
// the core (one per x86-64 level, main.c) calls the same functions; only the one
// chosen at boot is ever instantiated, so there is still one memory and one table.
#if !defined(WASM_RT_MEMCHECK_SIGNAL_HANDLER) || !defined(WASM_RT_USE_STACK_DEPTH_COUNT) || !defined(WASM_RT_MAX_CALL_STACK_DEPTH)
#error "set WASM_RT_MEMCHECK_SIGNAL_HANDLER, WASM_RT_USE_STACK_DEPTH_COUNT and WASM_RT_MAX_CALL_STACK_DEPTH explicitly (host/toolchain/pipeline.ts)"
#endif
// Bounds are checked by the guard pages of paging.c, so the generated code must not
// check them itself and may not run without them.
#if WASM_RT_MEMCHECK_SIGNAL_HANDLER != 1
#error "the firmware's linear memory is built for WASM_RT_MEMCHECK_SIGNAL_HANDLER=1 (guard pages)"
#endif
// The call-depth count traps deep recursion long before the 8 MiB stack runs out;
// the guard below the stack is the backstop.
#if WASM_RT_USE_STACK_DEPTH_COUNT != 1
#error "keep wasm2c's call-depth counting on (WASM_RT_USE_STACK_DEPTH_COUNT=1)"
#endif

#include <string.h>

#include "firmware.h"

// The core counts its call depth per processor (call_depth.h); the firmware itself never does.
_Alignas(64) uint32_t wasm_call_depths[MAX_CPUS][16];

static bool initialized;

void wasm_rt_init(void) { initialized = true; }
bool wasm_rt_is_initialized(void) { return initialized; }

static const char *trap_name(wasm_rt_trap_t trap) {
  switch (trap) {
    case WASM_RT_TRAP_NONE: break;
    case WASM_RT_TRAP_OOB: return "out of bounds memory access";
    case WASM_RT_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "integer divide by zero";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case WASM_RT_TRAP_UNREACHABLE: return "unreachable";
    case WASM_RT_TRAP_CALL_INDIRECT: return "invalid indirect call";
    case WASM_RT_TRAP_UNCAUGHT_EXCEPTION: return "uncaught exception";
    case WASM_RT_TRAP_EXHAUSTION: return "call stack exhausted";
  }
  return "unknown trap";
}

WASM_RT_NO_RETURN void wasm_rt_trap(wasm_rt_trap_t trap) { panic("wasm trap: %s", trap_name(trap)); }

// Function signatures for call_indirect checks: each distinct signature gets an
// index, stored as bytes [params, results, types...] one after another.
static uint8_t signatures[8192];
static size_t signatures_used;
static uint32_t signature_count;

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  uint8_t signature[256];
  if (params + results + 2 > sizeof signature) panic("wasm function type with %u parameters and %u results is too large", params, results);
  signature[0] = (uint8_t)params;
  signature[1] = (uint8_t)results;
  va_list args;
  va_start(args, results);
  for (uint32_t i = 0; i < params + results; i++) signature[2 + i] = (uint8_t)va_arg(args, int);
  va_end(args);
  size_t length = params + results + 2;

  size_t at = 0;
  for (uint32_t index = 1; index <= signature_count; index++) {
    size_t stored = signatures[at] + signatures[at + 1] + 2u;
    if (stored == length && memcmp(signatures + at, signature, length) == 0) return index;
    at += stored;
  }
  if (signatures_used + length > sizeof signatures) panic("too many wasm function types");
  memcpy(signatures + signatures_used, signature, length);
  signatures_used += length;
  return ++signature_count;
}

// memory->size is a uint32_t: 65536 pages (4 GiB) would wrap it to 0.
#define MAX_PAGES 65535u

void wasm_rt_allocate_memory(wasm_rt_memory_t *memory, uint32_t initial_pages, uint32_t max_pages) {
  if (memory->data == linear_base) panic("the core has more than one linear memory");
  memory->data = linear_base;
  memory->pages = memory->size = 0;
  memory->max_pages = max_pages < MAX_PAGES ? max_pages : MAX_PAGES;
  if (wasm_rt_grow_memory(memory, initial_pages) == UINT32_MAX)
    panic("out of memory for the core's initial %u MiB of linear memory", initial_pages / 16);
}

struct grow_job {
  uint64_t offset, bytes;
  bool mapped;
};

static void grow_job(void *arg) {
  struct grow_job *job = arg;
  job->mapped = linear_map(job->offset, job->bytes);
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t *memory, uint32_t delta) {
  uint32_t old_pages = memory->pages;
  if (delta > memory->max_pages - old_pages) return UINT32_MAX;
  if (delta) {
    struct grow_job job = {(uint64_t)old_pages << 16, (uint64_t)delta << 16, false};
    firmware_call(grow_job, &job);
    if (!job.mapped) return UINT32_MAX;
  }
  memory->pages = old_pages + delta;
  memory->size = memory->pages << 16;
  return old_pages;
}

// pages_free_all() gives every page back when the program ends.
void wasm_rt_free_memory(wasm_rt_memory_t *memory) { (void)memory; }

struct table_job {
  uint64_t pages;
  void *data;
};

static void table_job(void *arg) {
  struct table_job *job = arg;
  job->data = (void *)pages_alloc(job->pages);
}

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t *table, uint32_t elements, uint32_t max_elements) {
  uint64_t bytes = (uint64_t)elements * sizeof(wasm_rt_funcref_t);
  struct table_job job = {(bytes + PAGE_SIZE - 1) / PAGE_SIZE, NULL};
  if (elements) {
    firmware_call(table_job, &job);
    if (!job.data) panic("out of memory for the core's function table");
    memset(job.data, 0, bytes);
  }
  table->data = job.data;
  table->size = elements;
  table->max_size = max_elements;
}

void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t *table) { (void)table; }
