// The math.h the generated core references, as compiler builtins: with SSE4.1
// (-march=x86-64-v2 and up) floor/ceil/trunc/nearbyint are one roundss/roundsd and
// sqrt is sqrtss/sqrtsd; on aarch64 they are frintm/frintp/frintz/frinti and fsqrt.
// All exact IEEE operations, so host and firmware agree bit for bit.
#ifndef MATH_H
#define MATH_H

#define NAN __builtin_nanf("")
#define INFINITY __builtin_inff()
#define isnan(x) __builtin_isnan(x)
#define signbit(x) __builtin_signbit(x)

#define floor(x) __builtin_floor(x)
#define floorf(x) __builtin_floorf(x)
#define ceil(x) __builtin_ceil(x)
#define ceilf(x) __builtin_ceilf(x)
#define trunc(x) __builtin_trunc(x)
#define truncf(x) __builtin_truncf(x)
#define nearbyint(x) __builtin_nearbyint(x)
#define nearbyintf(x) __builtin_nearbyintf(x)
#define fabs(x) __builtin_fabs(x)
#define fabsf(x) __builtin_fabsf(x)
#define sqrt(x) __builtin_sqrt(x)
#define sqrtf(x) __builtin_sqrtf(x)
#define copysign(x, y) __builtin_copysign(x, y)
#define copysignf(x, y) __builtin_copysignf(x, y)

#endif
