// assert() stays on: the generated core only asserts on its own initialisation order.
#ifndef ASSERT_H
#define ASSERT_H

_Noreturn void assert_failed(const char *expression, const char *file, int line);
#define assert(e) ((e) ? (void)0 : assert_failed(#e, __FILE__, __LINE__))

#endif
