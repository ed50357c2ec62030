// The host interface (assembly/host.ts) for UEFI, one to one with the Node runner
// (host/runner/imports.ts): output to the consoles, read-only files relative to the
// root of the partition we were loaded from, a microsecond clock, the chat's keys
// (input.c), and the server's sockets (network.c). Like there, a handle that is not
// open gives -1 (file_size, file_read) or is ignored (file_close), and a directory
// cannot be opened. Pointers
// are offsets into the core's linear memory; one that reaches past its end traps as
// an out-of-bounds access, as the Node runner throws a RangeError.
#include <string.h>

#include "core.h"
#include "firmware.h"

#define MAX_FILES 16
#define MAX_READ (16 * MiB)      // per firmware Read(): some drivers fail on larger requests
#define PROGRESS_FROM (8 * MiB)  // files at least this big get a progress bar on screen

static EFI_FILE_PROTOCOL *root;

static struct {
  EFI_FILE_PROTOCOL *file;  // NULL: slot free
  uint64_t size;
  char name[48];  // for the progress bar
} files[MAX_FILES];

void host_init(EFI_HANDLE device) {
  EFI_GUID file_system_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
  EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *file_system;
  if (EFI_ERROR(BS->HandleProtocol(device, &file_system_guid, (void **)&file_system)) ||
      EFI_ERROR(file_system->OpenVolume(file_system, &root)))
    panic("cannot open the file system uefi-llm was loaded from");
}

// UTF-8 path -> UCS-2 path relative to the root, '/' as '\'. NULL if it does not fit
// or is not valid UTF-8 inside the Basic Multilingual Plane.
static CHAR16 *efi_path(const uint8_t *path, size_t len) {
  static CHAR16 out[512];
  size_t n = 0, i = 0;
  while (i < len && (path[i] == '/' || path[i] == '\\')) i++;
  while (i < len) {
    uint32_t c = path[i++];
    int more = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : -1;
    if (more < 0) return NULL;
    c &= more == 0 ? 0x7f : more == 1 ? 0x1f : 0x0f;
    for (; more; more--) {
      if (i == len || (path[i] & 0xc0) != 0x80) return NULL;
      c = c << 6 | (path[i++] & 0x3f);
    }
    if (c == 0 || n + 1 == sizeof out / sizeof out[0]) return NULL;
    out[n++] = c == '/' ? '\\' : (CHAR16)c;
  }
  out[n] = 0;
  return out;
}

static EFI_FILE_PROTOCOL *open_file(const uint8_t *path, size_t len, uint64_t *size) {
  uint8_t info_buffer[sizeof(EFI_FILE_INFO) + 1024];  // FileName follows the fixed part
  EFI_GUID info_guid = EFI_FILE_INFO_ID;
  CHAR16 *name = efi_path(path, len);
  EFI_FILE_PROTOCOL *file;
  if (!name || EFI_ERROR(root->Open(root, &file, name, EFI_FILE_MODE_READ, 0))) return NULL;
  UINTN info_size = sizeof info_buffer;
  EFI_FILE_INFO *info = (EFI_FILE_INFO *)info_buffer;
  if (EFI_ERROR(file->GetInfo(file, &info_guid, &info_size, info)) || (info->Attribute & EFI_FILE_DIRECTORY)) {
    file->Close(file);
    return NULL;
  }
  *size = info->FileSize;
  return file;
}

char *host_read_file(const char *path, size_t *len) {
  uint64_t size;
  char *text;
  EFI_FILE_PROTOCOL *file = open_file((const uint8_t *)path, strlen(path), &size);
  if (!file) return NULL;
  UINTN read = size;
  // + 1: an empty file still gets a buffer
  if (EFI_ERROR(BS->AllocatePool(EfiLoaderData, size + 1, (void **)&text)) || EFI_ERROR(file->Read(file, &read, text)))
    panic("cannot read %s", path);
  file->Close(file);
  *len = read;
  return text;
}

