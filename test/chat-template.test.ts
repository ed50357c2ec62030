// The chat loop's turns against the models' own chat templates. assembly/text/chat-template.ts,
// compiled on its own (test/fixtures/chat-template-entry.ts) and composed the way
// assembly/text/chat.ts feeds the model, must give the same token ids as the published Jinja
// template (test/fixtures/chat-templates/, see its README) rendered by an independent Jinja
// implementation (@huggingface/jinja, Hugging Face's own for JavaScript) and tokenized whole,
// as llama.cpp does. Both go through the core's tokenizer, on small vocab-only GGUF files
// that carry each family's special tokens and flags.
import { execa } from "execa";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "@huggingface/jinja";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configText } from "../host/config.js";
import { readLlama2cTokenizer, spmMetadata, spmVocabFromLlama2c, TOKEN_TYPE } from "../host/gguf/model-gguf.js";
import { syntheticBpeMetadata } from "../host/gguf/synthetic.js";
import { gguf, type GGUFArray, type GGUFValue } from "../host/gguf/types.js";
import { encodeGGUF } from "../host/gguf/writer.js";
import { buildDir, packageRoot } from "../host/paths.js";
import { Core } from "../host/runner/core.js";

const templateDir = join(import.meta.dirname, "fixtures", "chat-templates");
const entryWasm = join(buildDir, "test", "chat-template.wasm");
const silent = { stdout: () => {}, stderr: () => {} };

// ----------------------------------------------------------------------------
// assembly/text/chat-template.ts, through the test entry

interface EntryExports {
  memory: WebAssembly.Memory;
  input(n: number): number;
  result_len(): number;
  detect_template(ptr: number, len: number): number;
  template_by_name(ptr: number, len: number): number;
  first_turn(family: number, system: number, systemLen: number, user: number, userLen: number, bos: number, bosLen: number): number;
  user_turn(family: number, user: number, userLen: number): number;
  after_answer(family: number, bos: number, bosLen: number): number;
  end_of_turn(family: number, eos: number, eosLen: number): number;
  template_writes_bos(family: number): number;
}

class ChatTemplates {
  private readonly x: EntryExports;

  constructor(wasm: Uint8Array<ArrayBuffer>) {
    const abort = () => {
      throw new Error("abort in assembly/text/chat-template.ts");
    };
    this.x = new WebAssembly.Instance(new WebAssembly.Module(wasm), { env: { abort } }).exports as unknown as EntryExports;
  }

  family(name: string): number {
    return this.x.template_by_name(...this.put(name));
  }

  detect(jinja: string): number {
    return this.x.detect_template(...this.put(jinja));
  }

  firstTurn(family: number, system: string, user: string, bos: string): string {
    return this.get(this.x.first_turn(family, ...this.put(system), ...this.put(user), ...this.put(bos)));
  }

  userTurn(family: number, user: string): string {
    return this.get(this.x.user_turn(family, ...this.put(user)));
  }

  afterAnswer(family: number, bos: string): string {
    return this.get(this.x.after_answer(family, ...this.put(bos)));
  }

  writesBos(family: number): boolean {
    return this.x.template_writes_bos(family) !== 0;
  }

  endOfTurn(family: number, eos: string): string {
    return this.get(this.x.end_of_turn(family, ...this.put(eos)));
  }

  private put(s: string): [number, number] {
    const bytes = new TextEncoder().encode(s);
    const ptr = this.x.input(bytes.length);
    new Uint8Array(this.x.memory.buffer, ptr, bytes.length).set(bytes);
    return [ptr, bytes.length];
  }

  private get(ptr: number): string {
    return new TextDecoder().decode(new Uint8Array(this.x.memory.buffer, ptr, this.x.result_len()));
  }
}

// ----------------------------------------------------------------------------
// Vocabularies: each family's special tokens and flags as its real GGUF files have them

interface Vocab {
  metadata: [string, GGUFValue][];
  tokens: string[];
  bos: number;
  eos: number;
}

/**
 * SentencePiece, as Llama 2, TinyLlama and Gemma: the bundled models/tok512.bin vocabulary
 * plus `specials` as control tokens; bos and eos name tokens (default <s> and </s>).
 */
