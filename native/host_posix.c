/* The host interface (assembly/host.ts) for a Linux process: the "native" backend
 * that runs the very same wasm2c output as the firmware, timed without an emulator.
 * Our POSIX runtime (wasm_rt_posix.c) provides linear memory behind guard pages and
 * turns faults into traps. */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core.h"

#define MAX_FILES 16

struct w2c_host {
  w2c_core *core;
  int files[MAX_FILES];
};

static uint8_t *linear(struct w2c_host *host, u32 ptr, u32 len) {
  wasm_rt_memory_t *memory = w2c_core_memory(host->core);
  if ((uint64_t)ptr + len > memory->size) wasm_rt_trap(WASM_RT_TRAP_OOB);
  return memory->data + ptr;
}

void w2c_host_write(struct w2c_host *host, u32 stream, u32 ptr, u32 len) {
  FILE *out = stream == 1 ? stdout : stderr;
  fwrite(linear(host, ptr, len), 1, len, out);
  /* Text that cannot be written is a failure of one line, as in Node (a closed pipe ends us by SIGPIPE). */
  if (fflush(out) != 0 && stream == 1) {
    char reason[128];
    snprintf(reason, sizeof reason, "%s", strerror(errno));
    if (reason[0] >= 'A' && reason[0] <= 'Z') reason[0] += 'a' - 'A'; /* Node's wording: "no space left on device" */
    fprintf(stderr, "uefi-llm: cannot write to standard output: %s\n", reason);
    exit(1);
  }
}

u32 w2c_host_file_open(struct w2c_host *host, u32 path_ptr, u32 path_len) {
  char path[4096];
  if (path_len >= sizeof path) return (u32)-1;
  memcpy(path, linear(host, path_ptr, path_len), path_len);
  path[path_len] = 0;
  for (int handle = 0; handle < MAX_FILES; handle++) {
    if (host->files[handle] >= 0) continue;
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0) return (u32)-1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      close(fd);
      return (u32)-1;
    }
    host->files[handle] = fd;
    return (u32)handle;
  }
  return (u32)-1;
}

static int file_of(struct w2c_host *host, u32 handle) {
  return handle < MAX_FILES ? host->files[handle] : -1;
}

u64 w2c_host_file_size(struct w2c_host *host, u32 handle) {
  struct stat st;
  int fd = file_of(host, handle);
  return fd >= 0 && fstat(fd, &st) == 0 ? (u64)st.st_size : (u64)-1;
}

u32 w2c_host_file_read(struct w2c_host *host, u32 handle, u64 offset, u32 dst, u32 len) {
  int fd = file_of(host, handle);
  uint8_t *to = linear(host, dst, len);
  u32 done = 0;
  if (fd < 0) return (u32)-1;
  while (done < len) {
    ssize_t n = pread(fd, to + done, len - done, (off_t)(offset + done));
    if (n < 0) return (u32)-1;
    if (n == 0) break;
    done += (u32)n;
  }
  return done;
}

void w2c_host_file_close(struct w2c_host *host, u32 handle) {
  int fd = file_of(host, handle);
  if (fd >= 0) close(fd);
  if (handle < MAX_FILES) host->files[handle] = -1;
}

u64 w2c_host_clock_us(struct w2c_host *host) {
  struct timespec now;
  (void)host;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (u64)now.tv_sec * 1000000u + (u64)now.tv_nsec / 1000u;
}

u32 w2c_host_read_line(struct w2c_host *host, u32 dst, u32 cap) {
  uint8_t *to = linear(host, dst, cap);
  u32 n = 0;
  int c;
  while ((c = getchar()) != EOF && c != '\n')
    if (n < cap) to[n++] = (uint8_t)c;
  if (c == EOF && n == 0) return (u32)-1;
  if (n > 0 && to[n - 1] == '\r') n--;
  return n;
}

/* --- parallel_for: a pool of threads that run the core's job(index) ------------------
 *
 * Several threads run the core at once, so each counts its own call depth (call_depth.h). */

