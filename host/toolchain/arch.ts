// The architectures the EFI app is built for, and the builds of the core each holds.
// Its own module (pipeline.ts re-exports it) so that code which only names
// architectures, like the image command, need not load the build pipeline.

export type Arch = "x86_64" | "aarch64";
export const ARCHES: readonly Arch[] = ["x86_64", "aarch64"];

/** One build of the core: the wasm2c module name (its exported symbols' prefix) and the CPU it needs. */
export interface CoreLevel {
  module: string; // wasm2c -n, letters and digits so wasm2c uses it as is: outDir/<module>.c exports w2c_<module>_run and friends
  level: number; // as firmware/<arch>/cpu.c's cpu_level() counts: x86-64 psABI level (1 is the baseline), aarch64 1
  march: string; // clang's -march, and the name the banner prints ("core: x86-64-v3")
}

/**
 * The builds in every BOOTX64.EFI, lowest level first; firmware/main.c runs the
 * highest the CPU has (CPUID, and XGETBV for the AVX state). The float math is the
 * same IEEE operations in the same order at every level (-ffp-contract=off: never
 * FMA), so every build prints the same text, bit for bit that of the Node host.
 * - x86-64-v2 (SSE4.2): the floor. SSE4.1's roundsd makes floor/ceil/trunc/nearbyint
 *   single exact instructions (firmware/include/math.h), and every x86-64 UEFI PC of
 *   the last decade has it. A CPU without it gets one clear error at boot.
 * - x86-64-v3 (AVX2): 8 floats a vector. Natively, decode ran ~1.3x v2's speed on q8_0
 *   stories110M and ~1.1x on f32, which memory bandwidth caps (noisy shared VM).
 * No x86-64-v4 (AVX-512): nothing here can show it pays or even run it (the machine
 * this was measured on has no AVX-512, and QEMU 7.2's TCG does not emulate it). Adding
 * it is one line here (cpu_level() already counts level 4), once a machine with
 * AVX-512 shows it pays.
 */
export const CORE_LEVELS: readonly CoreLevel[] = [
  { module: "corev2", level: 2, march: "x86-64-v2" },
  { module: "corev3", level: 3, march: "x86-64-v3" },
];

/**
 * The one build in every BOOTAA64.EFI: Armv8.0-A, whose Advanced SIMD (NEON) is 4
 * floats a vector, what SIMDe maps wasm's v128 to. Without reassociation or FMA
 * (-ffp-contract=off: fmul and fadd, never fmla) it prints the same bits as x86-64.
 * Later extensions (dotprod, SVE) would be levels of their own here, once a machine
 * shows they pay; firmware/aarch64/cpu.c counts level 1 when Advanced SIMD is there.
 */
export const AARCH64_LEVELS: readonly CoreLevel[] = [{ module: "corea64", level: 1, march: "armv8-a" }];

/** What differs between the two UEFI architectures the build targets. */
export interface ArchTarget {
  clang: string; // --target: PE/COFF objects and the ABI UEFI uses there
  machine: string; // lld-link /machine
  efiFile: string; // the removable-media boot file name (UEFI spec 2.10, 3.5.1.1)
  shimMarch: string; // -march of the firmware shim: the architecture's baseline
  levels: readonly CoreLevel[];
  flags: readonly string[]; // extra clang flags for every file
}

export const ARCH_TARGETS: Readonly<Record<Arch, ArchTarget>> = {
  x86_64: {
    clang: "x86_64-unknown-windows", // the Microsoft x64 ABI
    machine: "x64",
    efiFile: "BOOTX64.EFI",
    shimMarch: "x86-64",
    levels: CORE_LEVELS,
    flags: ["-mno-red-zone"], // interrupts run on the current stack
  },
  aarch64: {
    clang: "aarch64-unknown-windows", // AAPCS64, as the UEFI spec asks of AArch64 (2.3.6)
    machine: "arm64",
    efiFile: "BOOTAA64.EFI",
    shimMarch: "armv8-a",
    levels: AARCH64_LEVELS,
    flags: [], // no red zone in this ABI; exceptions leave memory alone anyway
  },
};
