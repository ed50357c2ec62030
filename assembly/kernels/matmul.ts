// Matrix products, the bulk of the work, cut into one job per processor the host
// offers: each job computes whole output rows with the same kernel calls as one
// processor would, so the result is identical however many processors share it.
import { MATMUL_JOBS, shareStart, spread, workerCount } from "../runtime/parallel";
import { Matrix } from "../model/model";
import { GGML_F32, GGML_Q4_0, GGML_Q4_K, GGML_Q6_K, GGML_Q8_0 } from "../model/tensor-types";
import { dequantizeRow, initHalfTable } from "./quant";
import { dot, dot2 } from "./ops";
import { dot2Q4_0, dot2Q4_K, dot2Q6_K, dot2Q8_0, int8VectorBytes, quantizeActivations } from "./dot-int8";
import { arenaAlloc } from "../runtime/memory";

/** Below this many rows per job, splitting costs more than it saves. */
const MIN_ROWS_PER_JOB = 32;

let scratch: usize = 0; // (workers, scratchFloats) f32: one dequantized row per job, for types without a kernel
let scratchFloats: i32 = 0;
let lanes: usize = 0; // (workers, 32) f32: dot2's partial sums, one set per job
let int8X: usize = 0; // (batch, int8VectorBytes(cols)): the vectors x, quantized for the int8 kernels
let int8XCapacity: u64 = 0;

/** Ask the host how many processors it lends, and make room for `batch` vectors of up to `cols` values; false with the reason recorded. */
export function initMatmul(cols: i32, batch: i32): bool {
  if (!initHalfTable()) return false;
  const workers = workerCount();
  if (lanes == 0 && (lanes = arenaAlloc(<u64>workers * 128, "dot product lanes")) == 0) return false;
  if (cols > scratchFloats) {
    scratch = arenaAlloc(<u64>workers * <u64>cols * 4, "dequantization buffers");
    scratchFloats = scratch != 0 ? cols : 0;
    if (scratch == 0) return false;
  }
  const int8Bytes = <u64>batch * <u64>int8VectorBytes(cols);
  if (int8Bytes > int8XCapacity) {
    int8X = arenaAlloc(int8Bytes, "quantized activations");
    int8XCapacity = int8X != 0 ? int8Bytes : 0;
    if (int8X == 0) return false;
  }
  return true;
}

// The product the jobs share: set before parallel_for, read-only while it runs.
let jobOut: usize = 0;
let jobX: usize = 0;
let jobW: Matrix | null = null;
let jobT: i32 = 0;
let jobCount: i32 = 1;

/**
 * W (d, n) @ x_t (n,) -> out_t (d,) for the T vectors x (T, n), out (T, d). Each weight
 * row is read from memory once and used for all T vectors while it is in cache: a
 * prompt's tokens share one pass over the weights. Every dot product is the same
 * kernel call whatever T and however many jobs, so results never depend on either.
 */
export function matmul(out: usize, x: usize, w: Matrix, T: i32): void {
  if (hasInt8Kernel(w.type)) {
    const n = w.cols, stride = int8VectorBytes(n);
    for (let t = 0; t < T; t++) quantizeActivations(int8X + <usize>t * stride, x + <usize>t * (<usize>n << 2), n);
    x = int8X;
  }
  const jobs = min(workerCount(), w.rows / MIN_ROWS_PER_JOB);
  if (jobs <= 1) {
    rows(out, x, w, T, 0, w.rows, scratch, lanes);
    return;
  }
  jobOut = out;
  jobX = x;
  jobW = w;
  jobT = T;
  jobCount = jobs;
  spread(MATMUL_JOBS, jobs);
}

/** W @ x -> out for one vector. */
export function matvec(out: usize, x: usize, w: Matrix): void {
  matmul(out, x, w, 1);
}

/** Job `index` of the current matmul: its share of the rows. Called by the host, maybe on another processor. */
export function runMatmulJob(index: i32): void {
  const w = jobW!;
  const first = shareStart(w.rows, index, jobCount), last = shareStart(w.rows, index + 1, jobCount);
  rows(jobOut, jobX, w, jobT, first, last, scratch + <usize>index * (<usize>scratchFloats << 2), lanes + (<usize>index << 7));
}

/** Rows [first, last) of W @ x_t for every t. */
function rows(out: usize, x: usize, w: Matrix, T: i32, first: i32, last: i32, rowScratch: usize, rowLanes: usize): void {
  if (w.type == GGML_F32 || hasInt8Kernel(w.type)) {
    pairedRows(out, x, w, T, first, last, rowLanes);
    return;
  }
  // the other types a row at a time, dequantized to f32 first
  const n = w.cols, xStride = <usize>n << 2, outStride = <usize>w.rows << 2;
  for (let i = first; i < last; i++) {
    dequantizeRow(rowScratch, w.ptr + <usize>i * w.rowBytes, w.type, n);
    for (let t = 0; t < T; t++) store<f32>(out + <usize>t * outStride + (<usize>i << 2), dot(rowScratch, x + <usize>t * xStride, n));
  }
}

/**
 * Rows [first, last) for the types with kernels of their own (f32 and the int8 ones): row i together with
 * row i + half, so the weights stream from two places at once, each in order. An odd last
 * row goes with itself, its twin's sum left in the lanes.
 */
function pairedRows(out: usize, x: usize, w: Matrix, T: i32, first: i32, last: i32, rowLanes: usize): void {
  const kernel = pairKernel(w.type);
  const n = w.cols, outStride = <usize>w.rows << 2;
  const xStride = w.type == GGML_F32 ? <usize>n << 2 : int8VectorBytes(n);
  const half = (last - first + 1) >> 1;
  for (let i = first; i < first + half; i++) {
    const row = w.ptr + <usize>i * w.rowBytes;
    const hasTwin = i + half < last;
    const twin = hasTwin ? row + <usize>half * w.rowBytes : row;
    for (let t = 0; t < T; t++) {
      const o = out + <usize>t * outStride + (<usize>i << 2), o2 = hasTwin ? o + (<usize>half << 2) : rowLanes;
      kernel(o, o2, row, twin, x + <usize>t * xStride, n, rowLanes);
    }
  }
}

/** Two rows of W · one vector into two outputs (ops.ts's dot2 and dot-int8.ts's kernels). */
type PairKernel = (out0: usize, out1: usize, row0: usize, row1: usize, x: usize, n: i32, lanes: usize) => void;

/**
 * The kernel for `type`, called through the function table: the C compiler then keeps
 * each kernel a function of its own and vectorizes it on its own; inlined together into
 * one loop over the rows, the SSE4.2 build came out scalar, f32 included.
 */
function pairKernel(type: i32): PairKernel {
  switch (type) {
    case GGML_Q8_0: return dot2Q8_0;
    case GGML_Q4_0: return dot2Q4_0;
    case GGML_Q4_K: return dot2Q4_K;
    case GGML_Q6_K: return dot2Q6_K;
    default: return dot2;
  }
}

/** Types whose kernels take x quantized to int8 (matmul quantizes it once for all rows). */
function hasInt8Kernel(type: i32): bool {
  return type == GGML_Q8_0 || type == GGML_Q4_0 || type == GGML_Q4_K || type == GGML_Q6_K;
}

