// setjmp/longjmp for the x64 Microsoft ABI (x86_64.S): the callee-saved registers
// rbx rbp rdi rsi r12-r15 rsp, the return address, xmm6-xmm15, MXCSR and the x87
// control word.
#ifndef SETJMP_H
#define SETJMP_H

#include <stdint.h>

typedef uint64_t jmp_buf[32];

__attribute__((returns_twice)) int setjmp(jmp_buf env);
_Noreturn void longjmp(jmp_buf env, int value);

#endif
