// The other processors on AArch64 when the firmware has no EFI MP Services (Debian's
// AAVMF has none): the ACPI MADT lists them (GICC entries: MPIDR, enabled), the FADT
// says how to call PSCI (SMC or HVC), and PSCI CPU_ON starts each at ap_entry
// (aarch64.S) with the MMU off, before the boot processor loads our tables. ap_entry
// loads the boot processor's MMU registers (still the firmware's) from a struct
// ap_start and calls ap_start_c() on a small stack of its own; from there the AP is like one MP Services started (parallel.c's ap_main), and
// it powers itself off with PSCI CPU_OFF when ap_main returns.
#include <string.h>

#include "firmware.h"

#define PSCI_CPU_OFF 0x84000002ull
#define PSCI_CPU_ON 0xc4000003ull  // SMC64
#define PSCI_SUCCESS 0
#define PSCI_ALREADY_ON -4

#define FADT_ARM_BOOT_ARCH 129     // offset of the 16-bit flags (ACPI 5.1+)
#define ARM_PSCI_COMPLIANT 1u
#define ARM_PSCI_USE_HVC 2u
#define MADT_ENTRIES 44            // after the header, the GIC address and flags
#define MADT_GICC 0x0b
#define GICC_ENABLED 1u
#define MPIDR_AFFINITY 0xff00ffffffull  // Aff3 and Aff2..Aff0
#define AP_STACK_SIZE (16 * 1024)

// Read by ap_entry with the MMU off, so only aligned 64-bit fields; layout fixed in aarch64.S.
struct ap_start {
  uint64_t mair, tcr, ttbr0, sctlr, vbar, stack_top;
  void (*main)(struct ap_start *);
  void (*ap_main)(void *);
};
_Static_assert(sizeof(struct ap_start) == 64, "struct ap_start: aarch64.S reads it at fixed offsets");

void ap_entry(void);  // aarch64.S

static bool use_hvc;
static uint64_t mpidrs[MAX_CPUS];  // the boot processor's first
static int count;

static uint64_t psci(uint64_t function, uint64_t a, uint64_t b, uint64_t c) {
  register uint64_t x0 __asm__("x0") = function;
  register uint64_t x1 __asm__("x1") = a;
  register uint64_t x2 __asm__("x2") = b;
  register uint64_t x3 __asm__("x3") = c;
  if (use_hvc)
    __asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17");
  else
    __asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17");
  return x0;
}

static uint32_t u32_at(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t u64_at(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static const uint8_t *acpi_table(const char signature[4]) {
  EFI_GUID acpi20 = EFI_ACPI_20_TABLE_GUID;
  for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
    EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
    if (memcmp(&t->VendorGuid, &acpi20, sizeof acpi20) != 0) continue;
    const uint8_t *rsdp = t->VendorTable;
    if (memcmp(rsdp, "RSD PTR ", 8) != 0 || rsdp[15] < 2) return NULL;
    const uint8_t *xsdt = (const uint8_t *)u64_at(rsdp + 24);
    if (!xsdt || memcmp(xsdt, "XSDT", 4) != 0) return NULL;
    uint32_t length = u32_at(xsdt + 4);
    for (uint32_t at = 36; at + 8 <= length; at += 8) {
      const uint8_t *table = (const uint8_t *)u64_at(xsdt + at);
      if (table && memcmp(table, signature, 4) == 0) return table;
    }
    return NULL;
  }
  return NULL;
}

int smp_init(void) {
  const uint8_t *fadt = acpi_table("FACP"), *madt = acpi_table("APIC");
  if (!fadt || !madt || u32_at(fadt + 4) < FADT_ARM_BOOT_ARCH + 2) return 1;
  uint16_t flags = (uint16_t)(fadt[FADT_ARM_BOOT_ARCH] | fadt[FADT_ARM_BOOT_ARCH + 1] << 8);
  if (!(flags & ARM_PSCI_COMPLIANT)) return 1;
  use_hvc = flags & ARM_PSCI_USE_HVC;
  if (use_hvc && current_el() == 2) return 1;  // an HVC at EL2 would come to ourselves

  uint64_t self = READ_SYSREG(mpidr_el1) & MPIDR_AFFINITY;
  mpidrs[0] = self;
  count = 1;
  uint32_t length = u32_at(madt + 4);
  for (uint32_t at = MADT_ENTRIES; at + 2 <= length && madt[at + 1] >= 2; at += madt[at + 1]) {
    const uint8_t *entry = madt + at;
    if (entry[0] != MADT_GICC || entry[1] < 76 || !(u32_at(entry + 12) & GICC_ENABLED)) continue;
    uint64_t mpidr = u64_at(entry + 68) & MPIDR_AFFINITY;
    if (mpidr != self && count < MAX_CPUS) mpidrs[count++] = mpidr;
  }
  return count;
}

// Cleaned to the point of coherency: the AP reads it with its MMU and caches off.
static void clean_to_poc(const void *start, size_t bytes) {
  for (uint64_t line = (uint64_t)start & ~63ull; line < (uint64_t)start + bytes; line += 64) __asm__ volatile("dc cvac, %0" : : "r"(line) : "memory");
  __asm__ volatile("dsb sy" : : : "memory");
}

// On the AP, MMU on, on its own small stack.
void ap_start_c(struct ap_start *start) {
  start->ap_main(NULL);
  psci(PSCI_CPU_OFF, 0, 0, 0);
  for (;;) __asm__ volatile("wfi");  // CPU_OFF does not return
}

int smp_start(int cpus, void (*ap_main)(void *)) {
  if (cpus > count) cpus = count;
  struct ap_start *starts = (struct ap_start *)pages_alloc(((uint64_t)cpus * sizeof(struct ap_start) + PAGE_SIZE - 1) / PAGE_SIZE);
  uint8_t *stacks = (uint8_t *)pages_alloc((uint64_t)cpus * AP_STACK_SIZE / PAGE_SIZE);
  if (!starts || !stacks) return 1;
  bool el2 = current_el() == 2;
  struct ap_start common = {
      .mair = el2 ? READ_SYSREG(mair_el2) : READ_SYSREG(mair_el1),
      .tcr = el2 ? READ_SYSREG(tcr_el2) : READ_SYSREG(tcr_el1),
      .ttbr0 = el2 ? READ_SYSREG(ttbr0_el2) : READ_SYSREG(ttbr0_el1),
      .sctlr = el2 ? READ_SYSREG(sctlr_el2) : READ_SYSREG(sctlr_el1),
      .vbar = el2 ? READ_SYSREG(vbar_el2) : READ_SYSREG(vbar_el1),
      .main = ap_start_c,
      .ap_main = ap_main,
  };
  clean_to_poc((const void *)ap_entry, 256);
  int running = 1;
  for (int i = 1; i < cpus; i++) {
    starts[i] = common;
    starts[i].stack_top = (uint64_t)(stacks + (uint64_t)(i + 1) * AP_STACK_SIZE);
    clean_to_poc(&starts[i], sizeof starts[i]);
    int64_t status = (int64_t)psci(PSCI_CPU_ON, mpidrs[i], (uint64_t)ap_entry, (uint64_t)&starts[i]);
    if (status != PSCI_SUCCESS) {
      warn("PSCI CPU_ON for processor 0x%llx failed (%lld)", mpidrs[i], status);
      break;
    }
    running++;
  }
  return running;
}
