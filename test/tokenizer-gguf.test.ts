// The tokenizers stored in GGUF files against llama.cpp's own evidence: its tokenizer
// test vectors (test/fixtures/llama.cpp-vocab/, see its README), llama-tokenize's output
// for stories260K, and, for the pre-tokenizers those do not cover, an independent
// reference encoder built on JavaScript's Unicode regexes (test/reference/byte-level-bpe.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Core } from "../host/runner/core.js";
import { configText } from "../host/config.js";
import { ReferenceByteLevelBpe, withStringValue } from "./reference/byte-level-bpe.js";
import { writePairVocab } from "./reference/pair-vocab.js";
import { useTempDirs } from "./helpers/temp-dirs.js";

const tempDir = useTempDirs("uefi-llm-pre-");

const fixtures = join(import.meta.dirname, "fixtures");
const vocabDir = join(fixtures, "llama.cpp-vocab");
const vocabFile = (name: string) => join(vocabDir, `ggml-vocab-${name}.gguf`);
const silent = { stdout: () => {}, stderr: () => {} };

function tokenizerCore(file: string): Core {
  const core = new Core(silent);
  core.loadTokenizer(configText({ model: file }));
  return core;
}

/** llama.cpp's test-tokenizer-0 pairs: inputs split on the separator, one line of ids per input. */
function testVectors(file: string): { text: string; ids: number[] }[] {
  const inputs = readFileSync(`${file}.inp`, "utf8").split("\n__ggml_vocab_test__\n");
  if (inputs.at(-1) === "") inputs.pop();
  const lines = readFileSync(`${file}.out`, "utf8").split("\n").slice(0, inputs.length);
  return inputs.map((text, i) => ({ text, ids: lines[i].trim() === "" ? [] : lines[i].trim().split(" ").map(Number) }));
}

/** The text that generation prints for these ids, starting after `first` (-1: nothing before). */
function decodeAll(core: Core, ids: number[], first = -1): string {
  const parts: Uint8Array[] = [];
  let prev = first;
  for (const id of ids) {
    parts.push(core.decode(prev, id));
    prev = id;
  }
  return Buffer.concat(parts).toString("utf8");
}

const VOCABS = ["phi-3", "llama-spm", "gpt-2", "falcon", "mpt", "deepseek-coder", "deepseek-llm", "starcoder", "refact"];

const roundTripSamples = [
  "Hello world",
  "  leading spaces, trailing spaces  ",
  "Line one\nLine two\ttabbed\r\n\n",
  "Ünïcödé: naïve café, 日本語のテキスト, Ελληνικά, русский, हिन्दी",
  "emoji 🦙🚀 and 👩‍👩‍👧 family, flags 🇩🇪🇯🇵",
  "numbers 3.14159, 1,000,000 and symbols <>{}[]()#$%^&*`~|\\",
  "It's what we'd've done; y'all'll SEE'S",
];

describe.each(VOCABS)("llama.cpp's test vectors: ggml-vocab-%s.gguf", (name) => {
  let core: Core;
  const vectors = testVectors(vocabFile(name));
  beforeAll(() => {
    core = tokenizerCore(vocabFile(name));
  });

  it("has all 46 inputs", () => {
    expect(vectors.length).toBe(46);
  });

  it.each(vectors.map((v, i) => [i, JSON.stringify(v.text).slice(0, 48), v] as const))("#%i %s", (_i, _label, v) => {
    expect(core.encode(v.text, { bos: false })).toEqual(v.ids);
  });

  it("decodes llama.cpp's ids of every input back to the input", () => {
    for (const v of vectors) expect(decodeAll(core, v.ids), JSON.stringify(v.text)).toBe(v.text);
  });

  it("round-trips ASCII, Unicode and emoji text", () => {
    const { bos } = core.specialIds;
    for (const text of roundTripSamples) {
      const ids = core.encode(text);
      const withBos = ids[0] === bos;
      expect(decodeAll(core, withBos ? ids.slice(1) : ids, withBos ? bos : -1), text).toBe(text);
    }
  });
});

describe("stories260K.gguf: llama-tokenize's ids", () => {
  interface Case {
    prompt: string;
    with_bos: number[];
    no_bos: number[];
  }
  const refs: { cases: Case[] } = JSON.parse(readFileSync(join(fixtures, "llama.cpp-made", "refs", "tokenize-stories260K.json"), "utf8"));
  let core: Core;
  beforeAll(() => {
    core = tokenizerCore(join(fixtures, "gguf", "stories260K.gguf"));
  });

  // llama-tokenize parses special tokens by default
  it.each(refs.cases.map((c) => [c.prompt, c] as const))("%j", (_prompt, c) => {
    expect(core.encode(c.prompt, { parseSpecial: true })).toEqual(c.with_bos);
    expect(core.encode(c.prompt, { bos: false, parseSpecial: true })).toEqual(c.no_bos);
    expect(decodeAll(core, c.with_bos.slice(1), c.with_bos[0])).toBe(c.prompt);
  });

  it("reads the special tokens and flags", () => {
    expect(core.specialIds).toEqual({ bos: 1, eos: 2, eot: -1 });
    expect(core.encode("")).toEqual([1]);
    expect(core.encode("", { bos: false })).toEqual([]);
    // add_eos_token is absent, and false for SentencePiece
    expect(core.encode("a", { eos: true }).at(-1)).not.toBe(2);
    expect(core.isEndOfGeneration(2)).toBe(true);
    expect(core.isEndOfGeneration(1)).toBe(false);
  });

  it("shows control tokens as nothing", () => {
    expect(core.decode(-1, 1).length).toBe(0);
    expect(core.decode(-1, 2).length).toBe(0);
  });
});

