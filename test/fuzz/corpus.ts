// Inputs that once made the core fail, kept in the repository as regression tests.
// An entry is small however big its seed: the seed's bytes with one range replaced
// (at, remove, insert), so it replays exactly as long as the seeds stay the same.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { KINDS, type FuzzCase, type Kind } from "./cases.js";
import { runCase, type Outcome } from "./harness.js";
import { type SeedName } from "./seeds.js";

export const CORPUS_DIR = join(import.meta.dirname, "corpus");

export interface CorpusEntry {
  kind: Kind;
  /** What it did when it was found, e.g. "trap: wasm trap in the core: unreachable". */
  found: string;
  /** The target's bytes from the seed (the empty text for the config kind) with [at, at + remove) replaced by insert (base64). */
  at: number;
  remove: number;
  insert: string;
}

/** The unmutated bytes a case of `kind` is stored against. */
function baseOf(kind: Kind, seeds: Record<SeedName, Uint8Array>): Uint8Array {
  const target = KINDS[kind].target;
  return target === "config" ? new Uint8Array(0) : seeds[target];
}

export function entryOf(c: FuzzCase, outcome: Outcome, seeds: Record<SeedName, Uint8Array>): CorpusEntry {
  const base = baseOf(c.kind, seeds);
  const bytes = c.bytes;
  let prefix = 0;
  while (prefix < base.length && prefix < bytes.length && base[prefix] === bytes[prefix]) prefix++;
  let suffix = 0;
  while (suffix < base.length - prefix && suffix < bytes.length - prefix && base[base.length - 1 - suffix] === bytes[bytes.length - 1 - suffix]) suffix++;
  const insert = Buffer.from(bytes.subarray(prefix, bytes.length - suffix)).toString("base64");
  return { kind: c.kind, found: `${outcome.kind}: ${outcome.message}`, at: prefix, remove: base.length - suffix - prefix, insert };
}

export function caseOf(entry: CorpusEntry, seeds: Record<SeedName, Uint8Array>): FuzzCase {
  const base = baseOf(entry.kind, seeds);
  const insert = Buffer.from(entry.insert, "base64");
  const bytes = new Uint8Array(base.length - entry.remove + insert.length);
  bytes.set(base.subarray(0, entry.at));
  bytes.set(insert, entry.at);
  bytes.set(base.subarray(entry.at + entry.remove), entry.at + insert.length);
  return { kind: entry.kind, bytes };
}

/**
 * A smaller case that still fails the same way: changed bytes put back to the seed's,
 * halves first, then ever smaller pieces (for the config kind: whole lines dropped).
 */
export function minimize(c: FuzzCase, failure: Outcome["kind"], seeds: Record<SeedName, Uint8Array>): FuzzCase {
  const stillFails = (bytes: Uint8Array) => runCase({ kind: c.kind, bytes }, seeds).kind === failure;
  let bytes = c.bytes;
  if (c.kind === "config") {
    const lines = Buffer.from(bytes).toString("latin1").split("\n");
    for (let i = lines.length - 1; i >= 0; i--) {
      const fewer = [...lines.slice(0, i), ...lines.slice(i + 1)];
      const candidate = Buffer.from(fewer.join("\n"), "latin1");
      if (stillFails(candidate)) lines.splice(i, 1);
    }
    return { kind: c.kind, bytes: Buffer.from(lines.join("\n"), "latin1") };
  }
  const base = baseOf(c.kind, seeds);
  if (bytes.length !== base.length) return c;
  let changed = [...bytes.keys()].filter((i) => bytes[i] !== base[i]);
  for (let size = Math.max(1, changed.length >> 1); size >= 1; size >>= 1) {
    for (let start = 0; start < changed.length; ) {
      const candidate = bytes.slice();
      for (const i of changed.slice(start, start + size)) candidate[i] = base[i];
      if (stillFails(candidate)) {
        bytes = candidate;
        changed = [...changed.slice(0, start), ...changed.slice(start + size)];
      } else start += size;
    }
  }
  return { kind: c.kind, bytes };
}

/** Write an entry under a name made from its content (the same input is kept once); returns the path. */
export function saveEntry(entry: CorpusEntry, dir = CORPUS_DIR): string {
  const text = JSON.stringify(entry, null, 2) + "\n";
  const name = `${entry.kind}-${createHash("sha256").update(entry.insert + entry.at + entry.remove).digest("hex").slice(0, 10)}.json`;
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export function loadCorpus(dir = CORPUS_DIR): { name: string; entry: CorpusEntry }[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith(".json")).sort();
  } catch {
    return [];
  }
  return names.map((name) => ({ name, entry: JSON.parse(readFileSync(join(dir, name), "utf8")) as CorpusEntry }));
}
