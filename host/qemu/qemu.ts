// Boots a disk image in QEMU with OVMF (x86-64, q35) or AAVMF (AArch64, virt): the
// guest's serial console on our stdout, QEMU's exit status as the outcome. The one
// place a long-running, interactive child is started, so signal forwarding and the
// KVM-to-TCG fallback live here.
import { access, constants, type FileHandle, mkdtemp, open, rm, stat } from "node:fs/promises";
import { constants as osConstants, tmpdir } from "node:os";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { execa } from "execa";
import { UserError, verbose } from "../errors.js";
import type { Arch } from "../toolchain/arch.js";
import { FIRMWARE, freshVars, type Firmware } from "./ovmf.js";
import { serialFilter } from "./serial-filter.js";
import { qmpCommand } from "./qmp.js";

/** The QEMU for each architecture, its Debian package, and the host (process.arch) whose KVM can run it. */
export const QEMU: Readonly<Record<Arch, { binary: string; debianPackage: string; kvmHost: string }>> = {
  x86_64: { binary: "qemu-system-x86_64", debianPackage: "qemu-system-x86", kvmHost: "x64" },
  aarch64: { binary: "qemu-system-aarch64", debianPackage: "qemu-system-arm", kvmHost: "arm64" },
};
/** After SIGTERM, how long QEMU gets to restore the terminal and exit before SIGKILL. */
const KILL_GRACE_MS = 5000;

export type Accel = "kvm" | "tcg";

export interface QemuOptions {
  arch?: Arch; // the guest's architecture; default x86_64
  el2?: boolean; // aarch64: start the firmware at EL2 (virt,virtualization=on) instead of EL1
  timeoutSeconds?: number; // stop QEMU after this long; default: no limit
  memoryMb?: number; // default: defaultMemoryMb(image size)
  smp?: number; // virtual CPUs; default 1
  usb?: boolean; // attach the image as a USB stick on xHCI instead of a virtio disk
  cpu?: string; // QEMU CPU model; default: host under KVM, else defaultCpu(arch)
  accel?: Accel; // default: KVM when /dev/kvm works, else TCG
  /** Stream the serial console to our stdout and QEMU's messages to our stderr, and give QEMU our stdin. */
  interactive?: boolean;
  /** Boot the disk without writing it: QEMU keeps the guest's writes in a temporary overlay (a flashed stick). */
  snapshot?: boolean;
  /** Firmware and variable store to start from instead of the architecture's plain OVMF/AAVMF (x86_64: Secure Boot). */
  firmware?: Firmware;
  /** Let the guest change `firmware.vars` itself instead of a fresh copy (to prepare a variable store). */
  varsInPlace?: boolean;
  /** Stop QEMU as soon as the serial output matches this (a firmware message that means the boot is over, say). */
  stopOn?: RegExp;
  /** Typed into the serial console, step by step; not with `interactive`, which gives QEMU our stdin. */
  input?: SerialInput[];
  /** Called once QEMU runs, with a function that types into the serial console whenever the caller likes (not with `interactive`). */
  serialInput?: (type: (text: string) => void) => void;
  /**
   * A virtio network card on QEMU's user network (DHCP, NAT), with host port `hostPort` on
   * 127.0.0.1 forwarded to the guest's `guestPort`; "no-dhcp": on a user network without
   * IPv4, where no DHCP server answers.
   */
  net?: { hostPort: number; guestPort: number } | "no-dhcp";
  /** A screen: a VGA adapter whose framebuffer the firmware drives through GOP at this resolution (default: none). */
  screen?: { width: number; height: number };
  /** With `stopOn` and `screen`: save the screen there (PPM) when `stopOn` matches, before stopping QEMU. */
  screendump?: string;
}

export interface SerialInput {
  /** Wait until the guest's serial output since the previous step's `after` shows this... */
  after: string;
  /** ...then send these bytes. */
  text: string;
}

export interface QemuResult {
  exitCode: number; // QEMU's: 0 after a clean guest shutdown; 128 + n when QEMU died of signal n
  output: string; // everything the guest wrote to its serial port
  stderr: string; // QEMU's own messages
  timedOut: boolean; // QEMU was stopped at timeoutSeconds
  stoppedOn?: string; // the text that matched `stopOn`, when QEMU was stopped for it
  signal?: NodeJS.Signals; // SIGINT or SIGTERM that we received and passed on to QEMU
  accel: Accel;
}

/** Set once KVM has failed in this process, so later runs go straight to TCG. */
let kvmFailed = false;

