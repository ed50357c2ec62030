/* wasm2c's call-depth counter, one per thread: the pool's threads run the core's job()
 * at once (host_posix.c). Included first of all (-include, host/toolchain/native.ts)
 * into every file of the native build, which is compiled, like the firmware, with
 * -Dwasm_rt_call_stack_depth=(*call_depth()). Inline, since every wasm call counts. */
#ifndef CALL_DEPTH_H
#define CALL_DEPTH_H

#include <stdint.h>

extern _Thread_local uint32_t thread_call_depth;

static inline uint32_t *call_depth(void) { return &thread_call_depth; }

#endif
