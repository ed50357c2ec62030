// The wasm2c runtime (the functions wasm-rt.h declares that the generated core
// calls), for our one linear memory with guard pages. A trap is a bug in the core:
// it panics with the trap's name and leaves through the end action. Every build of
// the core (one per x86-64 level, main.c) calls the same functions; only the one
// chosen at boot is ever instantiated, so there is still one memory and one table.
#include <string.h>

#include "firmware.h"

// The core counts its call depth per processor (call_depth.h); the firmware itself never does.
_Alignas(64) uint32_t wasm_call_depths[MAX_CPUS][16];

static bool initialized;

void wasm_rt_init(void) { initialized = true; }
bool wasm_rt_is_initialized(void) { return initialized; }

WASM_RT_NO_RETURN void wasm_rt_trap(wasm_rt_trap_t trap) { panic("wasm trap: %s", wasm_rt_strerror(trap)); }

// All of wasm32's 4 GiB fit in front of the guard space (LINEAR_RESERVATION).
#define MAX_PAGES 65536u

void wasm_rt_allocate_memory(wasm_rt_memory_t *memory, uint64_t initial_pages, uint64_t max_pages, bool is64, uint32_t page_size) {
  if (is64 || page_size != WASM_DEFAULT_PAGE_SIZE) panic("the core asks for a memory64 or custom page size, which this runtime lacks");
  if (memory->data == linear_base) panic("the core has more than one linear memory");
  memory->data = linear_base;
  memory->pages = memory->size = 0;
  memory->is64 = false;
  memory->max_pages = max_pages < MAX_PAGES ? max_pages : MAX_PAGES;
  if (wasm_rt_grow_memory(memory, initial_pages) == UINT64_MAX)
    panic("out of memory for the core's initial %llu MiB of linear memory", initial_pages / 16);
}

struct grow_job {
  uint64_t offset, bytes;
  bool mapped;
};

static void grow_job(void *arg) {
  struct grow_job *job = arg;
  job->mapped = linear_map(job->offset, job->bytes);
}

uint64_t wasm_rt_grow_memory(wasm_rt_memory_t *memory, uint64_t delta) {
  uint64_t old_pages = memory->pages;
  if (delta > memory->max_pages - old_pages) return UINT64_MAX;
  if (delta) {
    struct grow_job job = {old_pages << 16, delta << 16, false};
    firmware_call(grow_job, &job);
    if (!job.mapped) return UINT64_MAX;
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