function spmVocab({ specials = [] as string[], bos = "<s>", eos = "</s>", spacePrefix = true } = {}): Vocab {
  const file = readLlama2cTokenizer(new Uint8Array(readFileSync(join(packageRoot, "models", "tok512.bin"))), 512, "tok512.bin");
  const base = spmVocabFromLlama2c(file, "tok512.bin");
  const tokens = [...base.tokens, ...specials];
  const types = Int32Array.from(tokens, (_, i) => (i < base.tokens.length ? base.types[i] : TOKEN_TYPE.CONTROL));
  const scores = Float32Array.from(tokens, (_, i) => (i < base.tokens.length ? base.scores[i] : 0));
  const vocab = { ...base, tokens, types, scores, bos: tokens.indexOf(bos), eos: tokens.indexOf(eos) };
  const metadata = spmMetadata(vocab).map(([key, value]): [string, GGUFValue] =>
    key === "tokenizer.ggml.add_space_prefix" ? [key, gguf.bool(spacePrefix)] : [key, value]);
  return { metadata, tokens, bos: vocab.bos, eos: vocab.eos };
}

/**
 * Byte-level BPE, as Qwen2.5 and Llama 3: the synthetic vocabulary's regular tokens and
 * merges (host/gguf/synthetic.ts), then `specials` as control tokens.
 */
function bpeVocab({ specials, pre, bos, eos, addBos }: { specials: string[]; pre: string; bos: string; eos: string; addBos: boolean }): Vocab {
  const base = new Map(syntheticBpeMetadata(1000));
  const baseTokens = (base.get("tokenizer.ggml.tokens")!.value as GGUFArray).values as string[];
  const baseTypes = (base.get("tokenizer.ggml.token_type")!.value as GGUFArray).values as Int32Array;
  const tokens = [...baseTokens.filter((_, i) => baseTypes[i] === TOKEN_TYPE.NORMAL), ...specials];
  const types = Int32Array.from(tokens, (_, i) => (i < tokens.length - specials.length ? TOKEN_TYPE.NORMAL : TOKEN_TYPE.CONTROL));
  const ids = { bos: tokens.indexOf(bos), eos: tokens.indexOf(eos) };
  const metadata: [string, GGUFValue][] = [
    ["tokenizer.ggml.model", gguf.str("gpt2")],
    ["tokenizer.ggml.pre", gguf.str(pre)],
    ["tokenizer.ggml.tokens", gguf.strings(tokens)],
    ["tokenizer.ggml.token_type", gguf.i32s(types)],
    ["tokenizer.ggml.merges", base.get("tokenizer.ggml.merges")!],
    ["tokenizer.ggml.bos_token_id", gguf.u32(ids.bos)],
    ["tokenizer.ggml.eos_token_id", gguf.u32(ids.eos)],
    ["tokenizer.ggml.add_bos_token", gguf.bool(addBos)],
  ];
  return { metadata, tokens, ...ids };
}

const QWEN = { specials: ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], pre: "qwen2", bos: "<|endoftext|>", eos: "<|im_end|>", addBos: false };
const LLAMA3 = {
  specials: ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"],
  pre: "llama-bpe", bos: "<|begin_of_text|>", eos: "<|eot_id|>", addBos: true,
};
const GEMMA = { specials: ["<bos>", "<eos>", "<start_of_turn>", "<end_of_turn>"], bos: "<bos>", eos: "<eos>", spacePrefix: false };

interface Case {
  family: string; // as in --chat-template
  template: string; // file in test/fixtures/chat-templates/
  vocab: () => Vocab;
}

