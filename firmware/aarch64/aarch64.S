// The routines C cannot express on AArch64: setjmp/longjmp, running a function on
// another stack, and the exception vectors. AAPCS64: arguments in x0-x7; x19-x29,
// sp and d8-d15 are callee-saved; x18 is the platform's, never touched.
//
// Stacks: the firmware runs on SP_ELx (SPSel = 1). The core runs on its wasm stack
// in SP_EL0 (SPSel = 0), so an exception, which always switches to SP_ELx, finds the
// firmware's stack there, even when the wasm stack has overflowed into its guard.

  .text

// int setjmp(jmp_buf env): x19-x30 at 0, sp and SPSel at 96, d8-d15 at 112.
  .globl setjmp
  .p2align 2
setjmp:
  stp x19, x20, [x0, #0]
  stp x21, x22, [x0, #16]
  stp x23, x24, [x0, #32]
  stp x25, x26, [x0, #48]
  stp x27, x28, [x0, #64]
  stp x29, x30, [x0, #80]
  mov x1, sp
  mrs x2, spsel
  stp x1, x2, [x0, #96]
  stp d8, d9, [x0, #112]
  stp d10, d11, [x0, #128]
  stp d12, d13, [x0, #144]
  stp d14, d15, [x0, #160]
  mov w0, #0
  ret

// void longjmp(jmp_buf env, int value): setjmp returns value (1 if value is 0), on
// the stack pointer it was called with, SP_EL0 or SP_ELx.
  .globl longjmp
  .p2align 2
longjmp:
  ldp x19, x20, [x0, #0]
  ldp x21, x22, [x0, #16]
  ldp x23, x24, [x0, #32]
  ldp x25, x26, [x0, #48]
  ldp x27, x28, [x0, #64]
  ldp x29, x30, [x0, #80]
  ldp d8, d9, [x0, #112]
  ldp d10, d11, [x0, #128]
  ldp d12, d13, [x0, #144]
  ldp d14, d15, [x0, #160]
  ldp x2, x3, [x0, #96]
  msr spsel, x3
  mov sp, x2
  cmp w1, #0
  csinc w0, w1, wzr, ne
  ret

// void call_on_stack(void (*fn)(void *), void *arg, void *stack_top): fn(arg) on
// SP_EL0 = stack_top; SP_ELx keeps the caller's stack for exceptions.
  .globl call_on_stack
  .p2align 2
call_on_stack:
  stp x29, x30, [sp, #-16]!
  mov x29, sp
  msr spsel, #0
  mov sp, x2
  mov x9, x0
  mov x0, x1
  blr x9
  msr spsel, #1
  mov sp, x29               // a firmware call may have left SP_ELx lower
  ldp x29, x30, [sp], #16
  ret

// void call_on_firmware_stack(void (*fn)(void *), void *arg, void *stack_top): from
// the wasm stack (SP_EL0), fn(arg) on SP_ELx = stack_top, the firmware's stack.
  .globl call_on_firmware_stack
  .p2align 2
call_on_firmware_stack:
  stp x29, x30, [sp, #-16]!
  mov x29, sp
  msr spsel, #1
  mov sp, x2
  mov x9, x0
  mov x0, x1
  blr x9
  msr spsel, #0
  mov sp, x29
  ldp x29, x30, [sp], #16
  ret

// The vector table VBAR points at while the core runs (exceptions.c): 16 entries of
// 128 bytes, in four groups (current EL on SP_EL0, current EL on SP_ELx, lower EL
// AArch64, lower EL AArch32) of four kinds (synchronous, IRQ, FIQ, SError). Each
// passes its number to fault_entry.
  .macro vector number
  .p2align 7
  mov x0, #\number
  b fault_entry
  .endm

  .p2align 11
  .globl exception_vectors
exception_vectors:
  vector 0
  vector 1
  vector 2
  vector 3
  vector 4
  vector 5
  vector 6
  vector 7
  vector 8
  vector 9
  vector 10
  vector 11
  vector 12
  vector 13
  vector 14
  vector 15

// On SP_ELx, with the faulting code's registers, which are never needed again (x0
// is already lost). fault_redirect() records the fault and points ELR, SPSR and
// SP_EL0 at fault_report() on the processor's recovery stack; eret goes there, with
// the processor's number in x0.
  .p2align 2
fault_entry:
  mrs x1, sp_el0
  bl fault_redirect
  eret

// A processor started by PSCI CPU_ON (smp.c), MMU and caches off, x0 = its struct
// ap_start: mair 0, tcr 8, ttbr0 16, sctlr 24, vbar 32, stack_top 40, main 48. It
// takes the boot processor's MMU registers at whichever level it runs (EL2 or EL1),
// FP/SIMD on, then main(start) on its own stack; main never returns.
  .globl ap_entry
  .p2align 6
ap_entry:
  mrs x1, CurrentEL
  cmp x1, #(2 << 2)
  b.eq 2f
  mov x2, #(3 << 20)
  msr cpacr_el1, x2
  ldr x2, [x0, #0]
  msr mair_el1, x2
  ldr x2, [x0, #8]
  msr tcr_el1, x2
  ldr x2, [x0, #16]
  msr ttbr0_el1, x2
  ldr x2, [x0, #32]
  msr vbar_el1, x2
  isb
  tlbi vmalle1
  dsb nsh
  isb
  ldr x2, [x0, #24]
  msr sctlr_el1, x2
  isb
  b 3f
2:
  mrs x2, cptr_el2
  bic x2, x2, #(1 << 10)
  msr cptr_el2, x2
  ldr x2, [x0, #0]
  msr mair_el2, x2
  ldr x2, [x0, #8]
  msr tcr_el2, x2
  ldr x2, [x0, #16]
  msr ttbr0_el2, x2
  ldr x2, [x0, #32]
  msr vbar_el2, x2
  isb
  tlbi alle2
  dsb nsh
  isb
  ldr x2, [x0, #24]
  msr sctlr_el2, x2
  isb
3:
  msr spsel, #1
  ldr x2, [x0, #40]
  mov sp, x2
  mov x29, #0
  mov x30, #0
  ldr x2, [x0, #48]
  br x2
