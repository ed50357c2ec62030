// memcpy, memmove and memset for AArch64 (the rest of the C library: libc.c): 16 bytes
// a step through unaligned 64-bit accesses, which Normal memory allows. no_builtin
// keeps clang from turning these loops back into calls to themselves.
#include <string.h>

#include "firmware.h"

typedef uint64_t unaligned_u64 __attribute__((aligned(1), may_alias));

__attribute__((no_builtin)) void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
  uint8_t *d = dst;
  const uint8_t *s = src;
  for (; n >= 16; n -= 16, d += 16, s += 16) {
    uint64_t a = ((const unaligned_u64 *)s)[0], b = ((const unaligned_u64 *)s)[1];
    ((unaligned_u64 *)d)[0] = a;
    ((unaligned_u64 *)d)[1] = b;
  }
  while (n--) *d++ = *s++;
  return dst;
}

__attribute__((no_builtin)) void *memmove(void *dst, const void *src, size_t n) {
  // Copying forwards is safe unless dst starts inside [src, src + n); the unsigned
  // difference covers dst < src too.
  if ((uintptr_t)dst - (uintptr_t)src >= n) return memcpy(dst, src, n);
  uint8_t *d = (uint8_t *)dst + n;
  const uint8_t *s = (const uint8_t *)src + n;
  for (; n >= 16; n -= 16) {
    d -= 16;
    s -= 16;
    uint64_t a = ((const unaligned_u64 *)s)[0], b = ((const unaligned_u64 *)s)[1];
    ((unaligned_u64 *)d)[0] = a;
    ((unaligned_u64 *)d)[1] = b;
  }
  while (n--) *--d = *--s;
  return dst;
}

__attribute__((no_builtin)) void *memset(void *dst, int c, size_t n) {
  uint8_t *d = dst;
  uint64_t v = (uint8_t)c * 0x0101010101010101ull;
  for (; n >= 16; n -= 16, d += 16) {
    ((unaligned_u64 *)d)[0] = v;
    ((unaligned_u64 *)d)[1] = v;
  }
  while (n--) *d++ = (uint8_t)c;
  return dst;
}
