// The routines C cannot express: setjmp/longjmp, running a function on another
// stack, and the page-fault entry. x64 Microsoft ABI: arguments in rcx, rdx, r8;
// 32 bytes of shadow space above the return address; rbx rbp rdi rsi r12-r15
// xmm6-xmm15 and the MXCSR/x87 control words are callee-saved.

  .text

// int setjmp(jmp_buf env): layout in include/setjmp.h.
  .globl setjmp
  .p2align 4
setjmp:
  mov %rbx, 0(%rcx)
  mov %rbp, 8(%rcx)
  mov %rdi, 16(%rcx)
  mov %rsi, 24(%rcx)
  mov %r12, 32(%rcx)
  mov %r13, 40(%rcx)
  mov %r14, 48(%rcx)
  mov %r15, 56(%rcx)
  lea 8(%rsp), %rdx         // the caller's rsp once we have returned
  mov %rdx, 64(%rcx)
  mov (%rsp), %rdx          // where to return to
  mov %rdx, 72(%rcx)
  stmxcsr 80(%rcx)
  fnstcw 84(%rcx)
  movdqu %xmm6, 96(%rcx)
  movdqu %xmm7, 112(%rcx)
  movdqu %xmm8, 128(%rcx)
  movdqu %xmm9, 144(%rcx)
  movdqu %xmm10, 160(%rcx)
  movdqu %xmm11, 176(%rcx)
  movdqu %xmm12, 192(%rcx)
  movdqu %xmm13, 208(%rcx)
  movdqu %xmm14, 224(%rcx)
  movdqu %xmm15, 240(%rcx)
  xor %eax, %eax
  ret

// void longjmp(jmp_buf env, int value): setjmp returns value (1 if value is 0).
  .globl longjmp
  .p2align 4
longjmp:
  mov 0(%rcx), %rbx
  mov 8(%rcx), %rbp
  mov 16(%rcx), %rdi
  mov 24(%rcx), %rsi
  mov 32(%rcx), %r12
  mov 40(%rcx), %r13
  mov 48(%rcx), %r14
  mov 56(%rcx), %r15
  ldmxcsr 80(%rcx)
  fldcw 84(%rcx)
  movdqu 96(%rcx), %xmm6
  movdqu 112(%rcx), %xmm7
  movdqu 128(%rcx), %xmm8
  movdqu 144(%rcx), %xmm9
  movdqu 160(%rcx), %xmm10
  movdqu 176(%rcx), %xmm11
  movdqu 192(%rcx), %xmm12
  movdqu 208(%rcx), %xmm13
  movdqu 224(%rcx), %xmm14
  movdqu 240(%rcx), %xmm15
  mov %edx, %eax
  test %eax, %eax
  jnz 1f
  inc %eax
1:
  mov 64(%rcx), %rsp
  jmp *72(%rcx)

// void call_on_stack(void (*fn)(void *), void *arg, void *stack_top), and
// call_on_firmware_stack with the same arguments: on x86-64 a stack is just RSP.
  .globl call_on_stack
  .globl call_on_firmware_stack
  .p2align 4
call_on_stack:
call_on_firmware_stack:
  push %rbp
  mov %rsp, %rbp
  mov %r8, %rsp
  sub $32, %rsp             // shadow space for fn; stack_top is 16-byte aligned
  mov %rcx, %rax
  mov %rdx, %rcx
  call *%rax
  mov %rbp, %rsp
  pop %rbp
  ret

// Page faults arrive here on the IST stack (interrupts.c). The CPU pushed SS, RSP,
// RFLAGS, CS, RIP and the error code, 48 bytes below a 16-byte aligned top, so rsp
// is aligned again. fault_redirect() rewrites the saved RIP/RSP; iretq then
// "returns" into the report function instead of the faulting instruction, whose
// registers we never need again. fault_redirect() returns the processor that
// faulted, which fault_report() gets as its argument in rcx.
  .globl fault_entry
  .p2align 4
fault_entry:
  cld
  mov %rsp, %rcx            // struct fault_frame *, error code first
  sub $32, %rsp
  call fault_redirect
  add $40, %rsp             // shadow space and the error code
  mov %rax, %rcx
  iretq
