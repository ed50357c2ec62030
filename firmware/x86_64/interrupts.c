// Our page-fault handler, on copies of the firmware's GDT and IDT.
//
// A fault inside the linear-memory reservation is the wasm trap "out of bounds
// memory access"; one in the guard below the wasm stack is stack exhaustion; any
// other is a bug and panics with CR2 and RIP. The handler needs a stack of its own
// (an IST stack in a TSS): on stack overflow the faulting stack has no room left
// for the CPU's exception frame, and without IST that is a double, then a triple
// fault, i.e. a reset.
//
// The handler never resumes the faulting code: it rewrites the saved RIP/RSP so
// that iretq continues in fault_report() on a separate recovery stack, which
// reports and leaves through panic() (on another processor than the boot processor,
// panic() hands the report to it: parallel.c).
//
// Every processor that runs the core (parallel.c) has its own TSS, fault stack and
// recovery stack, in a `struct cpu_area`; they share the GDT (one TSS descriptor each)
// and the IDT. The fault handler knows the processor from its IST stack.
#include <string.h>

#include "firmware.h"

struct __attribute__((packed)) descriptor_pointer {
  uint16_t limit;
  uint64_t base;
};

struct idt_gate {
  uint16_t offset_low, selector;
  uint8_t ist, type;
  uint16_t offset_mid;
  uint32_t offset_high, reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate");

struct __attribute__((packed)) tss {
  uint32_t reserved0;
  uint64_t rsp[3];
  uint64_t reserved1;
  uint64_t ist[7];
  uint64_t reserved2;
  uint16_t reserved3, iomap_base;
};
_Static_assert(sizeof(struct tss) == 104, "64-bit TSS");

// What the CPU pushed for a page fault, lowest address first.
struct fault_frame {
  uint64_t error, rip, cs, rflags, rsp, ss;
};

#define VECTOR_PAGE_FAULT 14
#define GATE_INTERRUPT_PRESENT 0x8e
#define TSS_AVAILABLE_PRESENT 0x89
#define TSS_BUSY 0x02  // in the descriptor's type byte
#define RFLAGS_CLEAR ((1ull << 8) | (1ull << 10) | (1ull << 18))  // TF, DF, AC: the C ABI's expectations

// What a processor faulted on, for fault_report().
struct fault {
  uint64_t address, rip, error;
  int count;
};

struct cpu_area {
  _Alignas(16) uint8_t fault_stack[16 * 1024];
  _Alignas(16) uint8_t recovery_stack[48 * 1024];
  struct tss tss;
  struct fault fault;
  struct descriptor_pointer firmware_gdtr, firmware_idtr;  // what this processor had before interrupts_enter
  uint16_t firmware_tr;
};

static struct descriptor_pointer our_gdtr, our_idtr;
static uint16_t our_tr;  // the boot processor's TSS selector; processor i's is 16 * i above
static struct idt_gate idt[256];
static struct cpu_area *areas;  // one per processor
static int area_count;

void fault_entry(void);  // x86_64.S

static uint64_t tss_base(const uint8_t *descriptor) {
  uint64_t low, high;
  memcpy(&low, descriptor, 8);
  memcpy(&high, descriptor + 8, 8);
  return ((low >> 16) & 0xffffff) | ((low >> 56) & 0xff) << 24 | high << 32;
}

void interrupts_init(int cpus) {
  struct descriptor_pointer firmware_gdtr, firmware_idtr;
  uint16_t firmware_tr;
  __asm__ volatile("sgdt %0" : "=m"(firmware_gdtr));
  __asm__ volatile("sidt %0" : "=m"(firmware_idtr));
  __asm__ volatile("str %0" : "=r"(firmware_tr));
  uint16_t cs;
  __asm__ volatile("mov %%cs, %0" : "=r"(cs));

  uint64_t area_bytes = (uint64_t)cpus * sizeof(struct cpu_area);
  areas = (struct cpu_area *)pages_alloc((area_bytes + PAGE_SIZE - 1) / PAGE_SIZE);
  if (!areas) panic("out of memory for the fault stacks");
  memset(areas, 0, area_bytes);
  area_count = cpus;

  // GDT: the firmware's descriptors at the same selectors, plus a TSS per processor.
  uint64_t tss_selector = (firmware_gdtr.limit + 1 + 7) & ~7ull;
  uint64_t gdt_bytes = tss_selector + 16 * (uint64_t)cpus;
  if (gdt_bytes > 65536) panic("the firmware's GDT is full");
  uint8_t *gdt = (uint8_t *)pages_alloc((gdt_bytes + PAGE_SIZE - 1) / PAGE_SIZE);
  if (!gdt) panic("out of memory for the GDT");
  memset(gdt, 0, gdt_bytes);
  memcpy(gdt, (void *)firmware_gdtr.base, firmware_gdtr.limit + 1);

  // TSS: keep the firmware's IST stacks (its IDT entries may use them) and take a free slot.
  struct tss tss = {0};
  if (firmware_tr) memcpy(&tss, (void *)tss_base((uint8_t *)firmware_gdtr.base + firmware_tr), sizeof tss);
  tss.iomap_base = sizeof tss;
  int ist = 0;
  while (ist < 7 && tss.ist[ist]) ist++;
  if (ist == 7) panic("no free interrupt stack slot in the firmware's TSS");

  for (int cpu = 0; cpu < cpus; cpu++) {
    struct cpu_area *area = &areas[cpu];
    area->tss = tss;
    area->tss.ist[ist] = (uint64_t)(area->fault_stack + sizeof area->fault_stack);
    uint64_t base = (uint64_t)&area->tss, limit = sizeof tss - 1;
    uint64_t low = (limit & 0xffff) | (base & 0xffffff) << 16 | (uint64_t)TSS_AVAILABLE_PRESENT << 40 |
                   ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
    uint64_t high = base >> 32;
    memcpy(gdt + tss_selector + 16 * cpu, &low, 8);
    memcpy(gdt + tss_selector + 16 * cpu + 8, &high, 8);
  }
  our_gdtr.base = (uint64_t)gdt;
  our_gdtr.limit = (uint16_t)(gdt_bytes - 1);
  our_tr = (uint16_t)tss_selector;

  // IDT: the firmware's gates (its timer keeps ticking) with our page-fault gate.
  size_t idt_bytes = firmware_idtr.limit + 1u < sizeof idt ? firmware_idtr.limit + 1u : sizeof idt;
  memcpy(idt, (void *)firmware_idtr.base, idt_bytes);
  uint64_t handler = (uint64_t)fault_entry;
  idt[VECTOR_PAGE_FAULT] = (struct idt_gate){
      .offset_low = (uint16_t)handler,
      .selector = cs,
      .ist = (uint8_t)(ist + 1),
      .type = GATE_INTERRUPT_PRESENT,
      .offset_mid = (uint16_t)(handler >> 16),
      .offset_high = (uint32_t)(handler >> 32),
  };
  our_idtr.base = (uint64_t)idt;
  our_idtr.limit = sizeof idt - 1;
}

// Each processor loads its own TSS, so entering on one never touches another's
// busy bit; what it had before (an AP may have other tables than the boot
// processor) is kept in its own area.
void interrupts_enter(int cpu) {
  struct cpu_area *area = &areas[cpu];
  __asm__ volatile("sgdt %0" : "=m"(area->firmware_gdtr));
  __asm__ volatile("sidt %0" : "=m"(area->firmware_idtr));
  __asm__ volatile("str %0" : "=r"(area->firmware_tr));
  uint16_t tr = (uint16_t)(our_tr + 16 * cpu);
  ((uint8_t *)our_gdtr.base)[tr + 5] &= ~TSS_BUSY;  // ltr refuses a busy TSS
  __asm__ volatile("lgdt %0" : : "m"(our_gdtr));
  __asm__ volatile("ltr %0" : : "r"(tr));
  __asm__ volatile("lidt %0" : : "m"(our_idtr));
}

void interrupts_leave(int cpu) {
  struct cpu_area *area = &areas[cpu];
  __asm__ volatile("lidt %0" : : "m"(area->firmware_idtr));
  __asm__ volatile("lgdt %0" : : "m"(area->firmware_gdtr));
  // With no TSS of its own, the firmware keeps ours in TR; the CPU reads a TSS only
  // for IST gates and privilege changes, which such firmware does not have.
  if (area->firmware_tr) {
    ((uint8_t *)area->firmware_gdtr.base)[area->firmware_tr + 5] &= ~TSS_BUSY;
    __asm__ volatile("ltr %0" : : "r"(area->firmware_tr));
  }
}

// Our IDT holds the firmware's own gates: its timer keeps ticking on them.
void interrupts_firmware_begin(void) {}
void interrupts_firmware_end(void) {}

int interrupts_stack_cpu(uint64_t address) {
  if (!areas || address < (uint64_t)areas) return -1;
  uint64_t cpu = (address - (uint64_t)areas) / sizeof(struct cpu_area);
  return cpu < (uint64_t)area_count ? (int)cpu : -1;
}

// --- The fault path ------------------------------------------------------------------

// Entered by iretq with the processor in rcx (fault_entry), on its recovery stack.
static _Noreturn void fault_report(uint64_t cpu) {
  struct fault fault = areas[cpu].fault;
  if (fault.count > 1) {  // faulted again while reporting: just leave
    if (cpu == 0) finish(EFI_ABORTED);
    panic("page fault while reporting one");  // short: parallel_abort only records it
  }
  switch (paging_classify(fault.address)) {
    case FAULT_LINEAR_MEMORY: wasm_rt_trap(WASM_RT_TRAP_OOB);
    case FAULT_STACK_GUARD: wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
    case FAULT_ELSEWHERE: break;
  }
  panic("page fault at 0x%llx (rip 0x%llx = image+0x%llx, error code 0x%llx)", fault.address, fault.rip,
        fault.rip - image_base, fault.error);
}

// Called by fault_entry on the IST stack of the processor that faulted; returns which
// one that is, for fault_entry to pass on to fault_report().
uint64_t fault_redirect(struct fault_frame *frame) {
  int cpu = interrupts_stack_cpu((uint64_t)frame);
  if (cpu < 0) cpu = 0;  // cannot be: the IST stack is in an area
  struct cpu_area *area = &areas[cpu];
  area->fault.address = read_cr2();
  area->fault.rip = frame->rip;
  area->fault.error = frame->error;
  area->fault.count++;
  frame->rip = (uint64_t)fault_report;
  frame->rsp = (uint64_t)(area->recovery_stack + sizeof area->recovery_stack) - 8;  // as if just called
  frame->rflags &= ~RFLAGS_CLEAR;
  return (uint64_t)cpu;
}