/**
 * Boots `image` and resolves when QEMU exits, with the guest's serial output.
 * Unless `accel` is given, tries KVM first and, when KVM fails before the guest
 * printed anything (under nested virtualization QEMU either aborts setting up the
 * vCPU or stops at "KVM internal error" inside OVMF), runs again under TCG.
 * Throws a UserError when QEMU or OVMF is not installed.
 */
export async function runQemu(image: string, options: QemuOptions = {}): Promise<QemuResult> {
  const deadline = options.timeoutSeconds === undefined ? undefined : Date.now() + options.timeoutSeconds * 1000;
  const memoryMb = options.memoryMb ?? defaultMemoryMb((await stat(image)).size); // a device's stat size is 0: the minimum
  let accel = options.accel ?? ((await kvmUsable(options.arch ?? "x86_64")) ? "kvm" : "tcg");
  for (;;) {
    const { result, kvmError } = await runOnce(image, accel, memoryMb, deadline, options, accel === "kvm" && options.accel === undefined);
    if (kvmError === undefined) return result;
    kvmFailed = true;
    if (options.interactive) process.stderr.write(`uefi-llm: KVM does not work here (${kvmError}); using TCG, which is slower\n`);
    accel = "tcg";
  }
}

/** Room for the model file as read from disk, the core's copy of the weights, and run state. */
function defaultMemoryMb(imageBytes: number): number {
  const MiB = 1024 * 1024;
  return Math.max(1024, Math.ceil((2 * imageBytes) / MiB / 256) * 256 + 512);
}

/**
 * The CPU model under TCG: x86-64 "max" (AVX2, the v3 build); AArch64 "cortex-a72",
 * a plain Armv8.0-A core, since "max" emulates pointer authentication, which makes
 * TCG several times slower.
 */
export function defaultCpu(arch: Arch, accel: Accel): string {
  if (accel === "kvm") return "host";
  return arch === "aarch64" ? "cortex-a72" : "max";
}

async function kvmUsable(arch: Arch): Promise<boolean> {
  if (kvmFailed || process.arch !== QEMU[arch].kvmHost) return false;
  return access("/dev/kvm", constants.R_OK | constants.W_OK).then(
    () => true,
    () => false,
  );
}

function qemuArgs(image: string, vars: string, accel: Accel, memoryMb: number, options: QemuOptions): string[] {
  const arch = options.arch ?? "x86_64";
  // QEMU's option syntax splits on commas; a literal one is written twice.
  const file = (path: string) => path.replace(/,/g, ",,");
  const disk = options.usb
    ? ["-device", "qemu-xhci,id=xhci", "-device", "usb-storage,bus=xhci.0,drive=disk,bootindex=0"]
    : ["-device", "virtio-blk-pci,drive=disk,bootindex=0"];
  const firmware = options.firmware ?? FIRMWARE[arch];
  // Secure Boot: OVMF's SMM build, whose variable store only SMM code may write.
  const secure = firmware.secureBoot ? ["-global", "driver=cfi.pflash01,property=secure,value=on"] : [];
  return [
    "-nodefaults", // no VGA, NIC, floppy or CD-ROM: the serial port is the console, and OVMF tries no network boot
    "-machine", arch === "aarch64" ? `virt${options.el2 ? ",virtualization=on" : ""}` : firmware.secureBoot ? "q35,smm=on" : "q35",
    ...secure,
    "-accel", accel,
    "-cpu", options.cpu ?? defaultCpu(arch, accel),
    "-m", String(memoryMb),
    "-smp", String(options.smp ?? 1),
    "-drive", `if=pflash,format=raw,unit=0,readonly=on,file=${file(firmware.code)}`,
    "-drive", `if=pflash,format=raw,unit=1,file=${file(vars)}`,
    "-drive", `if=none,id=disk,format=raw,file=${file(image)}${options.snapshot ? ",snapshot=on" : ""}`,
    ...disk,
    ...(options.net === undefined
      ? []
      : ["-netdev", options.net === "no-dhcp" ? "user,id=n0,ipv4=off" : `user,id=n0,hostfwd=tcp:127.0.0.1:${options.net.hostPort}-:${options.net.guestPort}`,
         "-device", "virtio-net-pci,netdev=n0"]),
    "-serial", "stdio",
    "-display", "none", // no window; a `screen` still has its framebuffer, which QMP's screendump reads
    ...(options.screen ? ["-device", `VGA,xres=${options.screen.width},yres=${options.screen.height},vgamem_mb=${vgaMemoryMb(options.screen)}`] : []),
    "-no-reboot", // a guest reset ends the run instead of booting again
  ];
}

