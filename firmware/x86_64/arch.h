// x86-64: the instructions C cannot express, and the constants the shared firmware
// code takes from the architecture (firmware.h includes this; the build puts
// firmware/x86_64/ on the include path).
#ifndef ARCH_H
#define ARCH_H

#include <stdint.h>

#define ARCH_NAME "x86-64"
// What the core's builds are graded by, for "this CPU lacks <march>, the lowest <kind> ...".
#define CORE_LEVEL_KIND "x86-64 level"

// Our top-level page-table slot: 256 = 0xffff800000000000, the first upper-half slot,
// which an identity map never reaches (physical addresses stay below 2^47).
#define REGION_BASE 0xffff800000000000ull
// Page-table entries (4-level paging): present, writable; a table entry the same.
#define PTE_VALID 1ull
#define PTE_ADDRESS 0x000ffffffffff000ull

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]) {
  __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}
static inline uint64_t read_cr2(void) { uint64_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline void write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static inline uint64_t read_cr4(void) { uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr4(uint64_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }
static inline uint64_t rdtsc(void) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((uint64_t)hi << 32) | lo; }

static inline uint64_t read_sp(void) { uint64_t v; __asm__ volatile("mov %%rsp, %0" : "=r"(v)); return v; }
// In a spin-wait loop.
static inline void cpu_relax(void) { __builtin_ia32_pause(); }

#endif
