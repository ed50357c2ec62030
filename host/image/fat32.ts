// A FAT32 file system planned in one pass (Microsoft FAT specification 1.03):
// directories first, then each file in one contiguous run of clusters, so the FAT
// is a set of simple chains and every file can be streamed straight to its place.
import { UserError } from "../errors.js";
import { assignShortNames, checkLongName, longNameEntries, longNameEntryCount, type NamedEntry } from "./fat-names.js";
import { ALIGN_SECTORS, SECTOR } from "./gpt.js";

/** The largest file FAT32 can describe: its size field is 32 bits. */
const MAX_FILE_SIZE = 0xffffffff;
/** Below this many clusters every driver takes the volume for FAT16, whatever the boot sector says. */
const MIN_CLUSTERS = 65525;
const MAX_TOTAL_SECTORS = 0xffffffff; // the boot sector's 32-bit sector count
const MIN_RESERVED_SECTORS = 32;
const FSINFO_SECTOR = 1;
const BACKUP_BOOT_SECTOR = 6;
const ROOT_CLUSTER = 2;
const END_OF_CHAIN = 0x0fffffff;
const MEDIA_FIXED = 0xf8;
const ATTR_VOLUME_ID = 0x08;
const ATTR_DIRECTORY = 0x10;
const ATTR_ARCHIVE = 0x20;
const DIR_ENTRY = 32;
const FAT_CHUNK_ENTRIES = 256 * 1024; // 1 MiB of FAT per write
const VOLUME_LABEL = "UEFI-LLM";
// Every timestamp is 2024-01-01 00:00:00 so that the same inputs give the same bytes.
const FIXED_DATE = ((2024 - 1980) << 9) | (1 << 5) | 1;
const FIXED_TIME = 0;

export interface FatFileInput {
  path: string; // inside the file system, "/"-separated, e.g. "EFI/BOOT/BOOTX64.EFI"
  size: number;
}

export interface PlacedFile extends FatFileInput {
  firstCluster: number; // 0 for an empty file
  clusters: number;
}

interface FileNode {
  kind: "file";
  name: string;
  placed: PlacedFile;
}

export interface DirNode {
  kind: "dir";
  name: string;
  parent?: DirNode; // absent for the root
  children: (FileNode | DirNode)[];
  named: NamedEntry[]; // parallel to children
  firstCluster: number;
  clusters: number;
}

export interface Fat32Plan {
  sectorsPerCluster: number;
  clusterBytes: number;
  reservedSectors: number;
  fatSectors: number; // per copy; there are two
  totalSectors: number; // a multiple of ALIGN_SECTORS, so the partition is exactly the file system
  clusterCount: number; // data clusters, numbered from 2
  usedClusters: number; // clusters 2 .. 2 + usedClusters - 1 are allocated
  dirs: DirNode[]; // the root first
  files: PlacedFile[]; // in input order
}

/** Lays out a FAT32 volume holding `inputs`; throws a UserError for names or sizes FAT32 cannot hold. */
export function planFat32(inputs: FatFileInput[]): Fat32Plan {
  const root: DirNode = { kind: "dir", name: "", children: [], named: [], firstCluster: 0, clusters: 0 };
  const dirs = [root];
  const files: PlacedFile[] = [];
  for (const input of inputs) {
    if (input.size > MAX_FILE_SIZE) {
      throw new UserError(`${input.path} is ${formatBytes(input.size)}: too big for FAT32, which holds files up to 4 GiB - 1 byte`);
    }
    const parts = input.path.split("/");
    let dir = root;
    parts.forEach((name, i) => {
      checkLongName(name, input.path);
      const existing = dir.children.find((c) => c.name.toUpperCase() === name.toUpperCase());
      const isLast = i === parts.length - 1;
      if (isLast) {
        if (existing) throw new UserError(`two files would be named "${parts.slice(0, i + 1).join("/")}" on FAT32 (names ignore case)`);
        const placed: PlacedFile = { ...input, firstCluster: 0, clusters: 0 };
        files.push(placed);
        dir.children.push({ kind: "file", name, placed });
      } else if (existing?.kind === "file") {
        throw new UserError(`"${parts.slice(0, i + 1).join("/")}" would be both a file and a directory`);
      } else if (existing) {
        dir = existing;
      } else {
        const sub: DirNode = { kind: "dir", name, parent: dir, children: [], named: [], firstCluster: 0, clusters: 0 };
        dir.children.push(sub);
        dirs.push(sub);
        dir = sub;
      }
    });
  }

  const contentBytes = files.reduce((sum, f) => sum + f.size, 0);
  const sectorsPerCluster = sectorsPerClusterFor(contentBytes);
  const clusterBytes = sectorsPerCluster * SECTOR;

  let next = ROOT_CLUSTER;
  for (const dir of dirs) {
    dir.named = assignShortNames(dir.children.map((c) => c.name));
    const entries = (dir.parent ? 2 : 1) + dir.named.reduce((n, e) => n + 1 + (e.needsLongName ? longNameEntryCount(e.name) : 0), 0);
    dir.clusters = Math.max(1, Math.ceil((entries * DIR_ENTRY) / clusterBytes));
    dir.firstCluster = next;
    next += dir.clusters;
  }
  for (const file of files) {
    file.clusters = Math.ceil(file.size / clusterBytes);
    file.firstCluster = file.clusters ? next : 0;
    next += file.clusters;
  }
  const usedClusters = next - ROOT_CLUSTER;

  // Slack: room to drop in an edited config or a small file without rebuilding.
  const slack = Math.ceil(Math.max(1024 * 1024, contentBytes / 100) / clusterBytes);
  const wanted = Math.max(usedClusters + slack, MIN_CLUSTERS);
  let totalSectors = alignUp(MIN_RESERVED_SECTORS + 2 * fatSectorsFor(wanted) + sectorsPerCluster + wanted * sectorsPerCluster, ALIGN_SECTORS);
  for (;;) {
    if (totalSectors > MAX_TOTAL_SECTORS) throw new UserError(`the files add up to ${formatBytes(contentBytes)}: too much for one FAT32 partition`);
    const fit = fitFats(totalSectors, sectorsPerCluster);
    if (fit.clusterCount >= wanted) return { sectorsPerCluster, clusterBytes, totalSectors, usedClusters, dirs, files, ...fit };
    totalSectors += ALIGN_SECTORS;
  }
}

