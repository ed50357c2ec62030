// The few C library functions the generated core and the compiler's own code
// generation need in a freestanding build.
#include <assert.h>
#include <string.h>

#include "firmware.h"

// The MSVC-compatible target references this symbol from any object that uses
// floating point; the C runtime normally defines it.
int _fltused;

// memcpy, memmove and memset are per architecture: <arch>/string.c.

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
