/* The wasm2c runtime (firmware/wasm-rt.h) for a Linux process, the native backend's
 * counterpart of firmware/wasm_rt.c: linear memory at the start of an 8 GiB
 * reservation whose unmapped rest is the guard space, so any wasm32 address plus
 * offset past the end faults; the SIGSEGV handler turns such a fault into the trap
 * "out of bounds memory access". A trap ends the program with exit code 3 and one
 * line on stderr: as on bare metal, it is a bug in the core, not something to resume. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wasm-rt.h"

#define TRAP_EXIT_CODE 3
/* A wasm32 address (< 4 GiB) plus a constant offset (< 4 GiB) plus the access size. */
#define RESERVATION ((8ull << 30) + WASM_DEFAULT_PAGE_SIZE)
#define MAX_PAGES 65536u

_Thread_local uint32_t thread_call_depth;

static bool initialized;
static uint8_t *reservation;  /* the one linear memory's; NULL until it is allocated */

static void write_error(const char *text) {
  ssize_t written = write(STDERR_FILENO, text, strlen(text));
  (void)written; /* nowhere left to report a failure */
}

/* The text printed so far first, as on the firmware's console. fflush is not
 * async-signal-safe, but the faults we report come from the core's own loads and
 * stores, never from inside stdio. */
static _Noreturn void report_trap(wasm_rt_trap_t trap) {
  fflush(stdout);
  write_error("uefi-llm: wasm trap in the core: ");
  write_error(wasm_rt_strerror(trap));
  write_error("\n");
  _exit(TRAP_EXIT_CODE);
}

WASM_RT_NO_RETURN void wasm_rt_trap(wasm_rt_trap_t trap) { report_trap(trap); }

static void on_fault(int signal, siginfo_t *info, void *context) {
  (void)context;
  uint8_t *address = info->si_addr;
  if (reservation && address >= reservation && address < reservation + RESERVATION) report_trap(WASM_RT_TRAP_OOB);
  /* Not the core's memory: a crash like any other. */
  sigaction(signal, &(struct sigaction){.sa_handler = SIG_DFL}, NULL);
  raise(signal);
}

void wasm_rt_init(void) {
  struct sigaction action = {.sa_sigaction = on_fault, .sa_flags = SA_SIGINFO};
  sigemptyset(&action.sa_mask);
  sigaction(SIGSEGV, &action, NULL);
  sigaction(SIGBUS, &action, NULL);
  initialized = true;
}

bool wasm_rt_is_initialized(void) { return initialized; }

static _Noreturn void fail(const char *message) {
  fprintf(stderr, "uefi-llm: %s\n", message);
  exit(2);
}

void wasm_rt_allocate_memory(wasm_rt_memory_t *memory, uint64_t initial_pages, uint64_t max_pages, bool is64, uint32_t page_size) {
  if (is64 || page_size != WASM_DEFAULT_PAGE_SIZE) fail("the core asks for a memory64 or custom page size, which this runtime lacks");
  if (reservation) fail("the core has more than one linear memory");
  void *base = mmap(NULL, RESERVATION, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) fail("cannot reserve address space for the core's linear memory");
  reservation = base;
  memory->data = reservation;
  memory->pages = memory->size = 0;
  memory->is64 = false;
  memory->max_pages = max_pages < MAX_PAGES ? max_pages : MAX_PAGES;
  if (wasm_rt_grow_memory(memory, initial_pages) == UINT64_MAX) fail("out of memory for the core's initial linear memory");
}

/* Growth makes the next pages of the reservation accessible: the memory never moves. */
uint64_t wasm_rt_grow_memory(wasm_rt_memory_t *memory, uint64_t delta) {
  uint64_t old_pages = memory->pages;
  if (delta > memory->max_pages - old_pages) return UINT64_MAX;
  if (delta && mprotect(memory->data + memory->size, delta * WASM_DEFAULT_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0) return UINT64_MAX;
  memory->pages = old_pages + delta;
  memory->size = memory->pages * WASM_DEFAULT_PAGE_SIZE;
  return old_pages;
}

/* The process's end gives everything back. */
void wasm_rt_free_memory(wasm_rt_memory_t *memory) { (void)memory; }

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t *table, uint32_t elements, uint32_t max_elements) {
  table->data = calloc(elements ? elements : 1, sizeof *table->data); /* calloc(0) may be NULL, which means failure here */
  if (!table->data) fail("out of memory for the core's function table");
  table->size = elements;
  table->max_size = max_elements;
}

void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t *table) { free(table->data); }
