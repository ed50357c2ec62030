// What the firmware's files share: the tables saved at entry, and one small API per file.
#ifndef FIRMWARE_H
#define FIRMWARE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"  // firmware/x86_64/ or firmware/aarch64/, whichever the build targets
#include "call_depth.h"
#include "efi.h"
#include "wasm-rt.h"

#define PAGE_SIZE 4096ull
#define MiB (1024ull * 1024)
#define GiB (1024ull * MiB)

// --- main.c: entry and the end action ------------------------------------------

extern EFI_SYSTEM_TABLE *ST;
extern EFI_BOOT_SERVICES *BS;
extern uint64_t image_base;  // where the firmware loaded us, to turn a fault's PC into an image offset

// Leave whatever is running (wasm stack included) and perform the configured end action.
_Noreturn void finish(EFI_STATUS status);
// The one fatal path: "uefi-llm: error: <message>" once we are back in efi_main with the
// firmware's tables restored, then the end action. Safe anywhere, even in a fault.
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
// Run fn(arg) on the firmware's stack at TPL_APPLICATION. Everything the core's host
// calls ask of the firmware goes through here: drivers may hand buffers on their
// stack to DMA (OVMF's virtio-blk does), and devices only know the identity map, not
// the wasm stack's address in our own page tables.
void firmware_call(void (*fn)(void *), void *arg);

// --- console.c: text out to screens and serial ports, keys in ----------------------

void console_init(void);
// Give the serial ports back to the firmware's drivers (its terminal) before we return to it
// (edk2's boot manager connects its consoles again itself; other firmware may not).
void console_stop(void);
// Bytes of UTF-8 for `stream` (1 program output, 2 diagnostics; each keeps its own
// partial-sequence state). Every device gets them exactly once; '\n' becomes CRLF.
void console_write(int stream, const uint8_t *bytes, size_t len);
// The printf subset we use: %s %.*s %c %d %u %x, with ll or z for 64 bits. Returns the length.
size_t vformat(char *out, size_t cap, const char *fmt, va_list args);
void print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
// A progress bar, one line redrawn with "\r" on screens and serial ports; done == total
// blanks it and leaves the cursor at its start, so the text that follows starts there
// (host/qemu/serial-filter.ts stripProgress() takes it out of a serial log).
void console_progress(const char *label, uint64_t done, uint64_t total);
void console_wait_key(void);
int console_serial_count(void);
// One byte from serial port `port` (0 .. console_serial_count() - 1) if one has come; never waits.
bool console_serial_read(int port, uint8_t *byte);
// Show or hide the text cursor on the screens.
void console_cursor(bool visible);

// --- config.c: the keys of uefi-llm.cfg the firmware acts on itself -------------------

// The value of `key` on its last line in the configuration text (spaces around it
// trimmed); false when no line sets it.
bool config_value(const char *text, size_t len, const char *key, const char **value, size_t *value_len);

// --- screen.c: a small text mode on large screens ------------------------------------

// Set every graphics console to its smallest text mode of at least 80x25 and say so
// in one "screen: " line per screen (serial too). After console_init.
void screen_init(void);
// With "screen = full" in the configuration, go back to the firmware's text modes.
void screen_configure(const char *config, size_t len);

// --- input.c: keys for the chat (assembly/host.ts read_line and interrupted) ----------

// Both run in a firmware_call() job, from ConIn and the serial ports. Edit a line into
// line[0, cap) until Enter, echoing it; the length, or -1 for Ctrl-D on an empty line.
int64_t input_read_line(uint8_t *line, size_t cap);
// Whether Esc or Ctrl-C came since the last call; keys before it are dropped. Never waits.
bool input_interrupted(void);
// Whether any key came since the last call (the server stops on one); never waits.
bool input_key_pressed(void);

// --- <arch>/cpu.c: features and extended state ----------------------------------

// x86-64: enable SSE/AVX/AVX-512 state as far as CPUID allows. aarch64: FP/SIMD on,
// FPCR round to nearest without flush-to-zero; note the exception level.
void cpu_init(void);
void cpu_enable_state(void);     // the same state on another processor, as cpu_init() chose it
// The level of the core's builds this CPU runs (host/toolchain/pipeline.ts numbers
// them per architecture): x86-64 psABI level 1 (baseline) to 4 (AVX-512); aarch64 1
// (Armv8.0-A with Advanced SIMD), 0 without Advanced SIMD.
int cpu_level(void);
const char *cpu_features(void);  // for the banner, e.g. "sse4.2 avx avx2 fma" or "el1 asimd crc32"

// --- cpu.c ----------------------------------------------------------------------------

struct cpu_feature {
  bool on;
  const char *name;
};
// The names of the features that are on, space-separated, in text (cap bytes, the NUL
// included); returns text.
const char *feature_names(const struct cpu_feature *features, size_t count, char *text, size_t cap);

// --- <arch>/timer.c ---------------------------------------------------------------

void timer_init(void);   // x86-64: calibrate the TSC against BootServices->Stall; aarch64: the generic timer's frequency
uint64_t timer_us(void);  // microseconds since timer_init

// --- paging.c: physical pages, our page tables, linear memory and the wasm stack --

// AllocatePages, remembered so pages_free_all() can give everything back on "return".
uint64_t pages_alloc(uint64_t pages);  // physical address, or 0
void pages_free_all(void);
uint64_t pages_free_mib(void);          // conventional memory left, from the memory map

void paging_init(int cpus);  // build our tables: the firmware's identity map + our slot, a stack per processor
void paging_enter(int cpu);  // load our tables on processor `cpu`, remembering what it had
void paging_leave(int cpu);  // and put that back

