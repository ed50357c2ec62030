// memcpy, memmove and memset for x86-64 (the rest of the C library: libc.c).
#include <string.h>

#include "firmware.h"

// "rep movsb" and "rep stosb" are the fast copy/fill on every CPU since Ivy Bridge
// (ERMSB) and short enough to be obviously right.
void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
  void *d = dst;
  __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
  // Copying forwards is safe unless dst starts inside [src, src + n); the unsigned
  // difference covers dst < src too.
  if ((uintptr_t)dst - (uintptr_t)src >= n) return memcpy(dst, src, n);
  uint8_t *d = (uint8_t *)dst + n - 1;
  const uint8_t *s = (const uint8_t *)src + n - 1;
  __asm__ volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  void *d = dst;
  __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
  return dst;
}
