// AArch64 page tables for paging.c. At EL1 and at EL2 alike we replace TTBR0 (EL2
// without VHE has no TTBR1) with a copy of the firmware's top-level table, widened
// to a 48-bit range (TCR.T0SZ = 16, a level-0 table of 512 entries of 512 GiB), whose
// slot 256 holds linear memory and the wasm stacks. Everything below the top level is
// the firmware's own, so its identity map stays as it was while we run, and firmware
// calls work unchanged. The TCR's T0SZ and TG0 fields sit at the same bits in TCR_EL1
// and TCR_EL2.
#include <string.h>

#include "firmware.h"

#define TCR_T0SZ 0x3full
#define TCR_TG0 (3ull << 14)  // 0: 4 KiB granule
#define TTBR_BADDR 0x0000fffffffffffeull
#define HCR_E2H (1ull << 34)
#define SCTLR_M 1ull

// Descriptor bits (Arm ARM D8.3).
#define DESC_TABLE 3ull                 // valid, table (levels 0-2)
#define DESC_PAGE 3ull                  // valid, page (level 3)
#define DESC_ATTR(index) ((uint64_t)(index) << 2)
#define DESC_AP_EL2_RES1 (1ull << 6)    // AP[1]: RES1 where there is one privilege level
#define DESC_SH_INNER (3ull << 8)
#define DESC_AF (1ull << 10)            // accessed: no access-flag fault on first use
#define DESC_PXN (1ull << 53)
#define DESC_UXN (1ull << 54)           // XN where there is one privilege level

static int el;
static uint64_t our_tcr, asid;  // TCR with T0SZ = 16; the firmware's ASID and CnP bits of TTBR0
static struct { uint64_t ttbr0, tcr; } saved[MAX_CPUS];  // what each processor had before mmu_enter

static uint64_t read_tcr(void) { return el == 2 ? READ_SYSREG(tcr_el2) : READ_SYSREG(tcr_el1); }
static uint64_t read_ttbr0(void) { return el == 2 ? READ_SYSREG(ttbr0_el2) : READ_SYSREG(ttbr0_el1); }

// The MAIR index of Normal memory, inner and outer write-back (0xff), which the
// firmware uses for RAM.
static int normal_memory_attr(void) {
  uint64_t mair = el == 2 ? READ_SYSREG(mair_el2) : READ_SYSREG(mair_el1);
  for (int i = 0; i < 8; i++)
    if (((mair >> (8 * i)) & 0xff) == 0xff) return i;
  panic("the firmware's MAIR (0x%llx) has no write-back Normal memory type", mair);
}

uint64_t *mmu_init(uint64_t *(*new_table)(void)) {
  el = current_el();
  if (el != 1 && el != 2) panic("the firmware runs us at EL%d; uefi-llm runs at EL1 or EL2", el);
  if (!((el == 2 ? READ_SYSREG(sctlr_el2) : READ_SYSREG(sctlr_el1)) & SCTLR_M)) panic("the MMU is off; UEFI requires it on (spec 2.3.6)");
  uint64_t tcr = read_tcr(), ttbr0 = read_ttbr0();
  if (tcr & TCR_TG0) panic("the firmware's page tables use a granule other than 4 KiB (TCR 0x%llx)", tcr);
  unsigned t0sz = (unsigned)(tcr & TCR_T0SZ);
  if (t0sz < 16 || t0sz > 33) panic("the firmware's TTBR0 covers 2^%u bytes; uefi-llm handles 2^31 to 2^48", 64 - t0sz);

  // The firmware's top level: a level-0 table up to 2^48 (T0SZ <= 24), else level 1.
  uint64_t *firmware_top = (uint64_t *)(ttbr0 & TTBR_BADDR);
  uint64_t *top = new_table();
  if (!top) panic("out of memory for page tables");
  if (t0sz <= 24) {
    memcpy(top, firmware_top, (512u >> (t0sz - 16)) * sizeof(uint64_t));
  } else {
    uint64_t *level1 = new_table();
    if (!level1) panic("out of memory for page tables");
    memcpy(level1, firmware_top, (512u >> (t0sz - 25)) * sizeof(uint64_t));
    top[0] = (uint64_t)level1 | DESC_TABLE;
  }
  our_tcr = (tcr & ~TCR_T0SZ) | 16;
  asid = ttbr0 & ~TTBR_BADDR;

  // Read-write, never executable. EL1, and EL2 with VHE, have two privilege levels:
  // AP[2:1] = 00 keeps EL0 out; at EL2 without VHE AP[1] is RES1.
  bool two_levels = el == 1 || (READ_SYSREG(hcr_el2) & HCR_E2H);
  pte_table = DESC_TABLE;
  pte_page = DESC_PAGE | DESC_ATTR(normal_memory_attr()) | DESC_SH_INNER | DESC_AF |
             (two_levels ? DESC_PXN | DESC_UXN : DESC_AP_EL2_RES1 | DESC_UXN);
  return top;
}

static void invalidate_tlb(void) {
  if (el == 2) __asm__ volatile("dsb ishst; tlbi alle2is; dsb ish; isb" : : : "memory");
  else __asm__ volatile("dsb ishst; tlbi vmalle1is; dsb ish; isb" : : : "memory");
}

// TTBR0 and TCR change together, one instruction apart, from code the TLB already
// maps identically in both tables.
static void load(uint64_t ttbr0, uint64_t tcr) {
  __asm__ volatile("dsb ishst" : : : "memory");  // our table writes reach the walker first
  if (el == 2) __asm__ volatile("msr ttbr0_el2, %0; msr tcr_el2, %1; isb" : : "r"(ttbr0), "r"(tcr) : "memory");
  else __asm__ volatile("msr ttbr0_el1, %0; msr tcr_el1, %1; isb" : : "r"(ttbr0), "r"(tcr) : "memory");
  invalidate_tlb();
}

void mmu_enter(int cpu, uint64_t *top) {
  saved[cpu].ttbr0 = read_ttbr0();
  saved[cpu].tcr = read_tcr();
  load((uint64_t)top | asid, our_tcr);
}

void mmu_leave(int cpu) { load(saved[cpu].ttbr0, saved[cpu].tcr); }

void mmu_flush(void) { invalidate_tlb(); }