// TinyLlama keeps the Llama 2 vocabulary: its <|user|> etc. are plain text, only </s> is special.
const CASES: Case[] = [
  { family: "chatml", template: "chatml-Qwen2.5-0.5B-Instruct.jinja", vocab: () => bpeVocab(QWEN) },
  { family: "chatml", template: "chatml-SmolLM2-135M-Instruct.jinja", vocab: () => bpeVocab(QWEN) },
  { family: "llama3", template: "llama3-Meta-Llama-3-8B-Instruct.jinja", vocab: () => bpeVocab(LLAMA3) },
  { family: "llama2", template: "llama2-Llama-2-7b-chat.jinja", vocab: () => spmVocab() },
  { family: "zephyr", template: "zephyr-TinyLlama-1.1B-Chat-v1.0.jinja", vocab: () => spmVocab() },
  { family: "gemma", template: "gemma-gemma-3-270m-it.jinja", vocab: () => spmVocab(GEMMA) },
  { family: "gemma", template: "gemma-gemma-2-2b-it.jinja", vocab: () => spmVocab(GEMMA) },
];

// ----------------------------------------------------------------------------
// The conversation, rendered both ways

interface Conversation {
  system: string; // "" = none, as chat.ts takes it
  user1: string;
  answer1: string; // what the model said, before the template wraps it
  user2: string;
}

const CONVERSATION: Conversation = {
  system: "You are a helpful assistant. Answer in one sentence.",
  user1: "Once upon a time, who lived in the forest?",
  answer1: "A little fox named Lily lived in the forest.",
  user2: "What did she eat? Ünïcödé 日本 🦙",
};

// chat.ts trims the lines it reads, not the system prompt: a padded one checks where each template trims.
const PADDED_SYSTEM: Conversation = { ...CONVERSATION, system: "  Be brief.\n\nAnd kind.  \n" };
const NO_SYSTEM: Conversation = { ...CONVERSATION, system: "" };

function messages(c: Conversation, turns: "first" | "both") {
  const list = [...(c.system.length > 0 ? [{ role: "system", content: c.system }] : []), { role: "user", content: c.user1 }];
  if (turns === "both") list.push({ role: "assistant", content: c.answer1 }, { role: "user", content: c.user2 });
  return list;
}

/** The published template's text: up to the first answer, and the whole conversation up to the second. */
function renderJinja(source: string, c: Conversation, bos: string, eos: string) {
  const template = new Template(source);
  const render = (turns: "first" | "both") => template.render({ messages: messages(c, turns), add_generation_prompt: true, bos_token: bos, eos_token: eos });
  return { first: render("first"), whole: render("both") };
}

/** The texts chat.ts feeds, in order: the first turn; (the answer, generated, and the end-of-turn token); the second turn. */
function renderCore(t: ChatTemplates, family: string, c: Conversation, bos: string, eos: string) {
  const f = t.family(family);
  return {
    first: t.firstTurn(f, c.system, c.user1, bos),
    end: t.endOfTurn(f, eos),
    second: t.afterAnswer(f, bos) + t.userTurn(f, c.user2),
  };
}

// ----------------------------------------------------------------------------

let templates: ChatTemplates;
let vocabDir: string;

beforeAll(async () => {
  // From test/fixtures (--baseDir), so that the core's asconfig.json does not apply.
  await execa(join(packageRoot, "node_modules", ".bin", "asc"),
    ["chat-template-entry.ts", "--baseDir", join(packageRoot, "test", "fixtures"), "--runtime", "stub", "-O3", "-o", entryWasm], { timeout: 120_000 });
  templates = new ChatTemplates(new Uint8Array(readFileSync(entryWasm)));
  vocabDir = mkdtempSync(join(tmpdir(), "uefi-llm-chat-template-"));
}, 180_000);

afterAll(() => {
  if (vocabDir) rmSync(vocabDir, { recursive: true, force: true });
});

