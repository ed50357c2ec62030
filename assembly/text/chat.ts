// The chat loop: read a line, render it with the model's chat template, prefill only
// the new tokens (the KV cache keeps the conversation), stream the answer. Lines that
// start with '/' are commands.
import { interrupted, read_line, STDERR, STDOUT, write, clock_us } from "../host";
import { Model } from "../model/model";
import { RunState } from "../model/state";
import { Tokenizer, encode, decode, decodedPtr, maxTokens, isEndOfGeneration } from "../tokenizer/tokenizer";
import { lengthOf, lookup, pieceOf } from "../tokenizer/vocab";
import { Sampler, sample, reseed, penalizeRepeats } from "./sampler";
import { fitsContext, keptTokens } from "./generate";
import { chatSettingNames, parseSetting, settingKey, settingNumber, settingSeed } from "../settings";
import { objectHeapMark, objectHeapRelease } from "../runtime/object-heap";
import { forward, forwardBatch } from "../model/forward";
import { arenaAlloc } from "../runtime/memory";
import { afterAnswer, endOfTurn, firstTurn, templateName, templateWritesBos, userTurn } from "./chat-template";
import { fixed, writeString } from "./text";
import { fail, lastError } from "../runtime/status";

/** Longest input line, in bytes; longer lines are cut (and said so). */
const LINE_BYTES = 16384;

export class Chat {
  turns: i32 = 0; // user turns in the cache since the last reset
  pos: i32 = 0; // tokens in the KV cache
  pending: i32 = -1; // the token that ended the last answer: sampled, not yet in the cache
  endToken: i32 = -1; // the template's end-of-turn token, if the vocabulary has one
  line: usize = 0; // (LINE_BYTES,) the line being read
  tokens: usize = 0; // the new tokens of a turn
  history: usize = 0; // (seqLen,) i32 the tokens in the cache, for the repeat penalty and context shifts
  keep: i32 = 0; // tokens a context shift keeps at the start: of the first turn (system prompt and first message), as keepSetting says
  shifts: i32 = 0; // context shifts since the last reset
  // statistics since the last reset
  prefilled: i32 = 0;
  generated: i32 = 0;
  prefillUs: i64 = 0;
  decodeUs: i64 = 0;

  constructor(
    public model: Model,
    public state: RunState,
    public tokenizer: Tokenizer,
    public sampler: Sampler,
    public family: i32,
    public system: string,
    public maxAnswer: i32,
    public repeatLastN: i32,
    public keepSetting: i32, // --keep: tokens of the first turn (its BOS besides) that shifts keep; -1 all
  ) {}
}

/** Run the conversation until /exit or the end of input; false with the reason recorded if memory runs out or the system prompt cannot fit. */
export function chat(c: Chat): bool {
  const systemBytes = String.UTF8.byteLength(c.system);
  if (!fitsContext(c.tokenizer, systemBytes, c.model.config.seqLen)) {
    return fail("the system prompt is " + systemBytes.toString() + " bytes long, more than the model's context of " + c.model.config.seqLen.toString() + " tokens can hold");
  }
  c.line = arenaAlloc(LINE_BYTES, "the input line");
  c.tokens = arenaAlloc(<u64>maxTokens(LINE_BYTES * 2 + c.system.length * 3 + 256) * 4, "the chat tokens");
  c.history = arenaAlloc(<u64>c.model.config.seqLen * 4, "the chat history");
  if (c.line == 0 || c.tokens == 0 || c.history == 0) return false;
  const end = endOfTurn(c.family, pieceText(c.tokenizer, c.tokenizer.eos));
  if (end.length > 0) {
    const bytes = String.UTF8.encode(end);
    c.endToken = lookup(c.tokenizer, changetype<usize>(bytes), bytes.byteLength);
  }
  writeString(STDERR, "chat (" + templateName(c.family) + " template, context " + c.model.config.seqLen.toString() +
    " tokens). /help lists the commands.\n");
  // Every line's strings (the text, its rendering, messages) are garbage once the line is
  // handled; nothing made for one outlives it, so the object heap goes back to this mark.
  const mark = objectHeapMark();
  let going = true;
  while (going) {
    writeString(STDOUT, "> ");
    const n = read_line(c.line, LINE_BYTES);
    if (n < 0) break; // end of input
    going = line(c, n);
    objectHeapRelease(mark);
  }
  return true;
}