/** VGA memory for a 32-bit framebuffer of that size: a power of two, at least QEMU's default 16 MiB. */
function vgaMemoryMb({ width, height }: { width: number; height: number }): number {
  let mb = 16;
  while (mb * 1024 * 1024 < width * height * 4) mb *= 2;
  return mb;
}

/** QEMU does not exit on this error: it pauses the guest and waits. */
const KVM_STUCK = /KVM internal error[^\n]*/;

/**
 * One QEMU run. With `kvmProbation`, QEMU's messages are held back until the
 * guest prints something, and a KVM failure before that is returned as
 * `kvmError` (the reason, one line) instead of being shown.
 */
async function runOnce(
  image: string,
  accel: Accel,
  memoryMb: number,
  deadline: number | undefined,
  options: QemuOptions,
  kvmProbation: boolean,
): Promise<{ result: QemuResult; kvmError?: string }> {
  const interactive = options.interactive ?? false;
  const arch = options.arch ?? "x86_64";
  const qemu = QEMU[arch].binary;
  const vars = options.varsInPlace && options.firmware ? { path: options.firmware.vars, remove: async () => {} } : await freshVars(options.firmware ?? arch);
  const args = qemuArgs(image, vars.path, accel, memoryMb, options);
  const qmpDir = options.screendump ? await mkdtemp(join(tmpdir(), "uefi-llm-qmp-")) : undefined;
  const qmpSocket = qmpDir && join(qmpDir, "qmp.sock");
  if (qmpSocket) args.push("-qmp", `unix:${qmpSocket.replace(/,/g, ",,")},server=on,wait=off`);
  if (verbose) process.stderr.write(`$ ${[qemu, ...args].join(" ")}\n`);
  // Unless a terminal shows it, the serial console goes to a file that we read as it
  // grows: a pipe that fills while we are slow to read (a busy machine) holds the guest's
  // output back, and QEMU's UART gives a byte up after a few failed writes, the
  // firmware's serial driver after its write timeout. A file never pushes back.
  const serialDir = interactive ? undefined : await mkdtemp(join(tmpdir(), "uefi-llm-serial-"));
  const serialLog = serialDir === undefined ? undefined : await open(join(serialDir, "serial"), "w+");
  const child = execa(qemu, args, {
    // A terminal is put in raw mode and its keys passed on as typed (Esc, Ctrl-C reach the guest); other input is inherited.
    stdin: interactive ? (process.stdin.isTTY ? "pipe" : "inherit") : options.input || options.serialInput ? "pipe" : "ignore",
    // A file descriptor goes to the child as it is (execa's types list only 1 to 9).
    stdout: serialLog ? (serialLog.fd as 3) : "pipe",
    stderr: "pipe",
    buffer: false,
    reject: false,
    forceKillAfterDelay: KILL_GRACE_MS,
  });

  const output: Buffer[] = [];
  const show = serialFilter(process.stdout.isTTY ? "keep" : "final"); // what our stdout shows of it
  const messages: Buffer[] = [];
  let held = kvmProbation;
  // Once we stop QEMU ourselves, its "terminating on signal" line says nothing new.
  let stopping = false;
  let kvmError: string | undefined;
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    child.kill(signal);
  };
  const input = interactive ? [] : (options.input ?? []);
  let step = 0;
  // Output since the last step's `after` that may still hold the start of the next one,
  // kept short so each chunk costs little.
  let unmatched = Buffer.alloc(0);
  // The guest may shut down before it has read everything.
  child.stdin?.on("error", () => {});
  let stoppedOn: string | undefined;
  let recent = "";
  const onSerial = (chunk: Buffer) => {
    output.push(chunk);
    if (options.stopOn && stoppedOn === undefined) {
      recent = (recent + chunk.toString("latin1")).slice(-4096);
      const match = options.stopOn.exec(recent);
      if (match) {
        stoppedOn = match[0];
        if (!qmpSocket) stop("SIGTERM");
        else
          qmpCommand(qmpSocket, "screendump", { filename: options.screendump })
            .catch((error: Error) => messages.push(Buffer.from(`uefi-llm: screendump failed: ${error.message}\n`)))
            .finally(() => stop("SIGTERM"));
      }
    }
    if (step < input.length) {
      unmatched = Buffer.concat([unmatched, chunk]);
      for (let at; step < input.length && (at = unmatched.indexOf(input[step].after)) >= 0; step++) {
        unmatched = unmatched.subarray(at + Buffer.byteLength(input[step].after));
        child.stdin?.write(input[step].text);
      }
      const keep = step < input.length ? Buffer.byteLength(input[step].after) - 1 : 0;
      unmatched = unmatched.subarray(Math.max(0, unmatched.length - keep));
    }
    if (!interactive) return;
    if (held && !stopping) for (const message of messages) process.stderr.write(message);
    held = false;
    process.stdout.write(show.write(chunk));
  };
  if (!serialLog) child.stdout?.on("data", onSerial);
  const following = serialLog && follow(serialLog, onSerial);
  if (!interactive) options.serialInput?.((text) => child.stdin?.write(text));
  const keyboard = interactive && process.stdin.isTTY ? rawKeyboard(child.stdin!, () => stop("SIGTERM")) : undefined;
  child.stderr?.on("data", (chunk: Buffer) => {
    messages.push(chunk);
    if (held && !stopping) {
      kvmError = KVM_STUCK.exec(Buffer.concat(messages).toString("utf8"))?.[0];
      if (kvmError) stop("SIGTERM");
    } else if (interactive && !stopping) process.stderr.write(chunk);
  });

  let timedOut = false;
  let forwarded: NodeJS.Signals | undefined;
  const timer = deadline === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    stop("SIGTERM");
  }, Math.max(0, deadline - Date.now()));
  const forward = (signal: NodeJS.Signals) => {
    forwarded = signal;
    stop(signal);
  };
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  let result;
  try {
    result = await child;
  } finally {
    await following?.stop();
    await serialLog?.close();
    if (serialDir) await rm(serialDir, { recursive: true, force: true });
    clearTimeout(timer);
    keyboard?.restore();
    process.off("SIGINT", forward);
    process.off("SIGTERM", forward);
    await vars.remove();
    if (qmpDir) await rm(qmpDir, { recursive: true, force: true });
  }
  if (interactive) process.stdout.write(show.end());
  if ((result as { code?: string }).code === "ENOENT")
    throw new UserError(`${qemu} not found: install the Debian package '${QEMU[arch].debianPackage}' (or run scripts/setup.sh)`);

  const stderr = Buffer.concat(messages).toString("utf8");
  const signalCode = result.signal ? 128 + (osConstants.signals[result.signal] ?? 0) : undefined;
  const exitCode = result.exitCode ?? signalCode ?? 1;
  if (held && !stopping && exitCode !== 0) {
    // QEMU gave up before the guest said anything: blame KVM if QEMU does, else show why.
    if (/kvm/i.test(stderr)) kvmError = stderr.trim().split("\n")[0];
    else if (interactive) process.stderr.write(stderr);
  }
  return {
    result: { exitCode, output: Buffer.concat(output).toString("utf8"), stderr, timedOut, stoppedOn, signal: forwarded, accel },
    kvmError,
  };
}