// What paging.c asks of the architecture (<arch>/mmu.c). Our tables are the
// firmware's top-level table copied, sharing everything below it (hence its identity
// map), with slot 256 (REGION_BASE) ours.
extern uint64_t pte_table, pte_page;  // the attribute bits of a table entry and of a data page
uint64_t *mmu_init(uint64_t *(*new_table)(void));  // our top-level table, or panic
void mmu_enter(int cpu, uint64_t *top);
void mmu_leave(int cpu);
void mmu_flush(void);  // drop cached translations of what was just unmapped

// Linear memory lives at linear_base, followed by an unmapped reservation of
// LINEAR_RESERVATION bytes in all, so every wasm32 address + offset faults past the end.
extern uint8_t *const linear_base;
#define LINEAR_RESERVATION (16 * GiB)
// Map fresh zeroed pages at [offset, offset + bytes); false (nothing mapped) when out of memory.
bool linear_map(uint64_t offset, uint64_t bytes);
// Physical (identity-mapped) address of linear offset, and how many bytes from there are contiguous.
uint8_t *linear_physical(uint64_t offset, uint64_t *contiguous);

// The stack processor `cpu` runs the core on (call_depth.h); below it, unmapped space
// so an overflow faults. The other processors only run job(), which goes a few calls deep.
uint8_t *paging_stack_top(int cpu);
#define WASM_STACK_SIZE (8 * MiB)
#define WASM_AP_STACK_SIZE (1 * MiB)

enum fault_region { FAULT_ELSEWHERE, FAULT_LINEAR_MEMORY, FAULT_STACK_GUARD };
enum fault_region paging_classify(uint64_t address);

// --- <arch>/interrupts.c or exceptions.c: our fault handler -----------------------
//
// A page fault in linear memory's reservation is the wasm trap "out of bounds memory
// access", one in a stack's guard "call stack exhausted", any other a panic.

// One fault and recovery stack per processor (x86-64: a TSS each, shared GDT and IDT).
void interrupts_init(int cpus);
void interrupts_enter(int cpu);  // install ours on processor `cpu`, remembering what it had
void interrupts_leave(int cpu);  // and put that back
// Around every firmware_call: let the firmware handle its own interrupts while it
// runs, and take over again after (aarch64: its vectors and IRQs unmasked; x86-64:
// nothing, our IDT holds the firmware's gates).
void interrupts_firmware_begin(void);
void interrupts_firmware_end(void);
// Which processor's fault or recovery stack `address` is on, or -1.
int interrupts_stack_cpu(uint64_t address);

// --- parallel.c: the other processors, through EFI MP Services ---------------------

// How many processors parallel_for may use (1 without MP Services, after a WARNING).
int parallel_init(void);
// Start the other processors waiting for jobs; they run on our tables from now on.
void parallel_start(void);
// Ask them to leave our tables and return to the firmware, and wait (bounded) until
// they have. Called by efi_main, at TPL_APPLICATION, on every way out.
void parallel_stop(void);
// Without MP Services, the architecture's own way to the other processors
// (<arch>/smp.c; x86-64 has none): how many processors there are in all (1: none can
// be started), and start processors 1 .. count - 1 each running ap_main(NULL), which
// numbers them itself; a processor powers itself off when ap_main returns. Returns
// 1 + the number started.
int smp_init(void);
int smp_start(int count, void (*ap_main)(void *));
// The processor running this: 0 the boot processor, from the stack pointer.
int parallel_this_cpu(void);
// On another processor: record the failure for the boot processor and leave the job.
_Noreturn void parallel_abort(const char *fmt, va_list args);

// --- main.c: the chosen build's job export, for parallel.c -------------------------

void core_job(uint32_t index);

// --- <arch>/<arch>.S ------------------------------------------------------------------

// Run fn(arg) on one of our wasm stacks, stack_top 16-byte aligned; returns when fn
// returns. aarch64: on SP_EL0, so that exceptions still find the firmware's stack in
// SP_ELx.
void call_on_stack(void (*fn)(void *), void *arg, void *stack_top);
// From a wasm stack, run fn(arg) on the firmware's stack at stack_top (below the
// frame that called call_on_stack).
void call_on_firmware_stack(void (*fn)(void *), void *arg, void *stack_top);

// --- network.c: TCP over the firmware's network stack, for the net_* imports -------------

// Each runs in a firmware_call() job; handles and results are those of assembly/host.ts
// net_*. network_listen connects the network drivers, waits (bounded) for an address
// by DHCP and prints the URL, or prints why there is no network and returns -1.
int32_t network_listen(uint16_t port);
// *stop: a key was pressed while waiting; the server is to stop.
int32_t network_accept(int32_t listener, uint32_t timeout_ms, bool *stop);
int32_t network_read(int32_t conn, uint8_t *dst, uint32_t cap, uint32_t timeout_ms);
int32_t network_write(int32_t conn, const uint8_t *src, uint32_t len);
void network_close(int32_t handle);
// On every way out (efi_main, at TPL_APPLICATION): abort every connection and destroy
// every TCP child, so the network stack keeps no pointer into our memory.
void network_stop(void);

// --- host.c: the host interface imports --------------------------------------------

struct w2c_host {
  wasm_rt_memory_t *memory;  // the core's linear memory, for pointer arguments
};
void host_init(EFI_HANDLE device);  // open the root of the partition we were loaded from
// Read a whole file from that root into pool memory; NULL if it cannot be opened.
char *host_read_file(const char *path, size_t *len);

#endif