static uint8_t *linear(struct w2c_host *host, uint32_t ptr, uint32_t len) {
  if ((uint64_t)ptr + len > host->memory->size) wasm_rt_trap(WASM_RT_TRAP_OOB);
  return host->memory->data + ptr;
}

// --- Imports ---------------------------------------------------------------------------
//
// Each import checks its arguments on the wasm stack, then does the firmware work in
// a job run by firmware_call() (main.c).

struct write_job {
  int stream;
  const uint8_t *bytes;
  size_t len;
};

static void write_job(void *arg) {
  struct write_job *job = arg;
  console_write(job->stream, job->bytes, job->len);
}

void w2c_host_write(struct w2c_host *host, u32 stream, u32 ptr, u32 len) {
  struct write_job job = {(int)stream, linear(host, ptr, len), len};
  firmware_call(write_job, &job);
}

struct open_job {
  const uint8_t *path;
  size_t len;
  uint32_t handle;  // in: a free slot; out: MAX_FILES when it cannot be opened
};

static void open_job(void *arg) {
  struct open_job *job = arg;
  files[job->handle].file = open_file(job->path, job->len, &files[job->handle].size);
  if (!files[job->handle].file) job->handle = MAX_FILES;
}

u32 w2c_host_file_open(struct w2c_host *host, u32 path_ptr, u32 path_len) {
  struct open_job job = {linear(host, path_ptr, path_len), path_len, 0};
  while (job.handle < MAX_FILES && files[job.handle].file) job.handle++;
  if (job.handle == MAX_FILES) return (u32)-1;
  firmware_call(open_job, &job);
  if (job.handle == MAX_FILES) return (u32)-1;
  // The last path component names the progress bar.
  size_t start = path_len;
  while (start > 0 && job.path[start - 1] != '/' && job.path[start - 1] != '\\') start--;
  size_t n = path_len - start < sizeof files[0].name - 1 ? path_len - start : sizeof files[0].name - 1;
  memcpy(files[job.handle].name, job.path + start, n);
  files[job.handle].name[n] = 0;
  return job.handle;
}

static bool is_open(uint32_t handle) { return handle < MAX_FILES && files[handle].file; }

u64 w2c_host_file_size(struct w2c_host *host, u32 handle) {
  (void)host;
  return is_open(handle) ? files[handle].size : (u64)-1;
}

struct read_job {
  uint32_t handle;
  uint64_t offset;
  uint32_t dst, len;
  uint32_t result;
};

// Reads land directly in linear memory, through its physical (identity-mapped)
// address: disk drivers DMA into the buffer, and devices know nothing of our page
// tables.
static void read_job(void *arg) {
  struct read_job *job = arg;
  EFI_FILE_PROTOCOL *file = files[job->handle].file;
  uint64_t size = files[job->handle].size;
  job->result = 0;
  if (job->offset >= size) return;
  if (EFI_ERROR(file->SetPosition(file, job->offset))) {
    job->result = (uint32_t)-1;
    return;
  }
  while (job->result < job->len) {
    uint64_t contiguous;
    uint8_t *buffer = linear_physical((uint64_t)job->dst + job->result, &contiguous);
    UINTN n = job->len - job->result;
    if (n > contiguous) n = contiguous;
    if (n > MAX_READ) n = MAX_READ;
    if (EFI_ERROR(file->Read(file, &n, buffer))) {
      job->result = (uint32_t)-1;
      return;
    }
    if (n == 0) return;  // end of file
    job->result += (uint32_t)n;
    if (size >= PROGRESS_FROM) console_progress(files[job->handle].name, job->offset + job->result, size);
  }
}

u32 w2c_host_file_read(struct w2c_host *host, u32 handle, u64 offset, u32 dst, u32 len) {
  linear(host, dst, len);
  if (!is_open(handle)) return (u32)-1;
  struct read_job job = {handle, offset, dst, len, 0};
  firmware_call(read_job, &job);
  return job.result;
}

static void close_job(void *arg) {
  EFI_FILE_PROTOCOL *file = arg;
  file->Close(file);
}

