// The inference core (build/core.wasm) running in Node: the same module that the
// firmware runs on bare metal, behind a small typed wrapper.
import { readFileSync } from "node:fs";
import { UserError } from "../errors.js";
import { coreWasmPath } from "../paths.js";
import { writeStderr, writeStdout } from "../standard-streams.js";
import { type CoreOutput, type InMemoryHost, hostImports } from "./imports.js";

interface CoreExports {
  memory: WebAssembly.Memory;
  alloc(len: number): number;
  load(ptr: number, len: number): number;
  check_config(ptr: number, len: number): number;
  run(ptr: number, len: number): number;
  forward(token: number, pos: number): number;
  forward_tokens(ptr: number, count: number, pos: number): number;
  vocab_size(): number;
  context_length(): number;
  encode(ptr: number, len: number, flags: number, out: number): number;
  max_tokens(len: number): number;
  decode(prev: number, token: number): number;
  decoded_piece(): number;
  load_tokenizer(ptr: number, len: number): number;
  bos_id(): number;
  eos_id(): number;
  eot_id(): number;
  token_is_eog(token: number): number;
  dequantize_tensor(ptr: number, len: number): number;
  multiply(type: number, rows: number, cols: number, w: number, x: number, count: number): number;
  job(index: number): void;
  object_heap_used(): number;
  serve(ptr: number, len: number, hostPtr: number, hostLen: number, port: number): number;
  error_ptr(): number;
  error_len(): number;
}

/** A trap inside the core: always a bug in the core, never bad input. */
export class CoreTrap extends Error {}

let compiled: WebAssembly.Module | undefined;

function coreModule(): WebAssembly.Module {
  if (!compiled) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(coreWasmPath);
    } catch {
      throw new UserError(`the core is not built (${coreWasmPath} is missing): run 'npm run build'`);
    }
    compiled = new WebAssembly.Module(new Uint8Array(bytes));
  }
  return compiled;
}

export const processOutput: CoreOutput = {
  stdout: writeStdout,
  stderr: writeStderr,
};

export class Core {
  private readonly exports: CoreExports;
  private readonly encoder = new TextEncoder();

  /** inMemory: files and chat lines from memory instead of the file system and stdin (the fuzzer). */
  constructor(output: CoreOutput = processOutput, inMemory?: InMemoryHost) {
    let memory: WebAssembly.Memory | undefined;
    const instance = new WebAssembly.Instance(coreModule(), { host: hostImports(() => memory!, output, (index) => this.exports.job(index), inMemory) });
    this.exports = instance.exports as unknown as CoreExports;
    memory = this.exports.memory;
  }

  /** Parse the configuration (text, or bytes that need not be valid UTF-8) and load model and tokenizer. */
  load(configText: string | Uint8Array): void {
    this.check(this.trapping(() => this.exports.load(...this.input(configText))));
  }

  /** Parse and validate the configuration only, as the core will at boot (no file is opened). */
  checkConfig(configText: string): void {
    this.check(this.trapping(() => this.exports.check_config(...this.input(configText))));
  }

  /** Load, generate and stream, as the firmware does at boot. */
  run(configText: string | Uint8Array): void {
    this.check(this.trapping(() => this.exports.run(...this.input(configText))));
  }

  /** Load, then serve the OpenAI-style HTTP API on host:port; returns only if that cannot start (a UserError). */
  serve(configText: string | Uint8Array, host: string, port: number): void {
    const config = this.input(configText);
    const address = this.input(host);
    this.check(this.trapping(() => this.exports.serve(...config, ...address, port)));
  }

  forward(token: number, pos: number): Float32Array {
    const ptr = this.trapping(() => this.exports.forward(token, pos));
    if (ptr === 0) throw new UserError(this.error());
    return new Float32Array(this.exports.memory.buffer, ptr, this.exports.vocab_size()).slice();
  }

  /** Logits after `tokens` go through at positions pos.., in batches (a prompt's prefill). */
  forwardTokens(tokens: number[], pos: number): Float32Array {
    const ptr = this.exports.alloc(tokens.length * 4);
    new Int32Array(this.exports.memory.buffer, ptr, tokens.length).set(tokens);
    const logits = this.trapping(() => this.exports.forward_tokens(ptr, tokens.length, pos));
    if (logits === 0) throw new UserError(this.error());
    return new Float32Array(this.exports.memory.buffer, logits, this.exports.vocab_size()).slice();
  }

