// Matrix products, the bulk of the work, cut into one job per processor the host
// offers: each job computes whole output rows with the same kernel calls as one
// processor would, so the result is identical however many processors share it.
import { MATMUL_JOBS, shareStart, spread, workerCount } from "../runtime/parallel";
import { Matrix } from "../model/model";
import {
  GGML_BF16, GGML_F16, GGML_F32, GGML_Q2_K, GGML_Q3_K, GGML_Q4_0, GGML_Q4_1, GGML_Q4_K, GGML_Q5_0, GGML_Q5_1,
  GGML_Q5_K, GGML_Q6_K, GGML_Q8_0,
} from "../model/tensor-types";
import { initHalfTable } from "./quant";
import { Input, int8VectorBytes } from "./activations";
import { dot2F32 } from "./f32";
import { dot2F16 } from "./f16";
import { dot2BF16 } from "./bf16";
import { dot1x4Q4_0, dot4Q4_0 } from "./q4_0";
import { dot2Q4_1 } from "./q4_1";
import { dot2Q5_0 } from "./q5_0";
import { dot2Q5_1 } from "./q5_1";
import { dot1x4Q8_0, dot4Q8_0 } from "./q8_0";
import { dot2Q2_K } from "./q2_k";
import { dot2Q3_K } from "./q3_k";
import { dot2Q4_K } from "./q4_k";
import { dot2Q5_K } from "./q5_k";
import { dot2Q6_K } from "./q6_k";

/** Below this many rows per job, splitting costs more than it saves. */
const MIN_ROWS_PER_JOB = 32;

/** The tables the kernels read (the f16 scales'); false with the reason recorded. */
export function initMatmul(): bool {
  return initHalfTable();
}

// The product the jobs share: set before parallel_for, read-only while it runs. Plain
// numbers and pointers, never objects: a function holding an object across a call keeps
// it on AssemblyScript's shadow stack, one stack pointer for the whole module, which
// jobs running on several processors at once would corrupt (build.test.ts checks this).
let product: usize = 0; // (T, rows) f32, the output
let vectors: usize = 0; // (T, cols) f32, or T int8 vectors (activations.ts)
let vectorBytes: usize = 0;
let T: i32 = 0;
let weights: usize = 0; // (rows, cols) of the matrix's type
let rows: i32 = 0;
let cols: i32 = 0;
let rowBytes: usize = 0;
let kernel: u32 = 0; // the QuadKernel's index in the function table
let pair: u32 = 0; // the PairKernel's, for twoPairs
let tokens: u32 = 0; // the tokens kernel's for several vectors, or 0 (table indices start at 1)
let jobCount: i32 = 1;

/**
 * W (d, n) @ x_t (n,) -> out_t (d,) for the T vectors of x, out (T, d). Each weight
 * row is read from memory once and used for all T vectors while it is in cache: a
 * prompt's tokens share one pass over the weights. Every dot product is the same
 * sequence of operations whatever T and however many jobs (the tokens kernels form each
 * sum as the one-vector kernels do), so results never depend on either.
 */
export function matmul(out: usize, x: Input, w: Matrix): void {
  if (x.n != w.cols) abort("matmul: the input's length is not the matrix's column count");
  const int8 = takesInt8(w.type);
  product = out;
  vectors = int8 ? x.int8() : x.x;
  vectorBytes = int8 ? int8VectorBytes(x.n) : <usize>x.n << 2;
  T = x.T;
  weights = w.ptr;
  rows = w.rows;
  cols = w.cols;
  rowBytes = w.rowBytes;
  kernel = quadKernel(w.type).index;
  if (kernel == twoPairs.index) pair = pairKernel(w.type).index;
  tokens = T > 1 ? tokensKernel(w.type) : 0;
  jobCount = min(workerCount(), rows / MIN_ROWS_PER_JOB);
  if (jobCount <= 1) rowsOf(0, rows);
  else spread(MATMUL_JOBS, jobCount);
}

/** Job `index` of the current matmul: its share of the rows. Called by the host, maybe on another processor. */
export function runMatmulJob(index: i32): void {
  rowsOf(shareStart(rows, index, jobCount), shareStart(rows, index + 1, jobCount));
}

/**
 * Rows [first, last) of W @ x_t for every t, four rows per kernel call, a quarter of the
 * range apart: the weights stream from four places at once, each in order (four rows
 * side by side would leave the prefetchers a stream that jumps back and forth). The last
 * one to three rows go one by one, each as four copies of itself into the same output.
 */
