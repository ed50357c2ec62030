// The fuzzer's regression tests: every input it ever kept (test/fuzz/corpus/) and a
// fast sample of fresh inputs must end in a result or a one-line error, never a trap,
// a host exception or a message of several lines. `npx vite-node scripts/fuzz.ts`
// runs the same inputs at scale.
import { describe, expect, it } from "vitest";
import { fuzzCase, KINDS, type Kind } from "./fuzz/cases.js";
import { caseOf, loadCorpus } from "./fuzz/corpus.js";
import { FAILURES, runCase, type OutcomeKind } from "./fuzz/harness.js";
import { buildSeeds } from "./fuzz/seeds.js";

const seeds = buildSeeds();
/** Far above any input's time here (a few ms); an input that takes it is a hang. */
const BUDGET_MS = 2000;
/** Inputs in the sample: about 15 s on a busy two-core machine. */
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
