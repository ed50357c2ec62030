// The generated core includes <malloc.h> for _alloca when _MSC_VER is defined (our
// x86_64-unknown-windows target); clang provides _alloca as a builtin there.
#ifndef MALLOC_H
#define MALLOC_H

#include <stddef.h>

#endif
