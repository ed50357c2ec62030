// FAT directory names: which long names are allowed, the 8.3 short name Windows
// would derive for each (Microsoft FAT specification, "Basis-Name Generation
// Algorithm"), and the VFAT long-name entries that carry the real name.
import { UserError } from "../errors.js";

const SHORT_NAME_SYMBOLS = "!#$%&'()-@^_`{}~";
const LONG_NAME_FORBIDDEN = /[\x00-\x1f\x7f"*/:<>?\\|]/;
const LONG_NAME_MAX = 255; // UTF-16 code units
const UNITS_PER_ENTRY = 13;

const ATTR_LONG_NAME = 0x0f;

/** Throws a UserError naming `path` if `name` cannot be a FAT long file name. */
export function checkLongName(name: string, path: string): void {
  const fail = (why: string) => {
    throw new UserError(`cannot put "${path}" on FAT32: ${why}`);
  };
  if (name === "") fail("empty path component");
  if (name === "." || name === "..") fail(`"${name}" is not a file name`);
  if (LONG_NAME_FORBIDDEN.test(name)) fail(`the name contains a character FAT does not allow (control characters or " * / : < > ? \\ |)`);
  if (/[. ]$/.test(name)) fail("the name ends with a dot or a space, which FAT drivers strip");
  // FAT's long names are UTF-16, but UEFI strings are UCS-2 (UEFI spec 2.10, 2.3.1,
  // CHAR16): the firmware cannot even spell a name outside the Basic Multilingual Plane.
  if (/[\uD800-\uDFFF]/.test(name)) fail("the name has a character outside the Basic Multilingual Plane (an emoji, say), which UEFI's UCS-2 file names cannot hold; rename the file");
  if (name.length > LONG_NAME_MAX) fail(`the name is longer than ${LONG_NAME_MAX} characters`);
}

interface Basis {
  base: string; // up to 8 characters
  ext: string; // up to 3 characters
  lossy: boolean; // the short name alone cannot give back the long name (case aside): needs a ~N tail
}

/** The upper-case 8.3 basis of a long name; anything dropped or replaced makes it lossy. */
function basisName(name: string): Basis {
  let lossy = false;
  let converted = "";
  for (const ch of name) {
    const upper = ch.toUpperCase();
    const ascii = ch.length === 1 && ch < "\x80";
    if (ch === " ") lossy = true;
    else if (ch === ".") converted += ch;
    else if (ascii && (/[A-Z0-9]/.test(upper) || SHORT_NAME_SYMBOLS.includes(upper))) converted += upper;
    else {
      converted += "_";
      lossy = true;
    }
  }
  const withoutLeadingDots = converted.replace(/^\.+/, "");
  if (withoutLeadingDots !== converted) lossy = true;
  const lastDot = withoutLeadingDots.lastIndexOf(".");
  let base = lastDot < 0 ? withoutLeadingDots : withoutLeadingDots.slice(0, lastDot);
  let ext = lastDot < 0 ? "" : withoutLeadingDots.slice(lastDot + 1);
  if (base.includes(".")) {
    base = base.replace(/\./g, "");
    lossy = true;
  }
  if (base === "") {
    base = "_";
    lossy = true;
  }
  if (base.length > 8 || ext.length > 3) {
    base = base.slice(0, 8);
    ext = ext.slice(0, 3);
    lossy = true;
  }
  return { base, ext, lossy };
}

export interface NamedEntry {
  name: string;
  /** 11 characters, base and extension space-padded, as stored in the directory entry. */
  shortName: string;
  /** Whether VFAT entries must carry `name`, i.e. its short name and case flags cannot give it back. */
  needsLongName: boolean;
  /**
   * The directory entry's case byte (offset 12, "NTRes"): 0x08 when the base is stored
   * upper case but is all lower case, 0x10 likewise for the extension. Windows writes
   * these instead of VFAT entries for names like "uefi-llm.cfg", and Linux and mtools
   * read them, so an all-lower-case 8.3 name needs no long name at all.
   */
  caseFlags: number;
}

export const CASE_LOWER_BASE = 0x08;
export const CASE_LOWER_EXT = 0x10;

/**
 * Short names for the children of one directory, in the given order. Names that fit
 * 8.3 (case aside) keep their basis; the others get the first free "~N" tail, so a
 * literal "FOO~1.TXT" is never shadowed by a generated one.
 */
export function assignShortNames(names: string[]): NamedEntry[] {
  const bases = names.map(basisName);
  const taken = new Set(bases.filter((b) => !b.lossy).map((b) => pad(b.base, b.ext)));
  return names.map((name, i) => {
    const b = bases[i];
    let shortName = pad(b.base, b.ext);
    if (b.lossy) {
      for (let n = 1; ; n++) {
        const tail = `~${n}`;
        if (tail.length > 7) throw new UserError(`too many similar names in one FAT directory (at "${name}")`);
        shortName = pad(b.base.slice(0, 8 - tail.length) + tail, b.ext);
        if (!taken.has(shortName)) break;
      }
      taken.add(shortName);
    }
    const caseFlags = b.lossy ? undefined : lowerCaseFlags(name, b);
    return { name, shortName, needsLongName: caseFlags === undefined, caseFlags: caseFlags ?? 0 };
  });
}

/**
 * For a name that is its own basis but for case: the case flags that give it back, or
 * undefined when base or extension mixes upper and lower case (VFAT entries must do).
 */
function lowerCaseFlags(name: string, b: Basis): number | undefined {
  const base = name.slice(0, b.base.length);
  const ext = name.slice(b.base.length + 1);
  const flag = (part: string, upper: string, lower: number) => (part === upper ? 0 : part === upper.toLowerCase() ? lower : undefined);
  const baseFlag = flag(base, b.base, CASE_LOWER_BASE);
  const extFlag = flag(ext, b.ext, CASE_LOWER_EXT);
  return baseFlag === undefined || extFlag === undefined ? undefined : baseFlag | extFlag;
}

function pad(base: string, ext: string): string {
  return base.padEnd(8, " ") + ext.padEnd(3, " ");
}

/** The checksum of an 11-byte short name that every VFAT entry of that file repeats. */
function shortNameChecksum(shortName: string): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = ((((sum & 1) << 7) | (sum >> 1)) + shortName.charCodeAt(i)) & 0xff;
  return sum;
}

