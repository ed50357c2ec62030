// The fuzzer's regression tests: every input it ever kept (test/fuzz/corpus/) and a
// fast sample of fresh inputs must end in a result or a one-line error, never a trap,
// a host exception or a message of several lines. `npx vite-node scripts/fuzz.ts`
// runs the same inputs at scale.
import { describe, expect, it } from "vitest";
import { memorySource, readGGUF } from "../host/gguf/reader.js";
import { type GGUFValue, gguf } from "../host/gguf/types.js";
import { encodeGGUF } from "../host/gguf/writer.js";
import { fuzzCase, KINDS, type Kind } from "./fuzz/cases.js";
import { caseOf, loadCorpus } from "./fuzz/corpus.js";
import { FAILURES, runCase, type OutcomeKind } from "./fuzz/harness.js";
import { buildSeeds } from "./fuzz/seeds.js";

const seeds = buildSeeds();
/** Far above any input's time here (a few ms); an input that takes it is a hang. */
const BUDGET_MS = 2000;
/** Inputs in the sample: 10 to 20 s on this busy two-core machine. */
const SAMPLE = 2000;

describe("fuzz corpus", () => {
  it.each(loadCorpus())("$name ends in a result or a one-line error", ({ entry }) => {
    const started = performance.now();
    const outcome = runCase(caseOf(entry, seeds), seeds);
    expect(FAILURES, `${outcome.kind}: ${outcome.message}`).not.toContain(outcome.kind);
    expect(performance.now() - started).toBeLessThan(BUDGET_MS);
  });
});

describe("fuzz sample", () => {
  it(`${SAMPLE} fresh inputs of every kind: results or one-line errors`, () => {
    const counts = new Map<Kind, Partial<Record<OutcomeKind, number>>>();
    const failures: string[] = [];
    for (let index = 0; index < SAMPLE; index++) {
      const c = fuzzCase(20261206, index, seeds);
      const started = performance.now();
      const outcome = runCase(c, seeds);
      const ms = performance.now() - started;
      if (FAILURES.includes(outcome.kind) || ms > BUDGET_MS) failures.push(`input ${index} (${c.kind}): ${outcome.kind} after ${ms.toFixed(0)} ms: ${outcome.message}`);
      const row = counts.get(c.kind) ?? {};
      row[outcome.kind] = (row[outcome.kind] ?? 0) + 1;
      counts.set(c.kind, row);
    }
    expect(failures).toEqual([]);
    // Every kind was tried, and its mutations reached both the loaders' checks and a working model.
    for (const kind of Object.keys(KINDS) as Kind[]) {
      expect(counts.get(kind)?.error ?? 0, kind).toBeGreaterThan(10);
      expect(counts.get(kind)?.ok ?? 0, kind).toBeGreaterThan(2);
    }
  }, 120_000);
});

describe("inputs too big for random mutations", () => {
  /** The tiny llama seed with its metadata rewritten (its tensors unchanged). */
  async function llamaWith(rewrite: (metadata: [string, GGUFValue][]) => [string, GGUFValue][]) {
    const g = await readGGUF(memorySource(seeds.llamaGguf), "seed");
    const tensors = await Promise.all(g.tensors.map(async (t) => ({ name: t.name, ne: t.ne, type: t.type, data: await g.readTensorBytes(t) })));
    return runCase({ kind: "gguf-llama", bytes: encodeGGUF(rewrite([...g.metadata]), tensors) }, seeds);
  }

  // Keys, tensor names and empty tokens' names were objects on the core's 8 MiB object heap,
  // which grew over the arena above it, where the file itself lies: these valid files were
  // misread ("unknown value type", "runs past the end") instead of loaded or refused.
  it("a key longer than GGUF allows is refused", async () => {
    const outcome = await llamaWith((m) => [...m, ["k".repeat(3 << 20), gguf.u8(1)]]);
    expect(outcome).toEqual({ kind: "error", message: expect.stringMatching(/metadata key \d+ is 3145728 bytes long, more than GGUF allows \(65535\)$/) });
  });

  it("more key/value pairs than the object heap holds are refused", async () => {
    const outcome = await llamaWith((m) => [...m, ...Array.from({ length: 200_000 }, (_, i): [string, GGUFValue] => [`k${i}`, gguf.u8(1)])]);
    expect(outcome).toEqual({ kind: "error", message: expect.stringMatching(/has too many metadata entries \(200024\) for the core to index$/) });
  });

  it("200 000 empty tokens are read (and then found not to match the embedding)", async () => {
    const outcome = await llamaWith((m) =>
      m.filter(([key]) => key !== "tokenizer.ggml.scores" && key !== "tokenizer.ggml.token_type").map(([key, value]): [string, GGUFValue] =>
        key === "tokenizer.ggml.tokens" ? [key, gguf.strings([...(value.value as { values: string[] }).values, ...Array<string>(200_000).fill("")])] : [key, value]),
    );
    expect(outcome).toEqual({ kind: "error", message: expect.stringMatching(/has 200512 tokens but 512 embedding rows$/) });
  });
});
