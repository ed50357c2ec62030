// An independent, deliberately plain byte-level BPE encoder for GGUF "gpt2" vocabularies,
// written from llama.cpp's list of regexes per tokenizer.ggml.pre: JavaScript's own
// Unicode regexes split the text (each regex splitting the pieces the previous ones
// made, matches and gaps alike), the pieces' bytes become GPT-2 characters, and the
// lowest-ranked adjacent pair merges, leftmost first, until none is in the merge list.
// \s is Unicode White_Space here, as in llama.cpp's tables (JavaScript's \s differs
// for U+0085 and U+FEFF).
import { readFileSync, writeFileSync } from "node:fs";

const W = "\\p{White_Space}";
const GPT2 = `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${W}\\p{L}\\p{N}]+|[${W}]+(?![^${W}])|[${W}]+`;
const llama3 = (numbers: string) =>
  `(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}${numbers}| ?[^${W}\\p{L}\\p{N}]+[\\r\\n]*|[${W}]*[\\r\\n]+|[${W}]+(?![^${W}])|[${W}]+`;

/** llama.cpp's regex lists (llm_tokenizer_bpe), by pre-tokenizer name. */
export const PRE_TOKENIZER_REGEXES: Record<string, string[]> = {
  "gpt-2": [GPT2],
  mpt: [GPT2],
  default: ["[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]"],
  falcon: ["[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]"],
  smollm: ["\\p{N}", GPT2],
  "llama-bpe": [llama3("{1,3}")],
  qwen2: [llama3("")],
  "deepseek-coder": ["[\\r\\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+", "\\p{N}"],
  "poro-chat": [" ?[^(\\s|.,!?\u2026\u3002\uff0c\u3001\u0964\u06d4\u060c)]+"],
  superbpe: ["\\p{N}+", "(?=(\\d{3})+(?!\\d))"],
  "seed-coder": ["(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"],
  viking: [" ?[^(\\s|.,!?\u2026\u3002\uff0c\u3001\u0964\u06d4\u060c)]+", "\\p{N}"],
};

interface GgufStrings {
  values: Map<string, string | Buffer[] | number | boolean>;
  /** Where each string value's u64 length starts and its bytes end. */
  stringSpans: Map<string, [number, number]>;
}

/** The metadata of a GGUF file: strings, string arrays and scalars; enough for vocabularies. */
export function readGgufMetadata(path: string): GgufStrings {
  const b = readFileSync(path);
  let p = 8;
  const u32 = () => ((p += 4), b.readUInt32LE(p - 4));
  const u64 = () => ((p += 8), Number(b.readBigUInt64LE(p - 8)));
  const str = () => {
    const n = u64();
    p += n;
    return b.subarray(p - n, p);
  };
  const sizes: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
  u64(); // tensor count
  const kvs = u64();
  const values = new Map<string, string | Buffer[] | number | boolean>();
  const stringSpans = new Map<string, [number, number]>();
  for (let i = 0; i < kvs; i++) {
    const key = str().toString();
    const type = u32();
    if (type === 8) {
      const start = p;
      values.set(key, str().toString());
      stringSpans.set(key, [start, p]);
    } else if (type === 9) {
      const itemType = u32();
      const n = u64();
      if (itemType === 8) {
        const items: Buffer[] = [];
        for (let k = 0; k < n; k++) items.push(str());
        values.set(key, items);
      } else p += n * sizes[itemType];
    } else {
      if (type === 4) values.set(key, b.readUInt32LE(p));
      if (type === 7) values.set(key, b[p] !== 0);
      p += sizes[type];
    }
  }
  return { values, stringSpans };
}

/** A copy of a GGUF file at `to` with one string value replaced (files without tensors only). */
export function withStringValue(from: string, to: string, key: string, value: string): void {
  const bytes = readFileSync(from);
  const span = readGgufMetadata(from).stringSpans.get(key);
  if (!span) throw new Error(`${from} has no string ${key}`);
  const encoded = Buffer.from(value);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(encoded.length));
  writeFileSync(to, Buffer.concat([bytes.subarray(0, span[0]), length, encoded, bytes.subarray(span[1])]));
}

export function byteChar(b: number): string {
  if (b <= 0x20) return String.fromCodePoint(0x100 + b);
  if (b >= 0x7f && b <= 0xa0) return String.fromCodePoint(0x121 + b - 0x7f);
  if (b === 0xad) return String.fromCodePoint(0x143);
  return String.fromCodePoint(b);
}

export class ReferenceByteLevelBpe {
  private readonly ids = new Map<string, number>();
  private readonly ranks = new Map<string, number>();
  private readonly regexes: RegExp[];
  private readonly ignoreMerges: boolean;

  constructor(path: string, pre: string) {
    const { values } = readGgufMetadata(path);
    (values.get("tokenizer.ggml.tokens") as Buffer[]).forEach((piece, id) => this.ids.set(piece.toString("latin1"), id));
    (values.get("tokenizer.ggml.merges") as Buffer[]).forEach((merge, rank) => {
      const key = merge.toString("latin1");
      if (!this.ranks.has(key)) this.ranks.set(key, rank);
    });
    this.regexes = PRE_TOKENIZER_REGEXES[pre].map((source) => new RegExp(source, "gu"));
    this.ignoreMerges = pre === "llama-bpe";
  }

  /** The words the pre-tokenizer makes of the text. */
  split(text: string): string[] {
    let pieces = [text];
    for (const regex of this.regexes) {
      const next: string[] = [];
      for (const piece of pieces) {
        let last = 0;
        for (const m of piece.matchAll(regex)) {
          if (m.index > last) next.push(piece.slice(last, m.index));
          next.push(m[0]);
          last = m.index + m[0].length;
        }
        if (last < piece.length) next.push(piece.slice(last));
      }
      pieces = next;
    }
    return pieces;
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const word of this.split(text)) {
      const encoded = [...Buffer.from(word, "utf8")].map(byteChar);
      const whole = this.idOf(encoded.join(""));
      if (this.ignoreMerges && whole !== undefined) {
        out.push(whole);
        continue;
      }
      const symbols = encoded;
      for (;;) {
        let best = -1;
        let bestRank = Infinity;
        for (let i = 0; i + 1 < symbols.length; i++) {
          const rank = this.ranks.get(Buffer.from(symbols[i] + " " + symbols[i + 1]).toString("latin1"));
          if (rank !== undefined && rank < bestRank) [best, bestRank] = [i, rank];
        }
        if (best < 0) break;
        symbols.splice(best, 2, symbols[best] + symbols[best + 1]);
      }
      for (const symbol of symbols) {
        const id = this.idOf(symbol);
        if (id !== undefined) out.push(id);
        else for (const byte of Buffer.from(symbol)) {
          const single = this.ids.get(String.fromCharCode(byte));
          if (single !== undefined) out.push(single);
        }
      }
    }
    return out;
  }

  private idOf(text: string): number | undefined {
    return this.ids.get(Buffer.from(text).toString("latin1"));
  }
}
