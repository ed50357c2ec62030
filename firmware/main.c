// Entry point: set the machine up, run the core on uefi-llm.cfg, then the end action.
//
// Every way out, success, run() failing, a trap or a panic, ends in efi_main after
// the setjmp: we are then back on the firmware's stack, restore its page tables,
// descriptor tables and TPL, print the error if there was one, and do what the
// configuration's "end" key asks.
//
// While the core runs, the CPU is on the wasm stack, which exists only in our page
// tables, at TPL_NOTIFY so that no event notification (driver code) runs there from a
// timer interrupt. Firmware work goes through firmware_call(), which goes back to the
// firmware's stack and TPL_APPLICATION for the duration.
#include <setjmp.h>
#include <string.h>

#include "core.h"
#include "firmware.h"

#ifndef UEFI_LLM_VERSION
#error "define UEFI_LLM_VERSION (host/build/pipeline.ts passes package.json's version)"
#endif

#define CONFIG_FILE "uefi-llm.cfg"

EFI_SYSTEM_TABLE *ST;
EFI_BOOT_SERVICES *BS;
static EFI_HANDLE image_handle;
uint64_t image_base;

enum end_action { END_WAIT, END_SHUTDOWN, END_RETURN };

static enum end_action end_action = END_WAIT;
static jmp_buf finish_point;
static EFI_STATUS finish_status;
static char panic_message[1024];
static bool own_tables;   // our CR3, GDT and IDT are loaded
static bool core_running;  // on the wasm stack at TPL_NOTIFY, or in a firmware_call from there
static uint8_t *firmware_stack;  // free part of the firmware's stack while the core runs

_Noreturn void finish(EFI_STATUS status) {
  finish_status = status;
  longjmp(finish_point, 1);
}

// Only formats: printing calls the firmware, which must wait until efi_main has
// left the wasm stack and our tables.
_Noreturn void panic(const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vformat(panic_message, sizeof panic_message, fmt, args);
  va_end(args);
  finish(EFI_ABORTED);
}

struct job {
  void (*fn)(void *);
  void *arg;
};

static void run_job(void *arg) {
  struct job *job = arg;
  BS->RestoreTPL(TPL_APPLICATION);  // pending event notifications run now, on this stack
  job->fn(job->arg);
  BS->RaiseTPL(TPL_NOTIFY);
}

void firmware_call(void (*fn)(void *), void *arg) {
  struct job job = {fn, arg};
  call_on_stack(run_job, &job, firmware_stack);
}

static bool equals(const char *s, const char *end, const char *word) {
  size_t n = strlen(word);
  return (size_t)(end - s) == n && memcmp(s, word, n) == 0;
}

// The firmware reads only the "end = shutdown|return|wait" line; the core checks the rest.
static enum end_action parse_end(const char *text, size_t len) {
  enum end_action action = END_WAIT;
  const char *end_of_text = text + len;
  for (const char *line = text; line < end_of_text;) {
    const char *eol = line;
    while (eol < end_of_text && *eol != '\n') eol++;
    const char *s = line, *e = eol;
    line = eol + 1;
    while (s < e && (*s == ' ' || *s == '\t')) s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
    const char *key_end = s;
    while (key_end < e && *key_end != '=' && *key_end != ' ' && *key_end != '\t') key_end++;
    if (!equals(s, key_end, "end")) continue;
    const char *value = key_end;
    while (value < e && (*value == ' ' || *value == '\t')) value++;
    if (value == e || *value != '=') continue;
    value++;
    while (value < e && (*value == ' ' || *value == '\t')) value++;
    if (equals(value, e, "shutdown")) action = END_SHUTDOWN;
    else if (equals(value, e, "return")) action = END_RETURN;
    else if (equals(value, e, "wait")) action = END_WAIT;
    else warn("end = %.*s in %s is not shutdown, return or wait; waiting for a key", (int)(e - value), value, CONFIG_FILE);
  }
  return action;
}

static Z_core_instance_t core;
static struct Z_host_instance_t host;

struct config {
  const char *text;
  size_t len;
};

// On the wasm stack: instantiate the core and call run(config).
static void run_core(void *arg) {
  struct config *config = arg;
  wasm_rt_init();
  Z_core_init_module();
  Z_core_instantiate(&core, &host);
  host.memory = Z_coreZ_memory(&core);

  uint32_t ptr = Z_coreZ_alloc(&core, (uint32_t)config->len);
  if ((uint64_t)ptr + config->len > host.memory->size) panic("alloc() returned room outside the core's memory");
  memcpy(host.memory->data + ptr, config->text, config->len);
  if (Z_coreZ_run(&core, ptr, (uint32_t)config->len) == 0) return;

  uint32_t message = Z_coreZ_error_ptr(&core), message_len = Z_coreZ_error_len(&core);
  if ((uint64_t)message + message_len > host.memory->size) panic("run() failed; its error message lies outside the core's memory");
  panic("%.*s", (int)message_len, (const char *)host.memory->data + message);
}

static void boot(void) {
  console_init();
  EFI_STATUS status = BS->SetWatchdogTimer(0, 0, 0, NULL);
  if (EFI_ERROR(status)) warn("cannot disable the watchdog timer (status=0x%llx); the firmware may reset the machine", status);
  cpu_init();
  print("uefi-llm %s | cpu: %s | memory: %llu MiB free\n", UEFI_LLM_VERSION, cpu_features(), pages_free_mib());
  cpu_require_core_isa();
  timer_init();

  EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
  EFI_LOADED_IMAGE_PROTOCOL *loaded_image;
  if (EFI_ERROR(BS->HandleProtocol(image_handle, &loaded_image_guid, (void **)&loaded_image)))
    panic("the firmware does not say where uefi-llm was loaded from");
  image_base = (uint64_t)loaded_image->ImageBase;
  host_init(loaded_image->DeviceHandle);

  struct config config;
  config.text = host_read_file(CONFIG_FILE, &config.len);
  if (!config.text) panic("cannot open %s at the root of the boot partition", CONFIG_FILE);
  end_action = parse_end(config.text, config.len);

  paging_init();
  interrupts_init();
  paging_enter();
  interrupts_enter();
  own_tables = true;
  // Below this frame only call_on_stack's return address and saved rbp are in use.
  uint64_t rsp;
  __asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
  firmware_stack = (uint8_t *)((rsp - 64) & ~15ull);
  BS->RaiseTPL(TPL_NOTIFY);
  core_running = true;
  call_on_stack(run_core, &config, wasm_stack_top);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table) {
  ST = system_table;
  BS = system_table->BootServices;
  image_handle = image;
  if (setjmp(finish_point) == 0) {
    boot();
    finish_status = EFI_SUCCESS;
  }
  if (own_tables) {
    interrupts_leave();
    paging_leave();
    own_tables = false;
  }
  if (core_running) {
    BS->RestoreTPL(TPL_APPLICATION);
    core_running = false;
  }
  if (panic_message[0]) print("uefi-llm: error: %s\n", panic_message);
  switch (end_action) {
    case END_RETURN: pages_free_all(); return finish_status;
    case END_WAIT: print("Press any key to shut down.\n"); console_wait_key(); break;
    case END_SHUTDOWN: break;
  }
  ST->RuntimeServices->ResetSystem(EfiResetShutdown, finish_status, 0, NULL);
  return finish_status;  // ResetSystem does not return; if it ever does, the firmware takes over
}