static int thread_count = 1;
static pthread_t threads[256];
/* A new batch of jobs: the generation counter moves. Idle workers spin a while before
 * sleeping on the condition variable, since a token needs ~100 batches a few
 * milliseconds apart and a wake-up from sleep costs tens of microseconds. */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_ready = PTHREAD_COND_INITIALIZER;
static w2c_core *pool_core;
/* The current batch in one word, so that a worker never takes a job of a batch it did not
 * join: bits 40-63 the batch number, 20-39 its job count, 0-19 the next job to hand out.
 * A worker that was preempted between batches sees another batch number and stops,
 * instead of counting a finished job that never ran (a race that changed the text on a
 * loaded machine). Jobs are claimed by compare-and-swap, never by blind increments. */
static uint64_t claims;
static u32 jobs_finished;
static uint64_t generation; /* the newest batch number, for waking idle workers */

#define SPINS_BEFORE_SLEEP 200000
/* A wait longer than this many pauses (tens of microseconds, a whole batch) means the other
 * thread is not running: on a busy machine it waits for a processor, and spinning would
 * only take time from it (Linux's autogroups share one slice among a program's threads).
 * From then on the waiter yields every YIELD_EVERY pauses. On an idle machine yielding
 * returns at once; waits this long do not happen there anyway. */
#define SPINS_BEFORE_YIELD 1024
#define YIELD_EVERY 64

static void pause_or_yield(unsigned spin) {
  __builtin_ia32_pause();
  if (spin >= SPINS_BEFORE_YIELD && spin % YIELD_EVERY == YIELD_EVERY - 1) sched_yield();
}

