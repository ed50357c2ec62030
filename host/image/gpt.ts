// GPT partitioning (UEFI spec 2.10, section 5): a protective MBR, the primary header
// and entry array at the front, their backups at the end, for a disk holding one
// EFI system partition.
import { crc32 } from "./crc32.js";

export const SECTOR = 512;
/** 1 MiB in sectors: partitions start and end on it, as partitioning tools and flash erase blocks expect. */
export const ALIGN_SECTORS = (1024 * 1024) / SECTOR;

const ENTRY_COUNT = 128; // the minimum array the spec allows: 16 KiB
const ENTRY_SIZE = 128;
const ENTRY_ARRAY_SECTORS = (ENTRY_COUNT * ENTRY_SIZE) / SECTOR;
const ESP_TYPE = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
const PARTITION_NAME = "EFI System Partition";

export interface GptLayout {
  diskSectors: number;
  partitionFirstLba: number;
  partitionSectors: number; // a multiple of ALIGN_SECTORS
}

export interface SectorWrite {
  lba: number;
  data: Buffer;
}

export function gptLayout(partitionSectors: number): GptLayout {
  // The trailing MiB holds the 33 backup sectors and keeps the disk a whole number of MiB.
  return { partitionFirstLba: ALIGN_SECTORS, partitionSectors, diskSectors: ALIGN_SECTORS + partitionSectors + ALIGN_SECTORS };
}

/** Every non-zero sector of the partitioning structures, given 16-byte on-disk GUIDs. */
export function gptSectors(layout: GptLayout, diskGuid: Buffer, partitionGuid: Buffer): SectorWrite[] {
  const lastLba = layout.diskSectors - 1;
  const backupEntriesLba = lastLba - ENTRY_ARRAY_SECTORS;

  const entries = Buffer.alloc(ENTRY_COUNT * ENTRY_SIZE);
  guidToBytes(ESP_TYPE).copy(entries, 0);
  partitionGuid.copy(entries, 16);
  entries.writeBigUInt64LE(BigInt(layout.partitionFirstLba), 32);
  entries.writeBigUInt64LE(BigInt(layout.partitionFirstLba + layout.partitionSectors - 1), 40);
  entries.write(PARTITION_NAME, 56, "utf16le");
  const entriesCrc = crc32(entries);

  const header = (myLba: number, alternateLba: number, entriesLba: number): Buffer => {
    const h = Buffer.alloc(SECTOR);
    h.write("EFI PART", 0, "ascii");
    h.writeUInt32LE(0x00010000, 8); // revision 1.0
    h.writeUInt32LE(92, 12); // header size
    h.writeBigUInt64LE(BigInt(myLba), 24);
    h.writeBigUInt64LE(BigInt(alternateLba), 32);
    h.writeBigUInt64LE(BigInt(2 + ENTRY_ARRAY_SECTORS), 40); // first usable LBA
    h.writeBigUInt64LE(BigInt(backupEntriesLba - 1), 48); // last usable LBA
    diskGuid.copy(h, 56);
    h.writeBigUInt64LE(BigInt(entriesLba), 72);
    h.writeUInt32LE(ENTRY_COUNT, 80);
    h.writeUInt32LE(ENTRY_SIZE, 84);
    h.writeUInt32LE(entriesCrc, 88);
    h.writeUInt32LE(crc32(h.subarray(0, 92)), 16); // computed while its own field is still zero
    return h;
  };

  return [
    { lba: 0, data: protectiveMbr(layout.diskSectors) },
    { lba: 1, data: header(1, lastLba, 2) },
    { lba: 2, data: entries },
    { lba: backupEntriesLba, data: entries },
    { lba: lastLba, data: header(lastLba, 1, backupEntriesLba) },
  ];
}

/** One partition of type 0xEE covering the disk, so MBR-only tools see it as in use. */
function protectiveMbr(diskSectors: number): Buffer {
  const mbr = Buffer.alloc(SECTOR);
  const p = 446;
  mbr.set([0x00, 0x00, 0x02, 0x00, 0xee, 0xff, 0xff, 0xff], p); // status, CHS start 0/0/2, type, CHS end (max)
  mbr.writeUInt32LE(1, p + 8);
  mbr.writeUInt32LE(Math.min(diskSectors - 1, 0xffffffff), p + 12);
  mbr.writeUInt16LE(0xaa55, 510);
  return mbr;
}

/** "C12A7328-F81F-…" to the on-disk form: the first three fields little-endian, the rest as written. */
function guidToBytes(text: string): Buffer {
  const hex = Buffer.from(text.replace(/-/g, ""), "hex");
  const b = Buffer.from(hex);
  b.writeUInt32LE(hex.readUInt32BE(0), 0);
  b.writeUInt16LE(hex.readUInt16BE(4), 4);
  b.writeUInt16LE(hex.readUInt16BE(6), 6);
  return b;
}

/** A version-4 style GUID (on-disk form) from 16+ bytes of a hash, so images stay reproducible. */
export function guidFromHash(hash: Buffer): Buffer {
  const b = Buffer.from(hash.subarray(0, 16));
  b[7] = (b[7] & 0x0f) | 0x40; // version nibble: top of the little-endian third field
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
  return b;
}