  /** Every value of a GGUF tensor of the loaded model as f32, row after row. */
  dequantizeTensor(name: string, elements: number): Float32Array {
    const ptr = this.trapping(() => this.exports.dequantize_tensor(...this.input(name)));
    if (ptr === 0) throw new UserError(`${this.error()}: ${name}`);
    return new Float32Array(this.exports.memory.buffer, ptr, elements).slice();
  }

  /** W (rows × cols, ggml `type`, as stored in a GGUF) times each of the vectors in x: (vectors, rows) f32. */
  multiply(type: number, rows: number, cols: number, weights: Uint8Array, x: Float32Array): Float32Array {
    const vectors = x.length / cols;
    const w = this.exports.alloc(weights.length);
    new Uint8Array(this.exports.memory.buffer, w, weights.length).set(weights);
    const xPtr = this.exports.alloc(x.length * 4);
    new Float32Array(this.exports.memory.buffer, xPtr, x.length).set(x);
    const out = this.trapping(() => this.exports.multiply(type, rows, cols, w, xPtr, vectors));
    if (out === 0) throw new UserError(this.error());
    return new Float32Array(this.exports.memory.buffer, out, vectors * rows).slice();
  }

  get vocabSize(): number {
    return this.exports.vocab_size();
  }

  get contextLength(): number {
    return this.exports.context_length();
  }

  /** Bytes of linear memory the core holds now; wasm memory never shrinks, so this is also its peak so far. */
  get memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  /** Bytes of the core's object heap in use (strings and small objects; bounded, below the arena). */
  get objectHeapBytes(): number {
    return this.exports.object_heap_used();
  }

  /**
   * Token ids of the text (a string, or bytes that need not be valid UTF-8). bos, eos: add them
   * where the vocabulary does (llama.cpp's add_special); parseSpecial: control tokens written
   * in the text become those tokens.
   */
  encode(text: string | Uint8Array, { bos = true, eos = false, parseSpecial = false } = {}): number[] {
    const [ptr, len] = this.input(text);
    const out = this.exports.alloc(this.exports.max_tokens(len) * 4);
    const flags = (bos ? 1 : 0) | (eos ? 2 : 0) | (parseSpecial ? 4 : 0);
    const n = this.trapping(() => this.exports.encode(ptr, len, flags, out));
    if (n < 0) throw new UserError(this.error());
    return Array.from(new Int32Array(this.exports.memory.buffer, out, n));
  }

  /** Load only the tokenizer of the GGUF file named by the configuration's model (vocab-only files too). */
  loadTokenizer(configText: string | Uint8Array): void {
    this.check(this.trapping(() => this.exports.load_tokenizer(...this.input(configText))));
  }

  /** The loaded tokenizer's BOS, EOS and EOT ids (-1: none). */
  get specialIds(): { bos: number; eos: number; eot: number } {
    return { bos: this.exports.bos_id(), eos: this.exports.eos_id(), eot: this.exports.eot_id() };
  }

  /** Whether generating `token` ends the text (EOS, EOT and the like). */
  isEndOfGeneration(token: number): boolean {
    return this.exports.token_is_eog(token) !== 0;
  }

  /** The bytes printed for `token` when it follows `prev`. */
  decode(prev: number, token: number): Uint8Array {
    const n = this.trapping(() => this.exports.decode(prev, token));
    if (n < 0) throw new UserError(this.error());
    return new Uint8Array(this.exports.memory.buffer, this.exports.decoded_piece(), n).slice();
  }

  private input(text: string | Uint8Array): [number, number] {
    const bytes = typeof text === "string" ? this.encoder.encode(text) : text;
    const ptr = this.exports.alloc(bytes.length);
    new Uint8Array(this.exports.memory.buffer, ptr, bytes.length).set(bytes);
    return [ptr, bytes.length];
  }

  private check(status: number): void {
    if (status !== 0) throw new UserError(this.error());
  }

  private error(): string {
    return new TextDecoder().decode(new Uint8Array(this.exports.memory.buffer, this.exports.error_ptr(), this.exports.error_len()));
  }

  private trapping<T>(call: () => T): T {
    try {
      return call();
    } catch (error) {
      if (error instanceof WebAssembly.RuntimeError) throw new CoreTrap(`wasm trap in the core: ${error.message}`);
      throw error;
    }
  }
}