describe("special tokens", () => {
  it("phi-3: control tokens only with parseSpecial, and Phi-3 strips the space after them", () => {
    const core = tokenizerCore(vocabFile("phi-3"));
    expect(core.specialIds).toEqual({ bos: 1, eos: 32000, eot: 32007 });
    // <|user|> 32010, "▁Hello" 15043, <|end|> 32007: the newline after <|user|> is stripped
    expect(core.encode("<|user|>\nHello<|end|>", { bos: false, parseSpecial: true })).toEqual([32010, 15043, 32007]);
    const plain = core.encode("<|user|>\nHello<|end|>", { bos: false });
    expect(plain).not.toContain(32010);
    expect(decodeAll(core, plain)).toBe("<|user|>\nHello<|end|>");
    expect(core.isEndOfGeneration(32007)).toBe(true);
    expect(core.isEndOfGeneration(32000)).toBe(true);
    expect(core.isEndOfGeneration(15043)).toBe(false);
  });

  it("gpt-2: <|endoftext|> only with parseSpecial; no BOS, as the vocabulary says", () => {
    const core = tokenizerCore(vocabFile("gpt-2"));
    expect(core.specialIds).toEqual({ bos: 50256, eos: 50256, eot: 50256 });
    expect(core.encode("a<|endoftext|>b", { parseSpecial: true })).toEqual([...core.encode("a"), 50256, ...core.encode("b")]);
    expect(core.encode("a<|endoftext|>b")).not.toContain(50256);
    expect(core.encode("Hello", { bos: true, eos: true })).toEqual(core.encode("Hello", { bos: false }));
  });

  it("mpt: user-defined tokens (runs of spaces) are split off first, longest first", () => {
    const core = tokenizerCore(vocabFile("mpt"));
    const spaces = (n: number) => 50278 - n; // 50276 is two spaces, 50254 twenty-four
    expect(core.encode(" ".repeat(24) + "x", { bos: false })).toEqual([spaces(24), ...core.encode("x", { bos: false })]);
    expect(core.encode(" ".repeat(30), { bos: false })).toEqual([spaces(24), spaces(6)]);
    expect(decodeAll(core, core.encode("a" + " ".repeat(50) + "b"))).toBe("a" + " ".repeat(50) + "b");
  });
});

describe("pre-tokenizers against the reference encoder (gpt-2's vocabulary under each name)", () => {
  const texts = [
    ...testVectors(vocabFile("gpt-2")).map((v) => v.text),
    ...roundTripSamples,
    "x = a_b[1] + $c; // 12345678 ½ ٣٤٥ 𝟙𝟚𝟛 Ⅻ",
    "«Quoted» — ‘curly’ “text”… ¿Qué? ¡Sí! 。、「」",
    "tab\tnbsp\u00a0thin\u2009ideo\u3000nel\u0085end \u00a0 \n\u00a0x",
    "I'M HE'S THEY'RE WE'VE SHE'LL HE'D it'S",
    "\r\n\r\n  \r\n x\n\n\n\ty",
    "a1b22c333d4444e55555 12 345 6789",
    "run `npm test` and $HOME, a+b <= c ^ d ~ e | f",
  ];
  const dir = tempDir();
  for (const pre of ["gpt-2", "default", "falcon", "smollm", "llama-bpe", "qwen2", "deepseek-coder", "poro-chat", "viking", "superbpe", "seed-coder"]) {
    it(pre, () => {
      const file = join(dir, `gpt-2-as-${pre}.gguf`);
      withStringValue(vocabFile("gpt-2"), file, "tokenizer.ggml.pre", pre);
      const core = tokenizerCore(file);
      const reference = new ReferenceByteLevelBpe(file, pre);
      for (const text of texts) expect(core.encode(text, { bos: false }), JSON.stringify(text)).toEqual(reference.encode(text));
      // llama.cpp adds BOS for the llama3 family only
      expect(core.encode("a")[0] === 50256).toBe(pre === "llama-bpe");
    });
  }

  it("rejects a pre-tokenizer it does not know", () => {
    const file = join(dir, "gpt-2-as-unknown.gguf");
    withStringValue(vocabFile("gpt-2"), file, "tokenizer.ggml.pre", "no-such-pre");
    expect(() => tokenizerCore(file)).toThrow(/pre-tokenizer 'no-such-pre' .* is not supported/);
  });
});

