// CPU features, and the extended register state the core's vector code needs.
// UEFI guarantees SSE2 on x64, but firmware (OVMF among them) leaves AVX state off:
// the first AVX instruction would fault with #UD until CR4.OSXSAVE and XCR0 say so.
#include "firmware.h"

#if !defined(CORE_ISA_LEVEL) || CORE_ISA_LEVEL != 2
#error "cpu_require_core_isa() checks x86-64-v2; keep it in step with -march for core.c in host/build/pipeline.ts"
#endif

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
#define ECX_POPCNT (1u << 23)
#define ECX_XSAVE (1u << 26)
#define ECX_AVX (1u << 28)
// CPUID.7.0:EBX
#define EBX_AVX2 (1u << 5)
#define EBX_AVX512F (1u << 16)
// CPUID.80000001h:ECX
#define ECX_LAHF (1u << 0)

static uint32_t leaf1_ecx, leaf7_ebx;
static uint64_t xcr0;

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

  uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
  if (leaf1_ecx & ECX_XSAVE) cr4 |= CR4_OSXSAVE;
  write_cr4(cr4);
  if (!(leaf1_ecx & ECX_XSAVE)) return;

  cpuid(0xd, 0, r);
  uint64_t supported = r[0] | (uint64_t)r[3] << 32;
  uint64_t wanted = XCR0_X87 | XCR0_SSE;
  if (leaf1_ecx & ECX_AVX) wanted |= XCR0_AVX;
  if ((leaf7_ebx & EBX_AVX512F) && (wanted & XCR0_AVX) && (supported & XCR0_AVX512) == XCR0_AVX512) wanted |= XCR0_AVX512;
  wanted &= supported;
  __asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)wanted), "d"((uint32_t)(wanted >> 32)));
  xcr0 = read_xcr0();
}

static bool has_avx(void) { return (leaf1_ecx & ECX_AVX) && (xcr0 & (XCR0_SSE | XCR0_AVX)) == (XCR0_SSE | XCR0_AVX); }

const char *cpu_features(void) {
  static char text[96];
  const struct { bool on; const char *name; } features[] = {
      {leaf1_ecx & ECX_SSE42, "sse4.2"},
      {has_avx(), "avx"},
      {has_avx() && (leaf7_ebx & EBX_AVX2), "avx2"},
      {has_avx() && (leaf1_ecx & ECX_FMA), "fma"},
      {(xcr0 & XCR0_AVX512) == XCR0_AVX512, "avx512f"},
  };
  size_t n = 0;
  for (size_t i = 0; i < sizeof features / sizeof features[0]; i++) {
    if (!features[i].on) continue;
    for (const char *s = features[i].name; *s;) text[n++] = *s++;
    text[n++] = ' ';
  }
  const char *core = "(core: x86-64-v2)";
  while (*core) text[n++] = *core++;
  text[n] = 0;
  return text;
}

void cpu_require_core_isa(void) {
  uint32_t r[4];
  cpuid(0x80000000, 0, r);
  uint32_t lahf = 0;
  if (r[0] >= 0x80000001) {
    cpuid(0x80000001, 0, r);
    lahf = r[2] & ECX_LAHF;
  }
  uint32_t v2 = ECX_SSE3 | ECX_SSSE3 | ECX_CX16 | ECX_SSE41 | ECX_SSE42 | ECX_POPCNT;
  if ((leaf1_ecx & v2) != v2 || !lahf) panic("this CPU lacks x86-64-v2 (SSE4.2, POPCNT, CMPXCHG16B), which the core was compiled for");
}
