// AArch64: the instructions C cannot express, and the constants the shared firmware
// code takes from the architecture (firmware.h includes this; the build puts
// firmware/aarch64/ on the include path). The firmware may run us at EL1 (QEMU's
// virt machine by default) or EL2 (virtualization=on, most servers): every system
// register we touch exists in an _EL1 and an _EL2 form, chosen at run time.
#ifndef ARCH_H
#define ARCH_H

#include <stdint.h>

#define ARCH_NAME "aarch64"
// What the core's builds are graded by, for "this CPU lacks <march>, the lowest <kind> ...".
#define CORE_LEVEL_KIND "aarch64 level"

// Our top-level page-table slot: 256 of a 48-bit TTBR0 range, 0x0000800000000000.
// At EL2 without VHE there is no TTBR1, so both levels use TTBR0 (<arch>/mmu.c).
#define REGION_BASE 0x0000800000000000ull
// Descriptors (VMSAv8-64, 4 KiB granule): bit 0 valid; output address bits 47:12.
#define PTE_VALID 1ull
#define PTE_ADDRESS 0x0000fffffffff000ull

#define READ_SYSREG(name)                              \
  ({                                                   \
    uint64_t value_;                                   \
    __asm__ volatile("mrs %0, " #name : "=r"(value_)); \
    value_;                                            \
  })
#define WRITE_SYSREG(name, value) __asm__ volatile("msr " #name ", %0" : : "r"((uint64_t)(value)) : "memory")

static inline void isb(void) { __asm__ volatile("isb" : : : "memory"); }
static inline int current_el(void) { return (int)((READ_SYSREG(CurrentEL) >> 2) & 3); }

static inline uint64_t read_sp(void) { uint64_t v; __asm__ volatile("mov %0, sp" : "=r"(v)); return v; }
// In a spin-wait loop: only a compiler barrier. YIELD is a hint for SMT cores, which
// few ARM64 cores are, and under QEMU's TCG each one leaves the translated code: with an
// AP spinning on YIELD the boot processor's model load took 630-980 ms instead of
// 130-450 ms (stories15M-shape Q8_0, two vCPUs).
static inline void cpu_relax(void) { __asm__ volatile("" : : : "memory"); }

#endif