/** Handle one input line of n bytes at c.line: a message or a /command; false to end the chat. */
function line(c: Chat, n: i32): bool {
  const text = String.UTF8.decodeUnsafe(c.line, n).trim();
  if (text.length == 0) return true;
  if (text.charAt(0) == "/") return command(c, text);
  if (n == LINE_BYTES) writeString(STDERR, "(the line was cut at " + LINE_BYTES.toString() + " bytes)\n");
  turn(c, text);
  return true;
}

/** One user message and the streamed answer. */
function turn(c: Chat, message: string): void {
  const t = c.tokenizer;
  const bos = pieceText(t, t.bos);
  const text = c.turns == 0 ? firstTurn(c.family, c.system, message, bos) : afterAnswer(c.family, bos) + userTurn(c.family, message);
  const bytes = String.UTF8.encode(text);
  let count = 0;
  if (c.pending >= 0) {
    store<i32>(c.tokens, c.pending);
    count = 1;
  }
  const encoded = encode(t, changetype<usize>(bytes), bytes.byteLength, c.turns == 0 && !templateWritesBos(c.family), false, c.tokens + (<usize>count << 2), true);
  if (encoded < 0) {
    writeString(STDERR, lastError() + "\n");
    return;
  }
  count += encoded;
  if (count + 1 > c.model.config.seqLen) {
    writeString(STDERR, "this message is " + count.toString() + " tokens long, more than the whole context of " + c.model.config.seqLen.toString() +
      " tokens (with room for one token of answer): it was not sent\n");
    return;
  }
  // Too little room left: shift the context (as llama.cpp does) until the message and a token of answer fit.
  while (count + 1 > c.model.config.seqLen - c.pos) {
    if (!shift(c, count + 1)) {
      writeString(STDERR, "the context is full: " + c.pos.toString() + " of " + c.model.config.seqLen.toString() +
        " tokens used, this message needs " + count.toString() + " more. /reset starts a new conversation.\n");
      return;
    }
  }
  c.pending = -1;
  if (c.turns == 0) {
    // A first turn longer than half the context is not kept: a shift could free too little.
    const keep = keptTokens(c.keepSetting, c.tokens, count, t.bos);
    c.keep = keep <= c.model.config.seqLen / 2 ? keep : 0;
  }
  c.turns++;

  // prefill: only the new tokens; the cache holds everything before them
  let started = clock_us();
  let logits: usize = 0;
  memory.copy(c.history + (<usize>c.pos << 2), c.tokens, <usize>count << 2);
  logits = forwardBatch(c.model, c.state, c.tokens, count, c.pos);
  c.pos += count;
  c.prefilled += count;
  let now = clock_us();
  c.prefillUs += now - started;
  started = now;

  // decode: sample, print, feed back, until the end of the turn, a key, or the limits
  let prev = -1;
  let produced = 0;
  // steps = 0: no answer at all; -1: until an end token, a key or a full context (shifting
  // it would let such an answer run forever); N: at most N tokens, shifting the context as needed.
  while (c.maxAnswer != 0) {
    const window = min(c.repeatLastN, c.pos);
    penalizeRepeats(c.sampler, logits, c.history + (<usize>(c.pos - window) << 2), window);
    const token = sample(c.sampler, logits);
    if (isEndOfGeneration(t, token) || token == c.endToken || token == t.bos) {
      c.pending = token;
      break;
    }
    const n = decode(t, prev, token);
    if (n > 0) write(STDOUT, decodedPtr, n);
    prev = token;
    produced++;
    if (c.pos >= c.model.config.seqLen && (c.maxAnswer < 0 || !shift(c, 1))) {
      writeString(STDERR, "\n(the context is full: /reset starts a new conversation)");
      break;
    }
    store<i32>(c.history + (<usize>c.pos << 2), token);
    logits = forward(c.model, c.state, token, c.pos++);
    if (interrupted() != 0) {
      writeString(STDERR, "\n(stopped)");
      break;
    }
    if (c.maxAnswer > 0 && produced >= c.maxAnswer) break;
  }
  c.generated += produced;
  c.decodeUs += clock_us() - started;
  writeString(STDOUT, "\n");
}

