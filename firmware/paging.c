// Physical pages and our own page tables: linear memory with real guard pages.
//
// The generated core trusts guard pages instead of checking bounds
// (WASM_RT_MEMCHECK_GUARD_PAGES=1): an access is linear_base + a 32-bit address
// + a 32-bit offset, so everything from the end of linear memory to 8 GiB past its
// start must fault. UEFI runs identity-mapped with nothing unmapped, so we copy the
// firmware's top-level table (sharing everything below it, hence its identity map)
// and give one empty top-level slot our own tables. Both architectures walk four
// levels of 512 entries with 4 KiB pages, so only the entry bits, the registers and
// the slot's address differ (<arch>/mmu.c, <arch>/arch.h):
//
//   slot 256 = REGION_BASE: x86-64 0xffff800000000000, the first upper-half slot;
//   aarch64 0x0000800000000000, the top of a 48-bit TTBR0 range. An identity map
//   never reaches it (physical addresses stay below 2^47).
//     +0                 linear memory, mapped page by page as it grows
//     ... 16 GiB         unmapped: reservation for out-of-bounds accesses
//     ... 64 GiB         unmapped
//     +64 GiB + 16 MiB i the wasm stack of processor i (call_depth.h), 8 MiB for the
//                        boot processor, 1 MiB for the others, each at the top of its
//                        16 MiB stride; the rest is guard, catching overflow
//
// memory.grow maps freshly allocated physical pages after the current end; nothing
// is ever copied. Firmware calls made while our tables are live still see the
// identity map, but devices do not see our slot: firmware runs on the firmware's
// stack (firmware_call in main.c), and file reads into linear memory are given its
// physical address (linear_physical).
#include <string.h>

#include "firmware.h"

#define SLOT 256
#define STACKS_END (WASM_STACKS_BASE + MAX_CPUS * WASM_STACK_STRIDE)

_Static_assert(LINEAR_RESERVATION >= 8 * GiB + PAGE_SIZE, "wasm32 address + offset + access size must stay inside the reservation");
_Static_assert(REGION_BASE + LINEAR_RESERVATION <= WASM_STACKS_BASE, "linear memory reservation overlaps the stacks");
_Static_assert(STACKS_END <= REGION_BASE + (1ull << 39), "the stacks must stay inside our top-level slot");
_Static_assert(((REGION_BASE >> 39) & 511) == SLOT, "REGION_BASE is slot 256");
_Static_assert(WASM_STACKS_BASE % (MAX_CPUS * WASM_STACK_STRIDE) == 0, "call_depth() masks the stack pointer");
_Static_assert(WASM_STACK_SIZE < WASM_STACK_STRIDE && WASM_AP_STACK_SIZE < WASM_STACK_STRIDE, "a stack needs a guard below it");

uint8_t *const linear_base = (uint8_t *)REGION_BASE;

uint8_t *paging_stack_top(int cpu) { return (uint8_t *)(WASM_STACKS_BASE + (uint64_t)(cpu + 1) * WASM_STACK_STRIDE); }

// --- Page allocations, remembered so everything goes back on "return" ------------------

#define MAX_ALLOCATIONS 512
static struct { uint64_t address, pages; } allocations[MAX_ALLOCATIONS];
static int allocation_count;

uint64_t pages_alloc(uint64_t pages) {
  EFI_PHYSICAL_ADDRESS address;
  if (allocation_count == MAX_ALLOCATIONS || EFI_ERROR(BS->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, &address))) return 0;
  allocations[allocation_count].address = address;
  allocations[allocation_count].pages = pages;
  allocation_count++;
  return address;
}

// Linear memory comes in extents of physically contiguous pages, in linear order.
#define MAX_EXTENTS 4096
static struct { uint64_t offset, address, pages; } extents[MAX_EXTENTS];
static int extent_count;

void pages_free_all(void) {
  for (int i = 0; i < extent_count; i++) BS->FreePages(extents[i].address, extents[i].pages);
  for (int i = 0; i < allocation_count; i++) BS->FreePages(allocations[i].address, allocations[i].pages);
  extent_count = allocation_count = 0;
}

uint64_t pages_free_mib(void) {
  UINTN size = 0, key, descriptor_size;
  uint32_t version;
  EFI_MEMORY_DESCRIPTOR *map;
  BS->GetMemoryMap(&size, NULL, &key, &descriptor_size, &version);
  size += 8 * descriptor_size;  // allocating the buffer may split a descriptor or two
  if (EFI_ERROR(BS->AllocatePool(EfiLoaderData, size, (void **)&map))) return 0;
  uint64_t pages = 0;
  if (!EFI_ERROR(BS->GetMemoryMap(&size, map, &key, &descriptor_size, &version))) {
    for (UINTN offset = 0; offset < size; offset += descriptor_size) {
      EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)((uint8_t *)map + offset);
      if (d->Type == EfiConventionalMemory) pages += d->NumberOfPages;
    }
  }
  BS->FreePool(map);
  return pages * PAGE_SIZE / MiB;
}

// --- Page tables -------------------------------------------------------------------

static uint64_t *top;  // our copy of the firmware's top-level table
uint64_t pte_table, pte_page;

