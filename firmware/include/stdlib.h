// wasm-rt.h includes <stdlib.h>, but nothing the firmware links calls into it.
#ifndef STDLIB_H
#define STDLIB_H

#include <stddef.h>

#endif
