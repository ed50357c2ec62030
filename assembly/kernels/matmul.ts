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

/** Products of one input that run as one spread of jobs: q, k and v. */
const MAX_PRODUCTS = 3;

// The products the jobs share: set before parallel_for, read-only while it runs. Plain
// numbers and pointers in static memory, never objects: a function holding an object
// across a call keeps it on AssemblyScript's shadow stack, one stack pointer for the
// whole module, which jobs running on several processors at once would corrupt
// (jobs.test.ts checks this). Entry k of each table belongs to product k.
const TABLE_BYTES: usize = MAX_PRODUCTS * sizeof<usize>();
const tables = memory.data(9 * <i32>TABLE_BYTES); // the nine below
const products = tables + 0 * TABLE_BYTES; // (T, rows) f32, the output
const inputs = tables + 1 * TABLE_BYTES; // (T, cols) f32, or T int8 vectors (activations.ts)
const inputBytes = tables + 2 * TABLE_BYTES; // one input vector's
const weights = tables + 3 * TABLE_BYTES; // (rows, cols) of the matrix's type
const rowCounts = tables + 4 * TABLE_BYTES;
const rowBytes = tables + 5 * TABLE_BYTES;
const quads = tables + 6 * TABLE_BYTES; // the four-row kernel's index in the function table (quadKernel), or 0
const pairs = tables + 7 * TABLE_BYTES; // else the PairKernel's (table indices start at 1)
const tokenKernels = tables + 8 * TABLE_BYTES; // the tokens kernel's for several vectors, or 0
let productCount: i32 = 0;
let totalRows: i32 = 0; // of all the products: the jobs share them out as one range
let T: i32 = 0;
let cols: i32 = 0;
let jobCount: i32 = 1;

/**
 * W (d, n) @ x_t (n,) -> out_t (d,) for the T vectors of x, out (T, d). Each weight
 * row is read from memory once and used for all T vectors while it is in cache: a
 * prompt's tokens share one pass over the weights. Every dot product is the same
 * sequence of operations whatever T and however many jobs (the tokens kernels form each
 * sum as the one-vector kernels do), so results never depend on either.
 */
export function matmul(out: usize, x: Input, w: Matrix): void {
  productCount = 0;
  addProduct(out, x, w);
  run(x);
}

/**
 * Two or three matmuls of the same input (q, k and v; the FFN's gate and up) as one
 * spread of jobs: the processors meet once for all of them, not once each.
 */
export function matmuls(x: Input, out0: usize, w0: Matrix, out1: usize, w1: Matrix, out2: usize = 0, w2: Matrix | null = null): void {
  productCount = 0;
  addProduct(out0, x, w0);
  addProduct(out1, x, w1);
  if (w2 != null) addProduct(out2, x, w2);
  run(x);
}

@inline function get(table: usize, k: i32): usize {
  return load<usize>(table + <usize>k * sizeof<usize>());
}
@inline function set(table: usize, k: i32, value: usize): void {
  store<usize>(table + <usize>k * sizeof<usize>(), value);
}

function addProduct(out: usize, x: Input, w: Matrix): void {
  if (x.n != w.cols) abort("matmul: the input's length is not the matrix's column count");
  const k = productCount++;
  const int8 = takesInt8(w.type);
  set(products, k, out);
  set(inputs, k, int8 ? x.int8() : x.x);
  set(inputBytes, k, int8 ? int8VectorBytes(x.n) : <usize>x.n << 2);
  set(weights, k, w.ptr);
  set(rowCounts, k, <usize>w.rows);
  set(rowBytes, k, w.rowBytes);
  const quad = quadKernel(w.type);
  set(quads, k, <usize>quad);
  set(pairs, k, quad == 0 ? <usize>pairKernel(w.type).index : 0);
  set(tokenKernels, k, x.T > 1 ? <usize>tokensKernel(w.type) : 0);
}

function run(x: Input): void {
  T = x.T;
  cols = x.n;
  totalRows = 0;
  for (let k = 0; k < productCount; k++) totalRows += <i32>get(rowCounts, k);
  jobCount = min(workerCount(), totalRows / MIN_ROWS_PER_JOB);
  if (jobCount <= 1) rowsOfAll(0, totalRows);
  else spread(MATMUL_JOBS, jobCount);
}