void w2c_host_file_close(struct w2c_host *host, u32 handle) {
  (void)host;
  if (!is_open(handle)) return;
  firmware_call(close_job, files[handle].file);
  files[handle].file = NULL;
}

u64 w2c_host_clock_us(struct w2c_host *host) {
  (void)host;
  return timer_us();
}

struct read_line_job {
  uint8_t *line;
  size_t cap;
  int64_t result;
};

static void read_line_job(void *arg) {
  struct read_line_job *job = arg;
  job->result = input_read_line(job->line, job->cap);
}

// Edits in place in linear memory: the line never passes cap, and input.c keeps
// every character whole, so the core gets valid UTF-8.
u32 w2c_host_read_line(struct w2c_host *host, u32 dst, u32 cap) {
  struct read_line_job job = {linear(host, dst, cap), cap, -1};
  firmware_call(read_line_job, &job);
  return (u32)job.result;
}

#define INTERRUPT_POLL_US 10000  // a firmware call per token would slow small models down

static void interrupted_job(void *arg) { *(bool *)arg = input_interrupted(); }

u32 w2c_host_interrupted(struct w2c_host *host) {
  (void)host;
  static uint64_t last_poll;
  uint64_t now = timer_us();
  if (now - last_poll < INTERRUPT_POLL_US) return 0;
  last_poll = now;
  bool stop = false;
  firmware_call(interrupted_job, &stop);
  return stop;
}

// Sockets for the core's HTTP server (network.c). A key pressed while the server waits
// for connections stops it: the configured end action follows, as after a generation.

struct net_job {
  int32_t handle;
  uint16_t port;
  uint8_t *bytes;
  uint32_t len, timeout_ms;
  bool stop;
  int32_t result;
};

static void listen_job(void *arg) {
  struct net_job *job = arg;
  job->result = network_listen(job->port);
}

// The address is ignored: the stick listens on the one DHCP gives it.
u32 w2c_host_net_listen(struct w2c_host *host, u32 host_ptr, u32 host_len, u32 port) {
  linear(host, host_ptr, host_len);
  if (port == 0 || port > 65535) return (u32)-1;
  struct net_job job = {.port = (uint16_t)port};
  firmware_call(listen_job, &job);
  return (u32)job.result;
}

static void accept_job(void *arg) {
  struct net_job *job = arg;
  job->result = network_accept(job->handle, job->timeout_ms, &job->stop);
}

u32 w2c_host_net_accept(struct w2c_host *host, u32 listener, u32 timeout_ms) {
  (void)host;
  struct net_job job = {.handle = (int32_t)listener, .timeout_ms = timeout_ms};
  firmware_call(accept_job, &job);
  if (job.stop) {
    print("uefi-llm: a key was pressed; serving stopped\n");
    finish(EFI_SUCCESS);  // efi_main closes the connections (network_stop)
  }
  return (u32)job.result;
}

static void read_net_job(void *arg) {
  struct net_job *job = arg;
  job->result = network_read(job->handle, job->bytes, job->len, job->timeout_ms);
}

u32 w2c_host_net_read(struct w2c_host *host, u32 conn, u32 dst, u32 cap, u32 timeout_ms) {
  struct net_job job = {.handle = (int32_t)conn, .bytes = linear(host, dst, cap), .len = cap, .timeout_ms = timeout_ms};
  firmware_call(read_net_job, &job);
  return (u32)job.result;
}

static void write_net_job(void *arg) {
  struct net_job *job = arg;
  job->result = network_write(job->handle, job->bytes, job->len);
}

u32 w2c_host_net_write(struct w2c_host *host, u32 conn, u32 ptr, u32 len) {
  struct net_job job = {.handle = (int32_t)conn, .bytes = linear(host, ptr, len), .len = len};
  firmware_call(write_net_job, &job);
  return (u32)job.result;
}

static void close_net_job(void *arg) { network_close(((struct net_job *)arg)->handle); }

void w2c_host_net_close(struct w2c_host *host, u32 handle) {
  (void)host;
  struct net_job job = {.handle = (int32_t)handle};
  firmware_call(close_net_job, &job);
}
