// uefi-llm inspect: what a model file holds: architecture, sizes, tensor types,
// tokenizer and special tokens, chat template; for a llama2.c .bin its header.
// Data collection is separate from printing, so --json is the same facts as one object.
import { open, stat } from "node:fs/promises";
import { Command } from "commander";
import { UserError } from "../errors.js";
import { checkInputFile } from "../input-file.js";
import { fileError } from "../output-file.js";
import { llama2cCheckpointSize, validateLlama2cConfig, type Llama2cConfig } from "../model/llama2c-checkpoint.js";
import { GGUF_MAGIC, openGGUF, plainValue } from "../gguf/reader.js";
import { formatBytes } from "../gguf/progress.js";
import { GGUFType, ggmlTypeName } from "../gguf/types.js";

export interface SpecialToken {
  id: number;
  piece: string | null; // null when the id is outside the vocabulary
}

export interface GGUFInfo {
  file: string;
  format: "gguf";
  fileSize: number;
  ggufVersion: number;
  alignment: number;
  metadataCount: number;
  architecture: string | null;
  name: string | null;
  fileType: number | null;
  hyperparameters: Record<string, unknown>; // the architecture's own keys, prefix removed
  tensorCount: number;
  parameters: number;
  tensorBytes: number;
  tensorTypes: Record<string, number>;
  tokenizer: {
    model: string | null;
    pre: string | null;
    vocabSize: number | null;
    merges: number | null;
    addBos: boolean | null;
    addEos: boolean | null;
    special: Record<string, SpecialToken>;
  };
  chatTemplate: string | null;
}

export interface Llama2cInfo {
  file: string;
  format: "llama2c";
  fileSize: number;
  expectedSize: number;
  header: { dim: number; hidden_dim: number; n_layers: number; n_heads: number; n_kv_heads: number; vocab_size: number; seq_len: number };
  sharedClassifier: boolean;
  headSize: number;
  parameters: number;
}

const SPECIAL_KEYS: [string, string][] = [
  ["bos", "tokenizer.ggml.bos_token_id"],
  ["eos", "tokenizer.ggml.eos_token_id"],
  ["eot", "tokenizer.ggml.eot_token_id"],
  ["unk", "tokenizer.ggml.unknown_token_id"],
  ["pad", "tokenizer.ggml.padding_token_id"],
];

export const inspectCommand = new Command("inspect")
  .description("describe a model file: architecture, sizes, tensor types, tokenizer, special tokens, chat template")
  .argument("[file]", "the model file, as with -m")
  .option("-m, --model <file>", "a .gguf file or a llama2.c checkpoint (.bin), as every other command takes it")
  .option("--json", "print one JSON object instead of text")
  .action(async (positional: string | undefined, flags: { json?: boolean; model?: string }) => {
    if (positional !== undefined && flags.model !== undefined && positional !== flags.model) throw new UserError("name the model once: -m FILE (or FILE)");
    const file = flags.model ?? positional;
    if (file === undefined) throw new UserError("which model? inspect -m FILE");
    const info = await inspectFile(file);
    process.stdout.write(flags.json ? JSON.stringify(info) + "\n" : info.format === "gguf" ? ggufText(info) : llama2cText(info));
  });

/** Reads what inspect reports; no tensor data is read. */
export async function inspectFile(file: string): Promise<GGUFInfo | Llama2cInfo> {
  checkInputFile(file, "model");
  const info = await stat(file);
  const head = await readHead(file, 28);
  if (head.length >= 4 && new DataView(head.buffer).getUint32(0, true) === GGUF_MAGIC) return inspectGGUF(file);
  return inspectLlama2c(file, head, info.size);
}

