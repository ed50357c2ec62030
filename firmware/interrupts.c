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
// reports and leaves through finish().
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

static struct descriptor_pointer firmware_gdtr, firmware_idtr, our_gdtr, our_idtr;
static uint16_t firmware_tr, our_tr;
static struct idt_gate idt[256];
static struct tss tss;
static _Alignas(16) uint8_t fault_stack[16 * 1024];
static _Alignas(16) uint8_t recovery_stack[64 * 1024];

void fault_entry(void);  // x86_64.S

static uint64_t tss_base(const uint8_t *descriptor) {
  uint64_t low, high;
  memcpy(&low, descriptor, 8);
  memcpy(&high, descriptor + 8, 8);
  return ((low >> 16) & 0xffffff) | ((low >> 56) & 0xff) << 24 | high << 32;
}

void interrupts_init(void) {
  __asm__ volatile("sgdt %0" : "=m"(firmware_gdtr));
  __asm__ volatile("sidt %0" : "=m"(firmware_idtr));
  __asm__ volatile("str %0" : "=r"(firmware_tr));
  uint16_t cs;
  __asm__ volatile("mov %%cs, %0" : "=r"(cs));

  // GDT: the firmware's descriptors at the same selectors, plus our TSS.
  uint64_t tss_selector = (firmware_gdtr.limit + 1 + 7) & ~7ull;
  if (tss_selector + 16 > 65536) panic("the firmware's GDT is full");
  uint8_t *gdt = (uint8_t *)pages_alloc((tss_selector + 16 + PAGE_SIZE - 1) / PAGE_SIZE);
  if (!gdt) panic("out of memory for the GDT");
  memset(gdt, 0, tss_selector + 16);
  memcpy(gdt, (void *)firmware_gdtr.base, firmware_gdtr.limit + 1);

  // TSS: keep the firmware's IST stacks (its IDT entries may use them) and take a free slot.
  if (firmware_tr) memcpy(&tss, (void *)tss_base((uint8_t *)firmware_gdtr.base + firmware_tr), sizeof tss);
  tss.iomap_base = sizeof tss;
  int ist = 0;
  while (ist < 7 && tss.ist[ist]) ist++;
  if (ist == 7) panic("no free interrupt stack slot in the firmware's TSS");
  tss.ist[ist] = (uint64_t)(fault_stack + sizeof fault_stack);

  uint64_t base = (uint64_t)&tss, limit = sizeof tss - 1;
  uint64_t low = (limit & 0xffff) | (base & 0xffffff) << 16 | (uint64_t)TSS_AVAILABLE_PRESENT << 40 |
                 ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
  uint64_t high = base >> 32;
  memcpy(gdt + tss_selector, &low, 8);
  memcpy(gdt + tss_selector + 8, &high, 8);
  our_gdtr.base = (uint64_t)gdt;
  our_gdtr.limit = (uint16_t)(tss_selector + 15);
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

void interrupts_enter(void) {
  ((uint8_t *)our_gdtr.base)[our_tr + 5] &= ~TSS_BUSY;  // ltr refuses a busy TSS
  __asm__ volatile("lgdt %0" : : "m"(our_gdtr));
  __asm__ volatile("ltr %0" : : "r"(our_tr));
  __asm__ volatile("lidt %0" : : "m"(our_idtr));
}

void interrupts_leave(void) {
  __asm__ volatile("lidt %0" : : "m"(firmware_idtr));
  __asm__ volatile("lgdt %0" : : "m"(firmware_gdtr));
  // With no TSS of its own, the firmware keeps ours in TR; the CPU reads a TSS only
  // for IST gates and privilege changes, which such firmware does not have.
  if (firmware_tr) {
    ((uint8_t *)firmware_gdtr.base)[firmware_tr + 5] &= ~TSS_BUSY;
    __asm__ volatile("ltr %0" : : "r"(firmware_tr));
  }
}

// --- The fault path ------------------------------------------------------------------

static struct {
  uint64_t address, rip, error;
  int count;
} fault;

static _Noreturn void fault_report(void) {
  if (fault.count > 1) finish(EFI_ABORTED);  // faulted again while reporting: just leave
  switch (paging_classify(fault.address)) {
    case FAULT_LINEAR_MEMORY: wasm_rt_trap(WASM_RT_TRAP_OOB);
    case FAULT_STACK_GUARD: wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
    case FAULT_ELSEWHERE: break;
  }
  panic("page fault at 0x%llx (rip 0x%llx = image+0x%llx, error code 0x%llx)", fault.address, fault.rip,
        fault.rip - image_base, fault.error);
}

// Called by fault_entry on the IST stack.
void fault_redirect(struct fault_frame *frame) {
  fault.address = read_cr2();
  fault.rip = frame->rip;
  fault.error = frame->error;
  fault.count++;
  frame->rip = (uint64_t)fault_report;
  frame->rsp = (uint64_t)(recovery_stack + sizeof recovery_stack) - 8;  // as if just called
  frame->rflags &= ~RFLAGS_CLEAR;
}