describe.each(CASES)("$family: $template", ({ family, template, vocab }) => {
  const source = readFileSync(join(templateDir, template), "utf8");
  let core: Core;
  let v: Vocab;

  beforeAll(() => {
    v = vocab();
    const file = join(vocabDir, template.replace(/\.jinja$/, ".gguf"));
    writeFileSync(file, encodeGGUF([["general.architecture", gguf.str("llama")], ...v.metadata, ["tokenizer.chat_template", gguf.str(source)]], []));
    core = new Core(silent);
    core.loadTokenizer(configText({ model: file }));
  });

  const pieces = () => ({ bos: v.tokens[v.bos], eos: v.tokens[v.eos] });

  it("is recognised as its family", () => {
    expect(templates.detect(source)).toBe(templates.family(family));
  });

  /**
   * Token ids, the way chat.ts feeds them, against the whole rendered conversation tokenized
   * at once. The answer's ids are the model's, generated, not tokenized by chat.ts: they are
   * taken from the reference between the first turn and the end-of-turn token, and must
   * decode to exactly the text the template writes for the assistant's message.
   */
  function expectSameIds(c: Conversation) {
    const { bos, eos } = pieces();
    const jinja = renderJinja(source, c, bos, eos);
    const ours = renderCore(templates, family, c, bos, eos);

    // Text first, where a difference is readable: the first turn, then the whole conversation.
    expect(ours.first).toBe(jinja.first);
    expect(jinja.whole.startsWith(jinja.first), "the template renders the first turn as a prefix of the conversation").toBe(true);
    const answerAt = jinja.first.length;
    const answerText = jinja.whole.slice(answerAt, jinja.whole.indexOf(ours.end, answerAt));
    expect(ours.first + answerText + ours.end + ours.second).toBe(jinja.whole);

    // Ids. llama.cpp adds BOS where the vocabulary asks for it and the text does not start with it
    // (so TinyLlama gets one, as chat.ts gives it; Hugging Face's apply_chat_template adds none).
    const reference = core.encode(jinja.whole, { bos: !jinja.whole.startsWith(bos), parseSpecial: true });
    const first = core.encode(ours.first, { bos: !templates.writesBos(templates.family(family)), parseSpecial: true }); // as chat.ts: BOS unless the template writes it
    const endIds = core.encode(ours.end, { bos: false, parseSpecial: true });
    expect(endIds, `'${ours.end}' is one token`).toHaveLength(1);
    const end = endIds[0];
    expect(core.isEndOfGeneration(end), `'${ours.end}' ends generation`).toBe(true);
    const endAt = reference.indexOf(end, first.length);
    const answer = reference.slice(first.length, endAt);
    const second = core.encode(ours.second, { bos: false, parseSpecial: true });
    expect([...first, ...answer, end, ...second]).toEqual(reference);
    expect(decodeAll(core, answer, first.at(-1)!)).toBe(answerText);
  }

  if (template.includes("gemma-2")) {
    // Gemma 2's template has no system role; chat.ts puts the system prompt in front of the
    // first user message, as Gemma 3's template does (tested with it).
    it("gives the template's ids for a two-turn conversation without a system prompt", () => expectSameIds(NO_SYSTEM));
    it("refuses a system prompt (ours follows Gemma 3 there)", () => {
      const { bos, eos } = pieces();
      expect(() => renderJinja(source, CONVERSATION, bos, eos)).toThrow(/System role not supported/);
    });
    return;
  }

  it("gives the template's ids for a two-turn conversation with a system prompt", () => expectSameIds(CONVERSATION));

  it("trims the system prompt where the template does", () => expectSameIds(PADDED_SYSTEM));

  if (family === "chatml") {
    // Qwen2.5 and SmolLM2 write their own default system prompt when none is given; chat.ts
    // writes none (each fine-tune has its own default; --system sets one). The rest is the same.
    it("without a system prompt differs only by the template's default system prompt", () => {
      const { bos, eos } = pieces();
      const jinja = renderJinja(source, NO_SYSTEM, bos, eos);
      const ours = templates.firstTurn(templates.family(family), "", NO_SYSTEM.user1, bos);
      const defaultSystem = jinja.first.slice(0, jinja.first.length - ours.length);
      expect(defaultSystem).toMatch(/^<\|im_start\|>system\n(You are Qwen, created by Alibaba Cloud\.|You are a helpful AI assistant named SmolLM)[^]*<\|im_end\|>\n$/);
      expect(defaultSystem + ours).toBe(jinja.first);
    });
  } else {
    it("gives the template's ids without a system prompt too", () => expectSameIds(NO_SYSTEM));
  }
});

/** The text generation prints for these ids, following `prev`. */
function decodeAll(core: Core, ids: number[], prev: number): string {
  const parts: Uint8Array[] = [];
  for (const id of ids) {
    parts.push(core.decode(prev, id));
    prev = id;
  }
  return Buffer.concat(parts).toString("utf8");
}
