// setjmp/longjmp, in <arch>/<arch>.S. x86-64 (Microsoft x64 ABI): rbx rbp rdi rsi
// r12-r15 rsp, the return address, xmm6-xmm15, MXCSR and the x87 control word.
// aarch64: x19-x30, sp and which stack pointer is selected (SPSel), d8-d15.
#ifndef SETJMP_H
#define SETJMP_H

#include <stdint.h>

typedef uint64_t jmp_buf[32];

__attribute__((returns_twice)) int setjmp(jmp_buf env);
_Noreturn void longjmp(jmp_buf env, int value);

#endif