static void run_jobs(uint64_t batch) {
  uint64_t c = __atomic_load_n(&claims, __ATOMIC_ACQUIRE);
  for (;;) {
    if ((c >> 40) != batch || (c & 0xfffff) >= ((c >> 20) & 0xfffff)) return;
    if (!__atomic_compare_exchange_n(&claims, &c, c + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) continue;
    w2c_core_job(pool_core, (u32)(c & 0xfffff));
    __atomic_fetch_add(&jobs_finished, 1, __ATOMIC_ACQ_REL);
    c = __atomic_load_n(&claims, __ATOMIC_ACQUIRE);
  }
}

static void *worker(void *unused) {
  (void)unused;
  uint64_t seen = 0;
  for (;;) {
    for (unsigned spin = 0; spin < SPINS_BEFORE_SLEEP && __atomic_load_n(&generation, __ATOMIC_ACQUIRE) == seen; spin++) pause_or_yield(spin);
    pthread_mutex_lock(&pool_lock);
    while (__atomic_load_n(&generation, __ATOMIC_ACQUIRE) == seen) pthread_cond_wait(&work_ready, &pool_lock);
    pthread_mutex_unlock(&pool_lock);
    seen = __atomic_load_n(&generation, __ATOMIC_ACQUIRE);
    run_jobs(seen);
  }
  return NULL;
}

u32 w2c_host_worker_count(struct w2c_host *host) {
  (void)host;
  return (u32)thread_count;
}

void w2c_host_parallel_for(struct w2c_host *host, u32 jobs) {
  const uint64_t batch = (__atomic_load_n(&generation, __ATOMIC_ACQUIRE) + 1) & 0xffffff;
  pool_core = host->core;
  __atomic_store_n(&jobs_finished, 0, __ATOMIC_RELEASE);
  __atomic_store_n(&claims, (batch << 40) | ((uint64_t)jobs << 20), __ATOMIC_RELEASE);
  pthread_mutex_lock(&pool_lock);
  __atomic_store_n(&generation, batch, __ATOMIC_RELEASE);
  pthread_cond_broadcast(&work_ready);
  pthread_mutex_unlock(&pool_lock);
  run_jobs(batch); /* this thread works too */
  for (unsigned spin = 0; __atomic_load_n(&jobs_finished, __ATOMIC_ACQUIRE) < jobs; spin++) pause_or_yield(spin);
}

static void start_workers(int count) {
  thread_count = count;
  for (int i = 1; i < count; i++) pthread_create(&threads[i], NULL, worker, NULL);
}

/* Ctrl-C stops the answer being generated; a second one, before the core looks, ends the program. */
static volatile sig_atomic_t interrupt_pending;

static void on_interrupt(int signal) {
  if (interrupt_pending) _exit(128 + signal);
  interrupt_pending = 1;
}

u32 w2c_host_interrupted(struct w2c_host *host) {
  (void)host;
  u32 pending = interrupt_pending;
  interrupt_pending = 0;
  return pending;
}

/* Sockets for the core's HTTP server (assembly/host.ts net_*), so that a configuration
 * with "mode = serve" serves from this program as it does from a stick. Handles index
 * `sockets`; the listener and connections are plain blocking descriptors, each wait
 * bounded by poll(). */
#define MAX_SOCKETS 64
#define WRITE_TIMEOUT_MS 30000 /* a peer that takes nothing for this long is gone (as the Node runner) */

static int sockets[MAX_SOCKETS]; /* descriptor + 1; 0: free */

static int socket_of(u32 handle) { return handle < MAX_SOCKETS ? sockets[handle] - 1 : -1; }

static u32 new_handle(int fd) {
  for (u32 h = 0; h < MAX_SOCKETS; h++)
    if (sockets[h] == 0) {
      sockets[h] = fd + 1;
      return h;
    }
  close(fd);
  return (u32)-1;
}

/* Wait until fd is ready for `events`: 1 ready, 0 not within timeout_ms, -1 failed. */
static int wait_for(int fd, short events, int timeout_ms) {
  struct pollfd p = {fd, events, 0};
  int n;
  do n = poll(&p, 1, timeout_ms); while (n < 0 && errno == EINTR);
  return n;
}

/* Numeric IPv4 addresses only ("127.0.0.1", "0.0.0.0"): no name lookups in here. */
u32 w2c_host_net_listen(struct w2c_host *host, u32 host_ptr, u32 host_len, u32 port) {
  char address[64];
  if (host_len >= sizeof address || port == 0 || port > 65535) return (u32)-1;
  memcpy(address, linear(host, host_ptr, host_len), host_len);
  address[host_len] = 0;
  struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, address, &at.sin_addr) != 1) return (u32)-1;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
  if (fd < 0) return (u32)-1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&at, sizeof at) != 0 || listen(fd, 16) != 0) {
    close(fd);
    return (u32)-1;
  }
  return new_handle(fd);
}

u32 w2c_host_net_accept(struct w2c_host *host, u32 listener, u32 timeout_ms) {
  (void)host;
  int fd = socket_of(listener);
  if (fd < 0) return (u32)-2;
  int ready = wait_for(fd, POLLIN, (int)timeout_ms);
  if (ready <= 0) return ready == 0 ? (u32)-1 : (u32)-2;
  int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), one = 1;
  if (conn < 0) return errno == EAGAIN || errno == ECONNABORTED ? (u32)-1 : (u32)-2;
  setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* each event of a stream goes out at once */
  return new_handle(conn);
}

u32 w2c_host_net_read(struct w2c_host *host, u32 conn, u32 dst, u32 cap, u32 timeout_ms) {
  uint8_t *to = linear(host, dst, cap);
  int fd = socket_of(conn);
  if (fd < 0) return (u32)-2;
  int ready = wait_for(fd, POLLIN, (int)timeout_ms);
  if (ready <= 0) return ready == 0 ? (u32)-1 : (u32)-2;
  ssize_t n = recv(fd, to, cap, 0);
  if (n < 0) return errno == EAGAIN || errno == EINTR ? (u32)-1 : (u32)-2;
  return (u32)n;
}

