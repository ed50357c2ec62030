// x86-64 page tables for paging.c: CR3 points at a copy of the firmware's PML4.
#include <string.h>

#include "firmware.h"

#define PTE_PRESENT 1ull
#define PTE_WRITABLE 2ull
#define CR4_LA57 (1ull << 12)

static uint64_t firmware_cr3;
static uint64_t saved_cr3[MAX_CPUS];  // what each processor had before mmu_enter

uint64_t *mmu_init(uint64_t *(*new_table)(void)) {
  if (read_cr4() & CR4_LA57) panic("5-level paging is enabled; the firmware supports 4-level paging only");
  firmware_cr3 = read_cr3();
  uint64_t *pml4 = new_table();
  if (!pml4) panic("out of memory for page tables");
  memcpy(pml4, (void *)(firmware_cr3 & PTE_ADDRESS), PAGE_SIZE);
  pte_table = pte_page = PTE_PRESENT | PTE_WRITABLE;
  return pml4;
}

void mmu_enter(int cpu, uint64_t *top) {
  saved_cr3[cpu] = read_cr3();
  write_cr3((uint64_t)top | (firmware_cr3 & ~PTE_ADDRESS));
}

void mmu_leave(int cpu) { write_cr3(saved_cr3[cpu]); }

void mmu_flush(void) { write_cr3(read_cr3()); }