function rowsOf(first: i32, last: i32): void {
  if (tokens != 0) {
    for (let i = first; i < last; i++) everyFourVectors(i);
    return;
  }
  const quarter = (last - first) >> 2, whole = first + (quarter << 2);
  for (let i = first; i < first + quarter; i++) everyVector(i, <usize>quarter);
  for (let i = whole; i < last; i++) everyVector(i, 0);
}

/** Rows i + k·apart (k = 0..3) · every x_t into out_t. */
@inline function everyVector(i: i32, apart: usize): void {
  const outStride = <usize>rows << 2, row = weights + <usize>i * rowBytes;
  for (let t = 0; t < T; t++) {
    call_indirect<void>(kernel, product + <usize>t * outStride + (<usize>i << 2), apart << 2, row, apart * rowBytes, vectors + <usize>t * vectorBytes, cols);
  }
}

/**
 * Row i · every x_t into out_t, four vectors per call of the tokens kernel, which reads
 * the row once for the four; the last one to three vectors one by one (steps of 0).
 */
function everyFourVectors(i: i32): void {
  const outStride = <usize>rows << 2, row = weights + <usize>i * rowBytes, out = product + (<usize>i << 2);
  let t = 0;
  for (; t + 4 <= T; t += 4) call_indirect<void>(tokens, out + <usize>t * outStride, outStride, row, vectors + <usize>t * vectorBytes, vectorBytes, cols);
  for (; t < T; t++) call_indirect<void>(tokens, out + <usize>t * outStride, 0, row, vectors + <usize>t * vectorBytes, 0, cols);
}

/** Four rows of W · one vector into four outputs: out + k·outStep = (row + k·rowStep) · x, k = 0..3. */
type QuadKernel = (out: usize, outStep: usize, row: usize, rowStep: usize, x: usize, n: i32) => void;

/** Two rows of W · one vector into two outputs: out0 = row0 · x, out1 = row1 · x. */
type PairKernel = (out0: usize, out1: usize, row0: usize, row1: usize, x: usize, n: i32) => void;

/** The types whose kernels take four rows at once (they gain from sharing the codes); the others run as two pairs. */
function quadKernel(type: i32): QuadKernel {
  switch (type) {
    case GGML_Q4_0: return dot4Q4_0;
    case GGML_Q8_0: return dot4Q8_0;
    default: return twoPairs;
  }
}

/**
 * The table index of the tokens kernel for `type`, 0 for types without one: one row of W
 * · four vectors into four outputs, out + k·outStep = row · (x + k·xStep) for k = 0..3,
 * (out, outStep, row, x, xStep, n). A prompt's products, for the types where widening a
 * row's values is a large part of the work.
 */
function tokensKernel(type: i32): u32 {
  switch (type) {
    case GGML_Q4_0: return dot1x4Q4_0.index;
    case GGML_Q8_0: return dot1x4Q8_0.index;
    default: return 0;
  }
}

/** A QuadKernel made of two calls of the current pair kernel. */
function twoPairs(out: usize, outStep: usize, row: usize, rowStep: usize, x: usize, n: i32): void {
  call_indirect<void>(pair, out, out + outStep, row, row + rowStep, x, n);
  call_indirect<void>(pair, out + 2 * outStep, out + 3 * outStep, row + 2 * rowStep, row + 3 * rowStep, x, n);
}

/**
 * The pair kernel for the other types (one file per weight type). Kernels are called through the
 * function table by index, so the C compiler keeps each a function of its own, and the
 * jobs hold a number rather than a function object.
 */
function pairKernel(type: i32): PairKernel {
  switch (type) {
    case GGML_F32: return dot2F32;
    case GGML_F16: return dot2F16;
    case GGML_BF16: return dot2BF16;
    case GGML_Q4_1: return dot2Q4_1;
    case GGML_Q5_0: return dot2Q5_0;
    case GGML_Q5_1: return dot2Q5_1;
    case GGML_Q2_K: return dot2Q2_K;
    case GGML_Q3_K: return dot2Q3_K;
    case GGML_Q4_K: return dot2Q4_K;
    case GGML_Q5_K: return dot2Q5_K;
    case GGML_Q6_K: return dot2Q6_K;
    default: abort("matmul: no kernel for this weight type"); return dot2F32;
  }
}

/** Types whose kernels take x in its int8 form (activations.ts). */
function takesInt8(type: i32): bool {
  return type != GGML_F32 && type != GGML_F16 && type != GGML_BF16;
}