/**
 * Context shift, as llama.cpp's: keep the first c.keep tokens (by default the system prompt
 * and the first message; --keep fewer), drop the oldest half of the rest, and run the tokens kept after them
 * through the model again at their new positions, so the cache holds what a fresh
 * prefill of them would. Re-evaluating costs one prefill of up to half the context
 * (16 tokens per pass over the weights); rotating the cached keys by the RoPE angle
 * difference instead would cost almost nothing but give keys that a fresh run would
 * not (rounding), so a shifted answer could not be checked against a fresh one. False
 * when `needed` free positions cannot be made.
 */
function shift(c: Chat, needed: i32): bool {
  const seqLen = c.model.config.seqLen;
  const keep = c.keep;
  const rest = c.pos - keep;
  let drop = rest / 2;
  if (seqLen - (c.pos - drop) < needed) drop = rest; // half is not enough: drop all but the kept start
  if (drop <= 0 || seqLen - (c.pos - drop) < needed) return false;
  const kept = rest - drop;
  memory.copy(c.history + (<usize>keep << 2), c.history + (<usize>(keep + drop) << 2), <usize>kept << 2);
  c.pos = keep + kept;
  if (kept > 0) forwardBatch(c.model, c.state, c.history + (<usize>keep << 2), kept, keep);
  c.shifts++;
  // An endless answer may shift thousands of times within one line: its message gives its strings back.
  const mark = objectHeapMark();
  writeString(STDERR, "(context shift: dropped " + drop.toString() + " tokens)");
  objectHeapRelease(mark);
  return true;
}

/** Handle a /command; false to end the chat. */
function command(c: Chat, text: string): bool {
  const words = text.split(" ").filter((w: string): bool => w.length > 0);
  const name = words[0];
  if (name == "/exit" || name == "/quit") return false;
  if (name == "/help") {
    writeString(STDERR, "/reset  start a new conversation\n/stats  tokens, speed and context used\n" +
      "/set " + chatSettingNames() + " VALUE  change sampling (temp is temperature)\n/exit  end the chat\n");
  } else if (name == "/reset") {
    c.turns = 0;
    c.pos = 0;
    c.keep = 0;
    c.shifts = 0;
    c.pending = -1;
    c.prefilled = c.generated = 0;
    c.prefillUs = c.decodeUs = 0;
    writeString(STDERR, "(new conversation)\n");
  } else if (name == "/stats") {
    const rate = (tokens: i32, us: i64): string => fixed(us > 0 ? <f64>tokens * 1e6 / <f64>us : 0, 2);
    writeString(STDERR, "prefilled " + c.prefilled.toString() + " tokens at " + rate(c.prefilled, c.prefillUs) + " tok/s, generated " +
      c.generated.toString() + " at " + rate(c.generated, c.decodeUs) + " tok/s, context " + c.pos.toString() + " of " +
      c.model.config.seqLen.toString() + " tokens\n");
  } else if (name == "/set" && words.length == 3) {
    setSampling(c, words[1], words[2]);
  } else {
    writeString(STDERR, "unknown command '" + name + "': /help lists them\n");
  }
  return true;
}

/** /set KEY VALUE: the same names and ranges as the configuration (settings.ts). */
function setSampling(c: Chat, name: string, value: string): void {
  const key = settingKey(name, true);
  if (key.length == 0) {
    writeString(STDERR, "cannot set '" + name + "': /set takes " + chatSettingNames() + "\n");
    return;
  }
  if (!parseSetting(key, value, "cannot set '" + name + "': ")) {
    writeString(STDERR, lastError() + "\n");
    return;
  }
  const s = c.sampler, v = settingNumber;
  if (key == "temperature") s.temperature = <f32>v;
  else if (key == "top_p") s.topP = <f32>v;
  else if (key == "top_k") s.topK = <i32>v;
  else if (key == "min_p") s.minP = <f32>v;
  else if (key == "repeat_penalty") s.repeatPenalty = <f32>v;
  else if (key == "repeat_last_n") c.repeatLastN = <i32>v;
  else if (key == "seed") reseed(s, settingSeed);
  writeString(STDERR, name + " = " + value + "\n");
}

/** A token's piece as text (for templates that write the BOS or EOS token out). */
function pieceText(t: Tokenizer, id: i32): string {
  return id >= 0 && id < t.vocabSize ? String.UTF8.decodeUnsafe(pieceOf(t, id), lengthOf(t, id)) : "";
}
