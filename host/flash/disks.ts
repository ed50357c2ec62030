// The machine's disks as lsblk sees them, and the rules for which one `flash` may
// overwrite: a whole disk (or loop device), not mounted anywhere, not holding the
// running system, big enough, and removable unless the user says --force.
import { realpath, stat } from "node:fs/promises";
import { UserError } from "../errors.js";
import { formatBytes } from "../image/fat32.js";
import { runTool } from "../tools/exec.js";

/** The columns we ask lsblk for; MOUNTPOINTS (plural, util-linux 2.37+) lists every mount of a device. */
const LSBLK_COLUMNS = "NAME,PATH,TYPE,SIZE,MODEL,TRAN,RM,HOTPLUG,RO,MOUNTPOINTS";

export interface BlockDevice {
  name: string; // "sdb"
  path: string; // "/dev/sdb"
  type: string; // "disk", "part", "loop", "rom", "lvm", "crypt", ...
  bytes: number;
  model: string; // "" when lsblk knows none
  transport: string; // "usb", "sata", "nvme", ... or ""
  removable: boolean; // the removable flag, or hot-pluggable (most USB disks say one of the two)
  readOnly: boolean;
  mountpoints: string[]; // of this device itself
  children: BlockDevice[]; // partitions, and what sits on them (LVM, dm-crypt)
}

interface LsblkEntry {
  name: string;
  path?: string;
  type: string;
  size: number | string;
  model?: string | null;
  tran?: string | null;
  rm: boolean | string;
  hotplug?: boolean | string;
  ro: boolean | string;
  mountpoints?: (string | null)[];
  mountpoint?: string | null;
  children?: LsblkEntry[];
}

/** lsblk prints flags as JSON booleans since util-linux 2.33, as "0"/"1" before. */
const flag = (value: boolean | string | undefined) => value === true || value === "1";

/** The devices in `lsblk --json --bytes -o ...` output, as a tree. */
export function parseLsblk(json: string): BlockDevice[] {
  const convert = (e: LsblkEntry): BlockDevice => ({
    name: e.name,
    path: e.path ?? `/dev/${e.name}`,
    type: e.type,
    bytes: Number(e.size),
    model: (e.model ?? "").trim(),
    transport: e.tran ?? "",
    removable: flag(e.rm) || flag(e.hotplug),
    readOnly: flag(e.ro),
    mountpoints: [...(e.mountpoints ?? []), e.mountpoint].filter((m): m is string => typeof m === "string" && m !== ""),
    children: (e.children ?? []).map(convert),
  });
  const parsed = JSON.parse(json) as { blockdevices: LsblkEntry[] };
  return parsed.blockdevices.map(convert);
}

export async function listBlockDevices(): Promise<BlockDevice[]> {
  const { stdout } = await runTool("lsblk", ["--json", "--bytes", "-o", LSBLK_COLUMNS], { timeoutMs: 30_000 });
  return parseLsblk(stdout);
}

/** Whole disks a stick could be: removable disks and hot-pluggable ones, no zero-sized readers or loops. */
export function removableDisks(devices: BlockDevice[]): BlockDevice[] {
  return devices.filter((d) => d.type === "disk" && d.removable && d.bytes > 0);
}

/** Every mount point of the device and of everything on it. */
export function allMountpoints(device: BlockDevice): string[] {
  return [...device.mountpoints, ...device.children.flatMap(allMountpoints)];
}

/** One line for lists and confirmations: "/dev/sdb  14.9 GiB  SanDisk Cruzer  usb  removable". */
export function describeDevice(d: BlockDevice): string {
  const mounts = allMountpoints(d);
  return [
    d.path.padEnd(12),
    formatBytes(d.bytes).padStart(10),
    d.model || "(no model name)",
    d.transport || "-",
    d.removable ? "removable" : "fixed",
    mounts.length ? `mounted at ${mounts.join(", ")}` : "not mounted",
  ].join("  ");
}

/** Mount points that mean the running system lives on a device. */
const SYSTEM_MOUNTS = new Set(["/", "/boot", "/boot/efi", "/usr", "/var", "/home", "[SWAP]"]);

export interface TargetRules {
  imageBytes: number;
  force?: boolean; // allow a non-removable disk
}

/**
 * The device `path` names, once it is known to be one `flash` may overwrite; throws a
 * UserError naming the device and the reason otherwise. `devices` is lsblk's tree.
 */
export async function checkTarget(path: string, devices: BlockDevice[], rules: TargetRules): Promise<BlockDevice> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) throw new UserError(`${path} does not exist; 'uefi-llm flash --list' shows the removable disks`);
  if (!info.isBlockDevice()) throw new UserError(`${path} is not a block device; 'uefi-llm flash --list' shows the removable disks (to make an image file, use 'uefi-llm image')`);
  const real = await realpath(path);

  const parentOf = new Map<BlockDevice, BlockDevice>();
  const walk = (list: BlockDevice[], parent?: BlockDevice): BlockDevice[] =>
    list.flatMap((d) => {
      if (parent) parentOf.set(d, parent);
      return [d, ...walk(d.children, d)];
    });
  const all = walk(devices);
  const device = all.find((d) => d.path === real) ?? all.find((d) => `/dev/${d.name}` === real);
  if (device === undefined) throw new UserError(`${path}: lsblk does not list this device`);
  const parent = parentOf.get(device);
  if (device.type === "part" || parent !== undefined)
    throw new UserError(`${path} is a partition${parent ? ` of ${parent.path}` : ""}; a boot image goes on the whole disk${parent ? `: uefi-llm flash IMAGE ${parent.path}` : ""}`);
  if (device.type !== "disk" && device.type !== "loop") throw new UserError(`${path} is a ${device.type} device, not a disk`);

  const mounts = [...new Set(allMountpoints(device))];
  const system = mounts.filter((m) => SYSTEM_MOUNTS.has(m));
  if (system.length > 0) throw new UserError(`${path} holds the running system (${system.join(", ")}); refusing to overwrite it`);
  if (mounts.length > 0) throw new UserError(`${path} is mounted at ${mounts.join(", ")}; unmount it first (e.g. udisksctl unmount -b <partition>)`);
  if (device.readOnly) throw new UserError(`${path} is read-only (a write-protect switch on the stick?)`);
  if (device.bytes < rules.imageBytes) throw new UserError(`${path} holds ${formatBytes(device.bytes)}, smaller than the image (${formatBytes(rules.imageBytes)})`);
  if (device.type === "disk" && !device.removable && !rules.force)
    throw new UserError(`${path} is not a removable disk (${device.model || "no model name"}, ${formatBytes(device.bytes)}); if you really mean to overwrite it, add --force`);
  return device;
}