/** The cluster sizes Windows formats with for these volume sizes: few clusters for big models, little waste for small ones. */
function sectorsPerClusterFor(contentBytes: number): number {
  const MiB = 1024 * 1024;
  if (contentBytes < 256 * MiB) return 1;
  if (contentBytes < 8192 * MiB) return 8;
  if (contentBytes < 16384 * MiB) return 16;
  if (contentBytes < 32768 * MiB) return 32;
  return 64;
}

function fatSectorsFor(clusters: number): number {
  return Math.ceil(((clusters + 2) * 4) / SECTOR);
}

/** FAT size and cluster count for a volume of `totalSectors`: the FATs must cover exactly the clusters left after them. */
function fitFats(totalSectors: number, sectorsPerCluster: number) {
  let fatSectors = 1;
  for (;;) {
    // Extra reserved sectors put the data region, and so every cluster, on a cluster boundary.
    const reservedSectors = alignUp(MIN_RESERVED_SECTORS + 2 * fatSectors, sectorsPerCluster) - 2 * fatSectors;
    const clusterCount = Math.floor((totalSectors - reservedSectors - 2 * fatSectors) / sectorsPerCluster);
    const needed = fatSectorsFor(clusterCount);
    if (needed <= fatSectors) return { reservedSectors, fatSectors, clusterCount };
    fatSectors = needed;
  }
}

/** Byte offset, from the start of the volume, of data cluster `cluster`. */
export function clusterOffset(plan: Fat32Plan, cluster: number): number {
  return (plan.reservedSectors + 2 * plan.fatSectors) * SECTOR + (cluster - ROOT_CLUSTER) * plan.clusterBytes;
}

/** Byte offset, from the start of the volume, of FAT copy `copy` (0 or 1). */
export function fatOffset(plan: Fat32Plan, copy: number): number {
  return (plan.reservedSectors + copy * plan.fatSectors) * SECTOR;
}

