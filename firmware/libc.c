// The few C library functions the generated core and the compiler's own code
// generation need in a freestanding build.
#include <assert.h>
#include <string.h>

#include "firmware.h"

// The MSVC-compatible target references this symbol from any object that uses
// floating point; the C runtime normally defines it.
int _fltused;

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

int memcmp(const void *a, const void *b, size_t n) {
  const uint8_t *x = a, *y = b;
  for (size_t i = 0; i < n; i++)
    if (x[i] != y[i]) return x[i] - y[i];
  return 0;
}

size_t strlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

_Noreturn void assert_failed(const char *expression, const char *file, int line) {
  panic("assertion failed: %s (%s:%d)", expression, file, line);
}