// Zeroed table pages, carved from chunks so a 4 GiB memory does not cost 2000 allocations.
static uint64_t *new_table(void) {
  enum { CHUNK = 64 };
  static uint64_t next, left;
  if (left == 0) {
    next = pages_alloc(CHUNK);
    if (!next) return NULL;
    memset((void *)next, 0, CHUNK * PAGE_SIZE);
    left = CHUNK;
  }
  uint64_t *table = (uint64_t *)next;
  next += PAGE_SIZE;
  left--;
  return table;
}

// The last-level entry for va inside our slot, creating the tables on the way; NULL
// when out of memory.
static uint64_t *pte(uint64_t va) {
  uint64_t *table = top;
  for (int shift = 39; shift > 12; shift -= 9) {
    uint64_t *entry = &table[(va >> shift) & 511];
    if (!(*entry & PTE_VALID)) {
      uint64_t *child = new_table();
      if (!child) return NULL;
      *entry = (uint64_t)child | pte_table;
    }
    table = (uint64_t *)(*entry & PTE_ADDRESS);
  }
  return &table[(va >> 12) & 511];
}

static bool map(uint64_t va, uint64_t physical, uint64_t bytes) {
  for (uint64_t done = 0; done < bytes; done += PAGE_SIZE) {
    uint64_t *entry = pte(va + done);
    if (!entry) return false;
    *entry = (physical + done) | pte_page;
  }
  return true;
}

void paging_init(int cpus) {
  top = mmu_init(new_table);
  if (top[SLOT] & PTE_VALID) panic("the firmware maps 0x%llx; no room for guard pages", REGION_BASE);

  for (int cpu = 0; cpu < cpus; cpu++) {
    uint64_t size = cpu == 0 ? WASM_STACK_SIZE : WASM_AP_STACK_SIZE;
    uint64_t stack = pages_alloc(size / PAGE_SIZE);
    if (!stack || !map((uint64_t)paging_stack_top(cpu) - size, stack, size))
      panic("out of memory for the %llu MiB stack of processor %d", size / MiB, cpu);
  }
}

void paging_enter(int cpu) { mmu_enter(cpu, top); }
void paging_leave(int cpu) { mmu_leave(cpu); }

enum fault_region paging_classify(uint64_t address) {
  if (address - REGION_BASE < LINEAR_RESERVATION) return FAULT_LINEAR_MEMORY;
  // Every unmapped address from there to the last stack is some stack's guard.
  if (address >= REGION_BASE + LINEAR_RESERVATION && address < STACKS_END) return FAULT_STACK_GUARD;
  return FAULT_ELSEWHERE;
}

// --- Linear memory ---------------------------------------------------------------------

// Undo a failed grow: unmap and free the extents from `first` on.
static void unmap_from(int first) {
  for (int i = first; i < extent_count; i++) {
    for (uint64_t p = 0; p < extents[i].pages; p++) *pte(REGION_BASE + extents[i].offset + p * PAGE_SIZE) = 0;
    BS->FreePages(extents[i].address, extents[i].pages);
  }
  extent_count = first;
  mmu_flush();
}

bool linear_map(uint64_t offset, uint64_t bytes) {
  enum { WASM_PAGE = 65536 / PAGE_SIZE };  // allocate in whole wasm pages
  // Tables first; they stay even if the memory then runs out (empty tables are harmless).
  for (uint64_t done = 0; done < bytes; done += PAGE_SIZE)
    if (!pte(REGION_BASE + offset + done)) return false;

  int first = extent_count;
  uint64_t want = bytes / PAGE_SIZE;
  for (uint64_t done = 0; done < bytes;) {
    if (want > (bytes - done) / PAGE_SIZE) want = (bytes - done) / PAGE_SIZE;
    EFI_PHYSICAL_ADDRESS address;
    // One contiguous block if the firmware has it, else halves: free memory is often fragmented.
    while (extent_count == MAX_EXTENTS || EFI_ERROR(BS->AllocatePages(AllocateAnyPages, EfiLoaderData, want, &address))) {
      if (extent_count == MAX_EXTENTS || want <= WASM_PAGE) {
        unmap_from(first);
        return false;
      }
      want = want / 2 / WASM_PAGE * WASM_PAGE;
    }
    memset((void *)address, 0, want * PAGE_SIZE);  // wasm memory starts zeroed
    extents[extent_count].offset = offset + done;
    extents[extent_count].address = address;
    extents[extent_count].pages = want;
    extent_count++;
    map(REGION_BASE + offset + done, address, want * PAGE_SIZE);
    done += want * PAGE_SIZE;
  }
  mmu_flush();  // aarch64: the new entries reach the table walker before the core touches them
  return true;
}

uint8_t *linear_physical(uint64_t offset, uint64_t *contiguous) {
  for (int i = 0; i < extent_count; i++) {
    uint64_t inside = offset - extents[i].offset;
    if (offset >= extents[i].offset && inside < extents[i].pages * PAGE_SIZE) {
      *contiguous = extents[i].pages * PAGE_SIZE - inside;
      return (uint8_t *)(extents[i].address + inside);
    }
  }
  *contiguous = 0;
  return NULL;
}
