// CPU features and the floating-point state the core needs on AArch64. UEFI hands
// over with FP/SIMD enabled (spec 2.10, 2.3.6.4); we make sure of it and set FPCR to
// round to nearest, no flush-to-zero, no default NaN, no traps: the IEEE behaviour
// the Node host has, so both print the same bits.
#include "firmware.h"

#define CPACR_FPEN (3ull << 20)  // EL1: FP/SIMD not trapped at EL0 or EL1
#define CPTR_TFP (1ull << 10)    // EL2 (E2H=0): trap FP/SIMD

static int el;
static uint64_t pfr0, isar0;

// A 4-bit ID register field.
static unsigned field(uint64_t reg, int shift) { return (unsigned)(reg >> shift) & 0xf; }

void cpu_init(void) {
  el = current_el();
  pfr0 = READ_SYSREG(id_aa64pfr0_el1);
  isar0 = READ_SYSREG(id_aa64isar0_el1);
  cpu_enable_state();
}

void cpu_enable_state(void) {
  if (current_el() == 2) WRITE_SYSREG(cptr_el2, READ_SYSREG(cptr_el2) & ~CPTR_TFP);
  else WRITE_SYSREG(cpacr_el1, READ_SYSREG(cpacr_el1) | CPACR_FPEN);
  isb();
  WRITE_SYSREG(fpcr, 0);
}

// ID_AA64PFR0_EL1: FP 19:16 and AdvSIMD 23:20 (0xf: absent, 1: with half precision); SVE 35:32.
static bool has_fp(void) { return field(pfr0, 16) != 0xf; }
static bool has_asimd(void) { return field(pfr0, 20) != 0xf; }

const char *cpu_features(void) {
  const struct cpu_feature features[] = {
      {true, el == 2 ? "el2" : el == 1 ? "el1" : "el3"},
      {has_asimd(), "asimd"},
      {has_asimd() && field(pfr0, 20) >= 1, "fp16"},
      {field(isar0, 16) >= 1, "crc32"},
      {field(isar0, 20) >= 2, "atomics"},
      {field(isar0, 28) >= 1, "rdm"},
      {field(isar0, 44) >= 1, "dotprod"},
      {field(pfr0, 32) >= 1, "sve"},
  };
  static char text[96];
  return feature_names(features, sizeof features / sizeof features[0], text, sizeof text);
}

// Level 1 is the armv8-a build (host/toolchain/pipeline.ts, AARCH64_LEVELS): it needs
// FP and Advanced SIMD, which every UEFI-capable AArch64 CPU has.
int cpu_level(void) { return has_fp() && has_asimd() ? 1 : 0; }
