// Fuzz the core at scale: mutated GGUF files, llama2.c checkpoints and tokenizers, and
// configuration texts, each through a fresh instance of build/core.wasm in this process.
//   npx vite-node scripts/fuzz.ts -- [--count 100000] [--seed 1] [--start 0] [--budget-ms 2000] [--no-save]
// Counts every input's outcome per kind; inputs that trap, hang, throw in the host or
// give a message of more than one line are minimized and saved to test/fuzz/corpus/,
// where test/fuzz.test.ts replays them. Exits 1 if any input failed.
import { buildSync } from "esbuild";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { fuzzCase, KINDS, type Kind } from "../test/fuzz/cases.js";
import { entryOf, minimize, saveEntry } from "../test/fuzz/corpus.js";
import { FAILURES, runCase, type OutcomeKind } from "../test/fuzz/harness.js";
import { buildSeeds } from "../test/fuzz/seeds.js";
import type { WorkerInput, WorkerReport } from "../test/fuzz/worker.js";
import { buildDir, packageRoot } from "../host/paths.js";

const OUTCOMES: OutcomeKind[] = ["ok", "error", "trap", "hang", "multiline", "exception"];
/** Distinct failures saved per run: the first inputs of each kind of failure, not thousands of copies. */
const SAVED_PER_SIGNATURE = 2;

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    count: { type: "string", default: "100000" },
    seed: { type: "string", default: "1" },
    start: { type: "string", default: "0" },
    "budget-ms": { type: "string", default: "2000" },
    "no-save": { type: "boolean", default: false },
  },
});
const count = Number(values.count), seed = Number(values.seed), start = Number(values.start), budgetMs = Number(values["budget-ms"]);
/** Inputs [start, end) of the seed's sequence: --start replays a stretch of an earlier run. */
const end = start + count;
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(seed) || !Number.isInteger(start) || start < 0 || !(budgetMs > 0)) {
  console.error("fuzz: --count, --seed and --start must be whole numbers (count at least 1, start at least 0), --budget-ms positive");
  process.exit(2);
}

/** The worker runs the same modules, bundled (worker threads cannot load TypeScript). */
const workerPath = join(buildDir, "fuzz-worker.mjs");
buildSync({ entryPoints: [join(packageRoot, "test", "fuzz", "worker.ts")], bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", outfile: workerPath, logLevel: "error" });

const counts = new Map<Kind, Record<OutcomeKind, number>>((Object.keys(KINDS) as Kind[]).map((kind) => [kind, Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<OutcomeKind, number>]));
const failures: { index: number; outcome: OutcomeKind; message: string }[] = [];
const seeds = buildSeeds();
const started = Date.now();
let finished = 0;

const hung: number[] = [];

/**
 * Run inputs [from, end) in a worker; resolves when they are done. When one hangs, the
 * worker is stopped and a new one runs again the inputs it had not reported yet, but that one.
 */
function runFrom(from: number): Promise<void> {
  let unreported = from;
  return new Promise((resolve, reject) => {
    const progress = new SharedArrayBuffer(16);
    const now = new Float64Array(progress);
    now[0] = -1; // the worker is starting: no input runs yet
    const worker = new Worker(workerPath, { workerData: { seed, from, to: end, skip: hung, progress } satisfies WorkerInput });
    const watchdog = setInterval(() => {
      if (now[0] < 0 || Date.now() - now[1] <= budgetMs) return;
      clearInterval(watchdog);
      const index = now[0];
      worker.removeAllListeners();
      void worker.terminate();
      const kind = fuzzCase(seed, index, seeds).kind;
      counts.get(kind)!.hang++;
      failures.push({ index, outcome: "hang", message: `no result after ${budgetMs} ms` });
      console.error(`fuzz: input ${index}: hang`);
      hung.push(index);
      finished++;
      resolve(runFrom(unreported));
    }, 50);
    worker.on("message", (report: WorkerReport) => {
      for (const [kind, outcome] of report.counts) counts.get(kind)![outcome]++;
      failures.push(...report.failures);
      for (const f of report.failures) console.error(`fuzz: input ${f.index}: ${f.outcome}: ${f.message}`);
      finished += report.counts.length;
      unreported = report.lastIndex + 1;
      if (report.done) {
        clearInterval(watchdog);
        void worker.terminate();
        resolve();
      }
    });
    worker.on("error", (error) => {
      clearInterval(watchdog);
      reject(error);
    });
  });
}

const ticker = setInterval(() => console.error(`fuzz: ${finished} / ${count} inputs, ${failures.length} failed, ${((Date.now() - started) / 1000).toFixed(0)} s`), 10_000);
await runFrom(start);
clearInterval(ticker);
const seconds = (Date.now() - started) / 1000;

// The report: one row per kind of input.
const rows = [...counts].map(([kind, c]) => [kind, OUTCOMES.reduce((sum, o) => sum + c[o], 0), ...OUTCOMES.map((o) => c[o])]);
const total = ["total", ...rows[0].slice(1).map((_, i) => rows.reduce((sum, row) => sum + (row[i + 1] as number), 0))];
const table = [["kind", "inputs", ...OUTCOMES], ...rows, total].map((row) => row.map((cell, i) => String(cell).padStart(i === 0 ? 0 : 10).padEnd(i === 0 ? 20 : 0)).join(""));
console.log(`fuzz: seed ${seed}, ${count} inputs (${start} to ${end - 1}) in ${seconds.toFixed(1)} s (${(count / seconds).toFixed(0)} per second), budget ${budgetMs} ms per input`);
console.log(table.join("\n"));

// Failures: minimized (except hangs, which would take the budget per attempt) and kept.
const saved = new Map<string, number>();
for (const failure of failures) {
  const signature = `${failure.outcome} ${failure.message.replace(/'[^']*'/g, "X").replace(/\d+/g, "N")}`;
  console.log(`input ${failure.index}: ${failure.outcome}: ${failure.message}`);
  if (values["no-save"] || (saved.get(signature) ?? 0) >= SAVED_PER_SIGNATURE) continue;
  saved.set(signature, (saved.get(signature) ?? 0) + 1);
  const c = fuzzCase(seed, failure.index, seeds);
  const small = failure.outcome === "hang" ? c : minimize(c, failure.outcome, seeds);
  const outcome = failure.outcome === "hang" ? failure : runCase(small, seeds);
  console.log(`  kept as ${saveEntry(entryOf(small, { kind: failure.outcome, message: outcome.message }, seeds))}`);
}
process.exit(failures.some((f) => FAILURES.includes(f.outcome)) ? 1 : 0);
