// CPU features, and the extended register state the core's vector code needs.
// UEFI guarantees SSE2 on x64, but firmware (OVMF among them) leaves AVX state off:
// the first AVX instruction would fault with #UD until CR4.OSXSAVE and XCR0 say so.
// cpu_level() then says which of the core's builds (one per x86-64 psABI level,
// host/toolchain/pipeline.ts) this CPU can run.
#include "firmware.h"

#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_OSXSAVE (1ull << 18)

// XCR0 state components (Intel SDM vol. 1, 13.1).
#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)
#define XCR0_AVX512 (7ull << 5)  // opmask, ZMM_Hi256, Hi16_ZMM: all three or none

// CPUID.1:ECX
#define ECX_SSE3 (1u << 0)
#define ECX_SSSE3 (1u << 9)
#define ECX_FMA (1u << 12)
#define ECX_CX16 (1u << 13)
#define ECX_SSE41 (1u << 19)
#define ECX_SSE42 (1u << 20)
#define ECX_MOVBE (1u << 22)
#define ECX_POPCNT (1u << 23)
#define ECX_XSAVE (1u << 26)
#define ECX_AVX (1u << 28)
#define ECX_F16C (1u << 29)
// CPUID.7.0:EBX
#define EBX_BMI1 (1u << 3)
#define EBX_AVX2 (1u << 5)
#define EBX_BMI2 (1u << 8)
#define EBX_AVX512F (1u << 16)
#define EBX_AVX512DQ (1u << 17)
#define EBX_AVX512CD (1u << 28)
#define EBX_AVX512BW (1u << 30)
#define EBX_AVX512VL (1u << 31)
// CPUID.80000001h:ECX
#define ECX_LAHF (1u << 0)
#define ECX_LZCNT (1u << 5)  // "ABM" on AMD

// What clang may use at each -march level: the x86-64 psABI's lists (x86-64-ABI 1.0,
// section 3.1.1), checked in full, since -march=x86-64-v3 lets the compiler put BMI2
// or MOVBE anywhere, not only in vector loops.
#define V2_LEAF1_ECX (ECX_SSE3 | ECX_SSSE3 | ECX_CX16 | ECX_SSE41 | ECX_SSE42 | ECX_POPCNT)
#define V2_EXT_ECX ECX_LAHF
#define V3_LEAF1_ECX (ECX_FMA | ECX_MOVBE | ECX_F16C)  // and AVX with its state enabled: has_avx()
#define V3_LEAF7_EBX (EBX_BMI1 | EBX_AVX2 | EBX_BMI2)
#define V3_EXT_ECX ECX_LZCNT
#define V4_LEAF7_EBX (EBX_AVX512F | EBX_AVX512DQ | EBX_AVX512CD | EBX_AVX512BW | EBX_AVX512VL)

static uint32_t leaf1_ecx, leaf7_ebx, ext1_ecx;
static uint64_t xcr0, xcr0_wanted;

static uint64_t read_xcr0(void) {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((uint64_t)hi << 32) | lo;
}

void cpu_init(void) {
  uint32_t r[4];
  cpuid(0, 0, r);
  uint32_t max_leaf = r[0];
  cpuid(1, 0, r);
  leaf1_ecx = r[2];
  if (max_leaf >= 7) {
    cpuid(7, 0, r);
    leaf7_ebx = r[1];
  }
  cpuid(0x80000000, 0, r);
  if (r[0] >= 0x80000001) {
    cpuid(0x80000001, 0, r);
    ext1_ecx = r[2];
  }

  if (leaf1_ecx & ECX_XSAVE) {
    cpuid(0xd, 0, r);
    uint64_t supported = r[0] | (uint64_t)r[3] << 32;
    uint64_t wanted = XCR0_X87 | XCR0_SSE;
    if (leaf1_ecx & ECX_AVX) wanted |= XCR0_AVX;
    if ((leaf7_ebx & EBX_AVX512F) && (wanted & XCR0_AVX) && (supported & XCR0_AVX512) == XCR0_AVX512) wanted |= XCR0_AVX512;
    xcr0_wanted = wanted & supported;
  }
  cpu_enable_state();
  if (leaf1_ecx & ECX_XSAVE) xcr0 = read_xcr0();
}

// The other processors are assumed to be the same model as the boot processor (they are
// in every machine UEFI runs on): they get the state it chose, without asking CPUID again.
void cpu_enable_state(void) {
  uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
  if (leaf1_ecx & ECX_XSAVE) cr4 |= CR4_OSXSAVE;
  write_cr4(cr4);
  if (leaf1_ecx & ECX_XSAVE) __asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)xcr0_wanted), "d"((uint32_t)(xcr0_wanted >> 32)));
}

static bool has_avx(void) { return (leaf1_ecx & ECX_AVX) && (xcr0 & (XCR0_SSE | XCR0_AVX)) == (XCR0_SSE | XCR0_AVX); }
static bool has_avx512(void) { return has_avx() && (xcr0 & XCR0_AVX512) == XCR0_AVX512; }

const char *cpu_features(void) {
  const struct cpu_feature features[] = {
      {leaf1_ecx & ECX_SSE42, "sse4.2"},
      {has_avx(), "avx"},
      {has_avx() && (leaf7_ebx & EBX_AVX2), "avx2"},
      {has_avx() && (leaf1_ecx & ECX_FMA), "fma"},
      {has_avx512() && (leaf7_ebx & EBX_AVX512F), "avx512f"},
  };
  static char text[96];
  return feature_names(features, sizeof features / sizeof features[0], text, sizeof text);
}

int cpu_level(void) {
  if ((leaf1_ecx & V2_LEAF1_ECX) != V2_LEAF1_ECX || (ext1_ecx & V2_EXT_ECX) != V2_EXT_ECX) return 1;
  if (!has_avx() || (leaf1_ecx & V3_LEAF1_ECX) != V3_LEAF1_ECX || (leaf7_ebx & V3_LEAF7_EBX) != V3_LEAF7_EBX ||
      (ext1_ecx & V3_EXT_ECX) != V3_EXT_ECX)
    return 2;
  if (!has_avx512() || (leaf7_ebx & V4_LEAF7_EBX) != V4_LEAF7_EBX) return 3;
  return 4;
}