export function longNameEntryCount(name: string): number {
  return Math.ceil(name.length / UNITS_PER_ENTRY);
}

/** The VFAT entries for `name`, in on-disk order (last part first), to precede the short entry. */
export function longNameEntries(name: string, shortName: string): Buffer {
  const count = longNameEntryCount(name);
  const units = new Uint16Array(count * UNITS_PER_ENTRY).fill(0xffff);
  for (let i = 0; i < name.length; i++) units[i] = name.charCodeAt(i);
  if (name.length < units.length) units[name.length] = 0x0000; // terminator only when there is room
  const checksum = shortNameChecksum(shortName);
  const out = Buffer.alloc(count * 32);
  for (let seq = 1; seq <= count; seq++) {
    const e = out.subarray((count - seq) * 32, (count - seq + 1) * 32);
    e[0] = seq | (seq === count ? 0x40 : 0);
    e[11] = ATTR_LONG_NAME;
    e[13] = checksum;
    const part = units.subarray((seq - 1) * UNITS_PER_ENTRY, seq * UNITS_PER_ENTRY);
    for (let k = 0; k < 5; k++) e.writeUInt16LE(part[k], 1 + 2 * k);
    for (let k = 0; k < 6; k++) e.writeUInt16LE(part[5 + k], 14 + 2 * k);
    for (let k = 0; k < 2; k++) e.writeUInt16LE(part[11 + k], 28 + 2 * k);
  }
  return out;
}