/** Job `index` of the current matmul: its share of the rows. Called by the host, maybe on another processor. */
export function runMatmulJob(index: i32): void {
  rowsOfAll(shareStart(totalRows, index, jobCount), shareStart(totalRows, index + 1, jobCount));
}

/** Rows [first, last) of the products' rows counted one product after the other. */
function rowsOfAll(first: i32, last: i32): void {
  for (let k = 0, start = 0; k < productCount; k++) {
    const rows = <i32>get(rowCounts, k);
    const from = max(first, start) - start, to = min(last, start + rows) - start;
    if (from < to) rowsOf(k, from, to);
    start += rows;
  }
}

/**
 * Rows [first, last) of product k's W @ x_t for every t, four rows per kernel call, a
 * quarter of the range apart: the weights stream from four places at once, each in order
 * (four rows side by side would leave the prefetchers a stream that jumps back and forth).
 * The last one to three rows go one by one, each as four copies of itself into the same output.
 */
function rowsOf(k: i32, first: i32, last: i32): void {
  if (get(tokenKernels, k) != 0) {
    for (let i = first; i < last; i++) everyFourVectors(k, i);
    return;
  }
  const quarter = (last - first) >> 2, whole = first + (quarter << 2);
  for (let i = first; i < first + quarter; i++) everyVector(k, i, <usize>quarter);
  for (let i = whole; i < last; i++) everyVector(k, i, 0);
}

/**
 * Rows i + j·apart (j = 0..3) of product k · every x_t into out_t: one call of the quad
 * kernel, or two of the pair kernel.
 */
@inline function everyVector(k: i32, i: i32, apart: usize): void {
  const outStride = <usize>get(rowCounts, k) << 2, bytes = get(rowBytes, k), step = apart * bytes;
  const row = get(weights, k) + <usize>i * bytes, x = get(inputs, k), xBytes = get(inputBytes, k);
  const quad = <u32>get(quads, k), pair = <u32>get(pairs, k), product = get(products, k) + (<usize>i << 2), outStep = apart << 2;
  for (let t = 0; t < T; t++) {
    const out = product + <usize>t * outStride, xt = x + <usize>t * xBytes;
    if (quad != 0) {
      call_indirect<void>(quad, out, outStep, row, step, xt, cols);
    } else {
      call_indirect<void>(pair, out, out + outStep, row, row + step, xt, cols);
      call_indirect<void>(pair, out + 2 * outStep, out + 3 * outStep, row + 2 * step, row + 3 * step, xt, cols);
    }
  }
}

/**
 * Row i of product k · every x_t into out_t, four vectors per call of the tokens kernel,
 * which reads the row once for the four; the last one to three vectors one by one (steps of 0).
 */
function everyFourVectors(k: i32, i: i32): void {
  const outStride = <usize>get(rowCounts, k) << 2, row = get(weights, k) + <usize>i * get(rowBytes, k);
  const out = get(products, k) + (<usize>i << 2), x = get(inputs, k), xBytes = get(inputBytes, k);
  const tokens = <u32>get(tokenKernels, k);
  let t = 0;
  for (; t + 4 <= T; t += 4) call_indirect<void>(tokens, out + <usize>t * outStride, outStride, row, x + <usize>t * xBytes, xBytes, cols);
  for (; t < T; t++) call_indirect<void>(tokens, out + <usize>t * outStride, 0, row, x + <usize>t * xBytes, 0, cols);
}

/** Two rows of W · one vector into two outputs: out0 = row0 · x, out1 = row1 · x. */
type PairKernel = (out0: usize, out1: usize, row0: usize, row1: usize, x: usize, n: i32) => void;

/**
 * The table index of the four-row kernel for the types that gain from sharing the codes, 0
 * for the others (they run as two pairs): four rows of W · one vector into four outputs,
 * out + k·outStep = (row + k·rowStep) · x for k = 0..3, (out, outStep, row, rowStep, x, n).
 */
function quadKernel(type: i32): u32 {
  switch (type) {
    case GGML_Q4_0: return dot4Q4_0.index;
    case GGML_Q8_0: return dot4Q8_0.index;
    default: return 0;
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