/** The reserved region's non-zero sectors: boot sector and FSInfo, and their backups. */
export function reservedSectors(plan: Fat32Plan, volumeId: number): { sector: number; data: Buffer }[] {
  const boot = Buffer.alloc(SECTOR);
  boot.set([0xeb, 0x58, 0x90], 0); // jump over the BPB, as every FAT driver expects to see
  boot.write("UEFI-LLM", 3, "ascii"); // OEM name
  boot.writeUInt16LE(SECTOR, 11);
  boot[13] = plan.sectorsPerCluster;
  boot.writeUInt16LE(plan.reservedSectors, 14);
  boot[16] = 2; // FATs
  boot[21] = MEDIA_FIXED;
  // 32 sectors x 64 heads divides every whole-MiB volume, which mtools checks.
  boot.writeUInt16LE(32, 24);
  boot.writeUInt16LE(64, 26);
  boot.writeUInt32LE(ALIGN_SECTORS, 28); // hidden sectors: the partition's first LBA
  boot.writeUInt32LE(plan.totalSectors, 32);
  boot.writeUInt32LE(plan.fatSectors, 36);
  boot.writeUInt32LE(ROOT_CLUSTER, 44);
  boot.writeUInt16LE(FSINFO_SECTOR, 48);
  boot.writeUInt16LE(BACKUP_BOOT_SECTOR, 50);
  boot[64] = 0x80; // drive number: a hard disk
  boot[66] = 0x29; // extended boot signature: volume id, label and type follow
  boot.writeUInt32LE(volumeId >>> 0, 67);
  boot.write(VOLUME_LABEL.padEnd(11, " "), 71, "ascii");
  boot.write("FAT32   ", 82, "ascii");
  boot.writeUInt16LE(0xaa55, 510);

  const info = Buffer.alloc(SECTOR);
  info.writeUInt32LE(0x41615252, 0);
  info.writeUInt32LE(0x61417272, 484);
  info.writeUInt32LE(plan.clusterCount - plan.usedClusters, 488); // free clusters
  info.writeUInt32LE(ROOT_CLUSTER + plan.usedClusters, 492); // where to look for the next free one
  info.writeUInt32LE(0xaa550000, 508);

  return [
    { sector: 0, data: boot },
    { sector: FSINFO_SECTOR, data: info },
    { sector: BACKUP_BOOT_SECTOR, data: boot },
    { sector: BACKUP_BOOT_SECTOR + FSINFO_SECTOR, data: info },
  ];
}

/** The FAT's non-zero part in chunks; `offset` is in bytes from the start of one FAT copy. */
export function* fatChunks(plan: Fat32Plan): Generator<{ offset: number; data: Buffer }> {
  // Allocation was sequential, so the runs are sorted and leave no gaps.
  const runEnds = [...plan.dirs, ...plan.files.filter((f) => f.clusters > 0)].map((r) => r.firstCluster + r.clusters);
  const end = ROOT_CLUSTER + plan.usedClusters;
  let run = 0;
  for (let start = 0; start < end; start += FAT_CHUNK_ENTRIES) {
    const count = Math.min(FAT_CHUNK_ENTRIES, end - start);
    const data = Buffer.alloc(count * 4);
    for (let entry = start; entry < start + count; entry++) {
      let value: number;
      if (entry === 0) value = 0x0fffff00 | MEDIA_FIXED;
      else if (entry === 1) value = END_OF_CHAIN; // also the "cleanly unmounted, no errors" bits
      else {
        while (runEnds[run] <= entry) run++;
        value = entry + 1 === runEnds[run] ? END_OF_CHAIN : entry + 1;
      }
      data.writeUInt32LE(value, (entry - start) * 4);
    }
    yield { offset: start * 4, data };
  }
}

/** The clusters of one directory: ".", ".." or the volume label, then each child's VFAT and short entries. */
export function directoryBytes(plan: Fat32Plan, dir: DirNode): Buffer {
  const out = Buffer.alloc(dir.clusters * plan.clusterBytes);
  let at = 0;
  const put = (entry: Buffer) => {
    entry.copy(out, at);
    at += entry.length;
  };
  if (dir.parent) {
    put(shortEntry(".".padEnd(11, " "), ATTR_DIRECTORY, dir.firstCluster, 0));
    put(shortEntry("..".padEnd(11, " "), ATTR_DIRECTORY, dir.parent.parent ? dir.parent.firstCluster : 0, 0)); // 0 means the root
  } else {
    put(shortEntry(VOLUME_LABEL.padEnd(11, " "), ATTR_VOLUME_ID, 0, 0));
  }
  dir.children.forEach((child, i) => {
    const { name, shortName, needsLongName, caseFlags } = dir.named[i];
    if (needsLongName) put(longNameEntries(name, shortName));
    if (child.kind === "dir") put(shortEntry(shortName, ATTR_DIRECTORY, child.firstCluster, 0, caseFlags));
    else put(shortEntry(shortName, ATTR_ARCHIVE, child.placed.firstCluster, child.placed.size, caseFlags));
  });
  return out;
}

function shortEntry(shortName: string, attr: number, firstCluster: number, size: number, caseFlags = 0): Buffer {
  const e = Buffer.alloc(DIR_ENTRY);
  e.write(shortName, 0, "ascii");
  e[11] = attr;
  e[12] = caseFlags;
  e.writeUInt16LE(FIXED_TIME, 14); // created
  e.writeUInt16LE(FIXED_DATE, 16);
  e.writeUInt16LE(FIXED_DATE, 18); // last accessed
  e.writeUInt16LE(firstCluster >>> 16, 20);
  e.writeUInt16LE(FIXED_TIME, 22); // written
  e.writeUInt16LE(FIXED_DATE, 24);
  e.writeUInt16LE(firstCluster & 0xffff, 26);
  e.writeUInt32LE(size, 28);
  return e;
}

function alignUp(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}

export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = bytes;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${bytes} bytes` : `${v.toFixed(1)} ${units[i]}`;
}