u32 w2c_host_net_write(struct w2c_host *host, u32 conn, u32 ptr, u32 len) {
  const uint8_t *from = linear(host, ptr, len);
  int fd = socket_of(conn);
  if (fd < 0) return (u32)-1;
  for (u32 sent = 0; sent < len;) {
    if (wait_for(fd, POLLOUT, WRITE_TIMEOUT_MS) <= 0) return (u32)-1;
    ssize_t n = send(fd, from + sent, len - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) return (u32)-1;
    if (n > 0) sent += (u32)n;
  }
  return len;
}

/* A connection ends with our FIN after what is queued; what the peer still sends is
 * read and dropped first, since closing with unread bytes would reset the connection
 * and could lose our last answer. */
void w2c_host_net_close(struct w2c_host *host, u32 handle) {
  (void)host;
  int fd = socket_of(handle);
  if (fd < 0) return;
  sockets[handle] = 0;
  shutdown(fd, SHUT_WR);
  uint8_t drop[4096];
  while (recv(fd, drop, sizeof drop, MSG_DONTWAIT) > 0) {}
  close(fd);
}

/* The read bandwidth a decoder can hope for: stream `bytes` from memory as fast as
 * the core would (integer adds vectorize without any floating-point licence). */
static int roofline(uint64_t bytes) {
  uint64_t words = bytes / 8, passes = 0, sum = 0;
  uint64_t *buffer = malloc(words * 8);
  if (!buffer) return 2;
  for (uint64_t i = 0; i < words; i++) buffer[i] = i;
  u64 start = w2c_host_clock_us(NULL), elapsed;
  do {
    for (uint64_t i = 0; i < words; i++) sum += buffer[i];
    passes++;
    elapsed = w2c_host_clock_us(NULL) - start;
  } while (elapsed < 2000000);
  printf("roofline: %.2f GB/s (%llu passes over %llu MB)\n", (double)bytes * passes / elapsed / 1000.0,
         (unsigned long long)passes, (unsigned long long)(bytes >> 20));
  free(buffer);
  return sum == 0;
}

/* Usage: uefi-llm-native [--threads N] CONFIG-FILE  (runs it as the firmware would at boot)
 *        uefi-llm-native --roofline BYTES */
int main(int argc, char **argv) {
  static struct w2c_host host;
  static w2c_core core;
  if (argc == 3 && strcmp(argv[1], "--roofline") == 0) return roofline(strtoull(argv[2], NULL, 10));
  int threads_wanted = 1;
  if (argc == 4 && strcmp(argv[1], "--threads") == 0) {
    threads_wanted = atoi(argv[2]);
    argv += 2;
    argc -= 2;
  }
  if (argc != 2 || threads_wanted < 1 || threads_wanted > 256) {
    fprintf(stderr, "usage: %s [--threads 1..256] CONFIG-FILE | --roofline BYTES\n", argv[0]);
    return 2;
  }
  FILE *file = fopen(argv[1], "rb");
  if (!file) {
    fprintf(stderr, "uefi-llm: cannot open %s\n", argv[1]);
    return 2;
  }
  start_workers(threads_wanted);
  static char config[65536];
  size_t config_len = fread(config, 1, sizeof config, file);
  fclose(file);

  for (int i = 0; i < MAX_FILES; i++) host.files[i] = -1;
  signal(SIGINT, on_interrupt);
  host.core = &core;
  wasm_rt_init();
  wasm2c_core_instantiate(&core, &host);
  u32 input = w2c_core_alloc(&core, (u32)config_len);
  memcpy(linear(&host, input, (u32)config_len), config, config_len);
  if (w2c_core_run(&core, input, (u32)config_len) != 0) {
    u32 len = w2c_core_error_len(&core);
    fprintf(stderr, "uefi-llm: %.*s\n", (int)len, (const char *)linear(&host, w2c_core_error_ptr(&core), len));
    return 1;
  }
  return 0;
}