async function readHead(file: string, n: number): Promise<Uint8Array> {
  const handle = await open(file, "r").catch((error: NodeJS.ErrnoException) => {
    throw fileError(`cannot open model '${file}'`, error);
  });
  try {
    const buffer = new Uint8Array(n);
    const { bytesRead } = await handle.read(buffer, 0, n, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function inspectGGUF(file: string): Promise<GGUFInfo> {
  const g = await openGGUF(file);
  try {
    const arch = g.string("general.architecture") ?? null;
    const hyperparameters: Record<string, unknown> = {};
    if (arch !== null) {
      for (const [key, entry] of g.metadata) {
        if (key.startsWith(arch + ".") && entry.type !== GGUFType.ARRAY) hyperparameters[key.slice(arch.length + 1)] = plainValue(entry.value);
      }
    }
    const tensorTypes: Record<string, number> = {};
    for (const t of g.tensors) tensorTypes[ggmlTypeName(t.type)] = (tensorTypes[ggmlTypeName(t.type)] ?? 0) + 1;

    const tokens = g.get("tokenizer.ggml.tokens");
    const pieces = tokens?.type === GGUFType.ARRAY && (tokens.value as { itemType: number }).itemType === GGUFType.STRING ? ((tokens.value as { values: string[] }).values) : undefined;
    const special: Record<string, SpecialToken> = {};
    for (const [label, key] of SPECIAL_KEYS) {
      const id = g.number(key);
      if (id === undefined || id < 0 || id === 0xffffffff) continue; // absent, or llama.cpp's "none"
      special[label] = { id, piece: pieces?.[id] ?? null };
    }
    const merges = g.get("tokenizer.ggml.merges");
    return {
      file,
      format: "gguf",
      fileSize: g.fileSize,
      ggufVersion: g.version,
      alignment: g.alignment,
      metadataCount: g.metadata.size,
      architecture: arch,
      name: g.string("general.name") ?? null,
      fileType: g.number("general.file_type") ?? null,
      hyperparameters,
      tensorCount: g.tensors.length,
      parameters: g.tensors.reduce((sum, t) => sum + t.nElements, 0),
      tensorBytes: g.tensors.reduce((sum, t) => sum + t.nBytes, 0),
      tensorTypes,
      tokenizer: {
        model: g.string("tokenizer.ggml.model") ?? null,
        pre: g.string("tokenizer.ggml.pre") ?? null,
        vocabSize: pieces?.length ?? null,
        merges: merges?.type === GGUFType.ARRAY ? (merges.value as { values: unknown[] }).values.length : null,
        addBos: g.bool("tokenizer.ggml.add_bos_token") ?? null,
        addEos: g.bool("tokenizer.ggml.add_eos_token") ?? null,
        special,
      },
      chatTemplate: g.string("tokenizer.chat_template") ?? null,
    };
  } finally {
    await g.close();
  }
}

function inspectLlama2c(file: string, head: Uint8Array, fileSize: number): Llama2cInfo {
  if (head.length < 28) throw new UserError(`${file}: not a GGUF file, and at ${fileSize} bytes too short for a llama2.c checkpoint`);
  const view = new DataView(head.buffer, head.byteOffset, 28);
  const ints = Array.from({ length: 7 }, (_, i) => view.getInt32(4 * i, true));
  const config: Llama2cConfig = {
    dim: ints[0], hiddenDim: ints[1], nLayers: ints[2], nHeads: ints[3], nKvHeads: ints[4],
    vocabSize: Math.abs(ints[5]), seqLen: ints[6], sharedClassifier: ints[5] > 0,
  };
  try {
    validateLlama2cConfig(config);
  } catch (error) {
    throw new UserError(`${file}: not a GGUF file nor a llama2.c checkpoint (${(error as Error).message})`);
  }
  const expectedSize = llama2cCheckpointSize(config);
  if (expectedSize !== fileSize) throw new UserError(`${file}: not a GGUF file; as a llama2.c checkpoint its header implies ${expectedSize} bytes, the file has ${fileSize}`);
  const hs = config.dim / config.nHeads;
  const kv = config.nKvHeads * hs;
  const { dim, hiddenDim, nLayers: L, vocabSize } = config;
  const parameters = vocabSize * dim + L * (2 * dim + 2 * dim * dim + 2 * dim * kv + 3 * dim * hiddenDim) + dim + (config.sharedClassifier ? 0 : vocabSize * dim);
  return {
    file,
    format: "llama2c",
    fileSize,
    expectedSize,
    header: { dim, hidden_dim: hiddenDim, n_layers: L, n_heads: config.nHeads, n_kv_heads: config.nKvHeads, vocab_size: ints[5], seq_len: config.seqLen },
    sharedClassifier: config.sharedClassifier,
    headSize: hs,
    parameters,
  };
}

// ----------------------------------------------------------------------------
// Text

function ggufText(info: GGUFInfo): string {
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`${(label + ":").padEnd(16)} ${value}`);
  row("file", `${info.file} (${formatBytes(info.fileSize)}, GGUF v${info.ggufVersion}, ${info.metadataCount} metadata keys, alignment ${info.alignment})`);
  row("architecture", `${info.architecture ?? "(none)"}${info.name ? ` ("${info.name}")` : ""}`);
  const hp = Object.entries(info.hyperparameters).map(([key, value]) => `${key} ${typeof value === "number" && !Number.isInteger(value) ? Number(value.toPrecision(6)) : value}`);
  if (hp.length > 0) row("sizes", hp.join(", "));
  row("tensors", `${info.tensorCount}, ${formatParameters(info.parameters)} parameters, ${formatBytes(info.tensorBytes)}`);
  row("tensor types", Object.entries(info.tensorTypes).map(([type, n]) => `${type} ${n}`).join(", ") || "(none)");
  const t = info.tokenizer;
  if (t.model === null) {
    row("tokenizer", "(none)");
  } else {
    const extras = [t.pre !== null ? `pre ${t.pre}` : "", t.vocabSize !== null ? `${t.vocabSize} tokens` : "", t.merges !== null ? `${t.merges} merges` : ""].filter(Boolean);
    row("tokenizer", `${t.model}${extras.length ? ` (${extras.join(", ")})` : ""}`);
    const special = Object.entries(t.special).map(([label, s]) => `${label} ${s.id}${s.piece !== null ? ` ${JSON.stringify(s.piece)}` : " (outside the vocabulary)"}`);
    row("special tokens", special.join(", ") || "(none)");
    if (t.addBos !== null || t.addEos !== null) row("adds", `bos ${t.addBos ?? "-"}, eos ${t.addEos ?? "-"}`);
  }
  if (info.chatTemplate === null) {
    row("chat template", "(none)");
  } else {
    const templateLines = info.chatTemplate.split("\n");
    row("chat template", `${templateLines.length} lines, ${info.chatTemplate.length} characters:`);
    for (const line of templateLines.slice(0, 5)) lines.push(`  ${line.length > 110 ? line.slice(0, 110) + "…" : line}`);
    if (templateLines.length > 5) lines.push("  …");
  }
  return lines.join("\n") + "\n";
}

function llama2cText(info: Llama2cInfo): string {
  const h = info.header;
  return [
    `file:            ${info.file} (${formatBytes(info.fileSize)}, llama2.c checkpoint, legacy version 0; size matches the header)`,
    `header:          dim ${h.dim}, hidden_dim ${h.hidden_dim}, n_layers ${h.n_layers}, n_heads ${h.n_heads}, n_kv_heads ${h.n_kv_heads}, vocab_size ${h.vocab_size}, seq_len ${h.seq_len}`,
    `classifier:      ${info.sharedClassifier ? "shared with the token embedding" : "separate (wcls)"}`,
    `head size:       ${info.headSize}`,
    `parameters:      ${formatParameters(info.parameters)} (f32)`,
  ].join("\n") + "\n";
}

function formatParameters(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} K`;
  return String(n);
}