describe("pre-tokenizers against llama.cpp's llama-tokenize (gpt-2's vocabulary under each name)", () => {
  // refs/pretokenizers.json: scripts/gen-pretokenizer-refs.ts ran llama.cpp on these texts,
  // with gpt-2's vocabulary and with the pair vocabulary, whose ids show every cut (and its
  // variant with runs of spaces as single tokens, which shows how runs of spaces are cut)
  type Ids = Record<string, number[][]>;
  const refs: { texts: string[]; ids: Ids; pair_ids: Ids; space_ids: Ids } = JSON.parse(
    readFileSync(join(fixtures, "llama.cpp-made", "refs", "pretokenizers.json"), "utf8"),
  );
  const dir = tempDir();
  it.each(Object.keys(refs.ids))("%s", (pre) => {
    const file = join(dir, `gpt-2-as-${pre}.gguf`);
    withStringValue(vocabFile("gpt-2"), file, "tokenizer.ggml.pre", pre);
    const core = tokenizerCore(file);
    expect(refs.texts.length).toBeGreaterThan(46);
    refs.texts.forEach((text, i) => expect(core.encode(text, { bos: false }), `#${i} ${JSON.stringify(text)}`).toEqual(refs.ids[pre][i]));
    const pairs = join(dir, `pairs-${pre}.gguf`);
    writePairVocab(refs.texts, pre, pairs);
    const pairCore = tokenizerCore(pairs);
    refs.texts.forEach((text, i) => expect(pairCore.encode(text, { bos: false }), `pairs #${i} ${JSON.stringify(text)}`).toEqual(refs.pair_ids[pre][i]));
    const spaces = join(dir, `spaces-${pre}.gguf`);
    writePairVocab(refs.texts, pre, spaces, true);
    const spaceCore = tokenizerCore(spaces);
    refs.texts.forEach((text, i) => expect(spaceCore.encode(text, { bos: false }), `spaces #${i} ${JSON.stringify(text)}`).toEqual(refs.space_ids[pre][i]));
  });

  it("the pair vocabularies tell the pre-tokenizers apart, but bailingmoe's regex from qwen2's", () => {
    // bailingmoe's \s*[\r\n] matches what qwen2's \s*[\r\n]+ does: the spaces up to the run's last line break
    const names = Object.keys(refs.pair_ids);
    const key = (name: string) => JSON.stringify([refs.pair_ids[name], refs.space_ids[name]]);
    for (const a of names) {
      for (const b of names) {
        if (a >= b) continue;
        expect(key(a) === key(b), `${a} vs ${b}`).toBe(a === "bailingmoe" && b === "qwen2");
      }
    }
  });
});

describe("text that is not UTF-8, and long text", () => {
  it("byte-level BPE reads a bad byte as U+FFFD; SentencePiece falls back to its byte token", () => {
    const gpt2 = tokenizerCore(vocabFile("gpt-2"));
    expect(gpt2.encode(Uint8Array.of(0x61, 0xff, 0x62), { bos: false })).toEqual(gpt2.encode("a\ufffdb", { bos: false }));
    const phi3 = tokenizerCore(vocabFile("phi-3"));
    // ▁a, <0xFF>, b
    const ids = phi3.encode(Uint8Array.of(0x61, 0xff, 0x62), { bos: false });
    expect(ids).toContain(0xff + 3);
    expect(Buffer.concat(ids.map((id, i) => phi3.decode(i === 0 ? -1 : ids[i - 1], id)))).toEqual(Buffer.from([0x61, 0xff, 0x62]));
  });

  it("tokenizes 100 KB in well under a second, whatever the text", () => {
    const story = readFileSync(join(fixtures, "stories260K", "greedy-n256.txt"), "utf8");
    const texts = [story.repeat(Math.ceil(100_000 / story.length)), "a".repeat(100_000), " ".repeat(100_000), "🦙".repeat(25_000), "1".repeat(100_000)];
    // and gpt-2's vocabulary under the pre-tokenizers that have no vocabulary of their own here
    const dir = tempDir();
    const relabelled = ["deepseek-v3", "gpt-4o", "tekken", "chameleon", "kimi-k2", "qwen35", "tiny_aya", "youtu", "afmoe", "exaone-moe", "jais-2"].map((pre) => {
      const file = join(dir, `gpt-2-as-${pre}.gguf`);
      withStringValue(vocabFile("gpt-2"), file, "tokenizer.ggml.pre", pre);
      return [pre, file];
    });
    texts.push("Ä".repeat(50_000) + "B".repeat(50_000), "a ".repeat(50_000));
    for (const [name, file] of [...VOCABS.map((name) => [name, vocabFile(name)]), ...relabelled]) {
      const core = tokenizerCore(file);
      for (const text of texts) {
        const started = performance.now();
        const ids = core.encode(text, { bos: false, parseSpecial: true });
        const ms = performance.now() - started;
        expect(ids.length).toBeGreaterThan(0);
        expect(ms, `${name}: ${JSON.stringify(text.slice(0, 10))}… took ${ms.toFixed(0)} ms`).toBeLessThan(1000);
      }
    }
  }, 180_000);
});