/** How often the serial file is looked at for more output. */
const FOLLOW_MS = 10;

/**
 * Hands `onData` what is written to `file` as it grows, until stop(), which returns once
 * everything written so far has been handed over.
 */
function follow(file: FileHandle, onData: (chunk: Buffer) => void): { stop(): Promise<void> } {
  let position = 0;
  let stopping = false;
  const buffer = Buffer.alloc(64 * 1024);
  const readNew = async () => {
    for (let n; (n = (await file.read(buffer, 0, buffer.length, position)).bytesRead) > 0; position += n) onData(Buffer.from(buffer.subarray(0, n)));
  };
  const loop = (async () => {
    while (!stopping) {
      await readNew();
      await new Promise((resolve) => setTimeout(resolve, FOLLOW_MS));
    }
    await readNew();
  })();
  return {
    stop: async () => {
      stopping = true;
      await loop;
    },
  };
}

/**
 * This terminal in raw mode while QEMU runs: every key goes to the guest as typed, so Esc
 * and Ctrl-C stop an answer there; Ctrl-] stops QEMU. Restored when QEMU ends, and on
 * any exit of ours.
 */
function rawKeyboard(guest: Writable, quit: () => void): { restore(): void } {
  const stdin = process.stdin;
  const restore = () => {
    stdin.off("data", onKeys);
    stdin.pause();
    if (stdin.isTTY && stdin.isRaw) stdin.setRawMode(false);
    process.off("exit", restore);
  };
  const onKeys = (keys: Buffer) => {
    if (keys.includes(0x1d)) return quit(); // Ctrl-]
    guest.write(keys);
  };
  process.on("exit", restore);
  stdin.setRawMode(true);
  stdin.on("data", onKeys);
  stdin.resume();
  process.stderr.write("(keys go to the guest; Ctrl-] stops QEMU)\n");
  return { restore };
}
