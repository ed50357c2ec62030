// Work the core spreads over the host's processors. parallel_for(count) makes the host
// call the core's job(index) export for every index, maybe on several processors at
// once; the kind set here tells job() whose work that is. Each kind's shared inputs are
// set before spreading and only read while the jobs run, and every job writes outputs
// of its own, so the result never depends on how many processors took part.
import { parallel_for, worker_count } from "../host";

export const MATMUL_JOBS: i32 = 0;
export const ATTENTION_JOBS: i32 = 1;

/** The kind of the jobs running now. */
export let activeJobs: i32 = MATMUL_JOBS;

/** Processors the host lends (at least 1), asked once. */
export function workerCount(): i32 {
  if (workers == 0) workers = max(1, min(worker_count(), 256));
  return workers;
}
let workers: i32 = 0;

/** Run jobs [0, count) of `kind` and return when all are done. */
export function spread(kind: i32, count: i32): void {
  activeJobs = kind;
  parallel_for(count);
}

/** Job `index` of `count`'s share [first, last) of `items` things: contiguous, in order, as even as they divide. */
@inline export function shareStart(items: i32, index: i32, count: i32): i32 {
  return <i32>(<i64>items * index / count);
}
