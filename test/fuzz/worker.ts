// The fuzz loop in a worker thread, so that the main thread can stop an input that
// runs past its time budget (a hang) by terminating the worker, then start a new one
// after it. Bundled by scripts/fuzz.ts; workerData: WorkerInput.
import { parentPort, workerData } from "node:worker_threads";
import { fuzzCase, type Kind } from "./cases.js";
import { FAILURES, runCase, type OutcomeKind } from "./harness.js";
import { buildSeeds } from "./seeds.js";

export interface WorkerInput {
  seed: number;
  from: number;
  to: number;
  /** Inputs that hung in an earlier worker: not run again. */
  skip: number[];
  /** [0]: the index of the input now running (-1 before the first), [1]: when it started (ms since the epoch). */
  progress: SharedArrayBuffer;
}

/** Counts per (input kind, outcome) since the last message, and the inputs that failed. */
export interface WorkerReport {
  counts: [Kind, OutcomeKind][];
  failures: { index: number; outcome: OutcomeKind; message: string }[];
  /** The last input these counts include. */
  lastIndex: number;
  done: boolean;
}

const REPORT_EVERY = 250;

const { seed, from, to, skip, progress } = workerData as WorkerInput;
const now = new Float64Array(progress);
const seeds = buildSeeds();
let report: WorkerReport = { counts: [], failures: [], lastIndex: from - 1, done: false };
for (let index = from; index < to; index++) {
  if (skip.includes(index)) continue;
  now[0] = index;
  now[1] = Date.now();
  const c = fuzzCase(seed, index, seeds);
  const outcome = runCase(c, seeds);
  report.counts.push([c.kind, outcome.kind]);
  report.lastIndex = index;
  if (FAILURES.includes(outcome.kind)) report.failures.push({ index, outcome: outcome.kind, message: outcome.message });
  if (report.counts.length >= REPORT_EVERY) {
    parentPort!.postMessage(report);
    report = { counts: [], failures: [], lastIndex: index, done: false };
  }
}
parentPort!.postMessage({ ...report, done: true });
