// The generation loop: prompt tokens are forced, the rest sampled; every piece is
// streamed to the host as soon as it is chosen, and the timing goes to stream 2.
import { clock_us, interrupted, write, STDOUT, STDERR } from "../host";
import { Model, bytesPerToken } from "../model/model";
import { RunState } from "../model/state";
import { Tokenizer, encode, decode, decodedPtr, maxTokens, isEndOfGeneration } from "../tokenizer/tokenizer";
import { KIND_LLAMA2C } from "../tokenizer/vocab";
import { Sampler, sample, penalizeRepeats } from "./sampler";
import { forward, forwardBatch } from "../model/forward";
import { arenaAlloc } from "../runtime/memory";
import { fail } from "../runtime/status";
import { objectHeapMark, objectHeapRelease } from "../runtime/object-heap";
import { fixed, writeString } from "./text";

export class Generation {
  promptTokens: i32 = 0;
  generatedTokens: i32 = 0;
  prefillUs: i64 = 0;
  decodeUs: i64 = 0;
}

/** Encode the prompt (promptLen bytes at promptPtr), then run and stream; false with the reason recorded on bad settings. */
export function generate(model: Model, state: RunState, tokenizer: Tokenizer, sampler: Sampler, promptPtr: usize, promptLen: i32, steps: i32, repeatLastN: i32, keepSetting: i32, printIds: bool, ignoreEos: bool, loadUs: i64): bool {
  const seqLen = model.config.seqLen;
  // Told before tokenizing: the tokenizer's working memory grows with the text.
  if (!fitsContext(tokenizer, promptLen, seqLen)) {
    return fail("the prompt is " + promptLen.toString() + " bytes long, more than the model's context of " + seqLen.toString() + " tokens can hold");
  }
  const tokens = arenaAlloc(<u64>max(maxTokens(promptLen), seqLen + 1) * 4, "the token buffer");
  if (tokens == 0) return false;
  // Special tokens written in a prompt are those tokens, as in llama.cpp.
  const promptTokens = encode(tokenizer, promptPtr, promptLen, true, false, tokens, true);
  if (promptTokens < 0) return false;
  if (promptTokens == 0) return fail("the prompt is empty and this vocabulary adds no BOS token: give a prompt to start from");
  if (promptTokens > seqLen) {
    return fail("the prompt is " + promptTokens.toString() + " tokens long, more than the model's context of " + seqLen.toString() + " tokens");
  }
  // -1: until the context is full. More than fits: the context shifts when it fills (see shiftContext), except
  // with print_ids, whose list is read from the token buffer, or when more than half the context is to be kept.
  // In 64 bits: steps goes up to 2^31 - 1, and the sum must not wrap to a small number.
  const keep = keptTokens(keepSetting, tokens, promptTokens, tokenizer.bos);
  const total = steps < 0 ? <i64>seqLen : <i64>promptTokens - 1 + <i64>steps;
  if (total > <i64>seqLen && (printIds || keep > seqLen / 2)) {
    return fail("-n " + steps.toString() + " is too many: the prompt uses " + promptTokens.toString() + " tokens of the model's context of " +
      seqLen.toString() + ", so at most " + (seqLen - promptTokens + 1).toString() + " more fit" +
      (printIds ? " with --print-ids" : " (a context shift keeps at most half the context, and --keep " + keepSetting.toString() + " keeps " + keep.toString() + " tokens)"));
  }

  const g = new Generation();
  g.promptTokens = promptTokens;
  // The prompt is echoed as it will be continued: each token printed as it follows the
  // one before (a first token that is text, with no BOS, on its own).
  for (let i = 0; i < promptTokens; i++) {
    const id = load<i32>(tokens + (<usize>i << 2));
    if (i == 0 && id == tokenizer.bos) continue;
    const n = decode(tokenizer, i > 0 ? load<i32>(tokens + (<usize>(i - 1) << 2)) : -1, id);
    if (n > 0) write(STDOUT, decodedPtr, n);
  }

  // prefill: the whole prompt, BATCH tokens per pass over the weights; its last logits choose the first new token
  let started = clock_us();
  let logits = forwardBatch(model, state, tokens, promptTokens, 0);
  let pos = promptTokens - 1; // the newest position in the KV cache
  let token = load<i32>(tokens + (<usize>pos << 2));
  const wanted = total - <i64>pos; // new tokens, in 64 bits as total: with context shifts it may pass 2^31
  // steps = 0 asks for no new token: the loop's test after each token would never stop it.
  while (wanted > 0) {
    const window = min(repeatLastN, pos + 1);
    penalizeRepeats(sampler, logits, tokens + (<usize>(pos + 1 - window) << 2), window);
    const next = sample(sampler, logits);
    store<i32>(tokens + (<usize>(pos + 1) << 2), next);
    if (g.generatedTokens == 0) {
      const now = clock_us();
      g.prefillUs = now - started;
      started = now;
    }
    if (endsText(tokenizer, next) && !ignoreEos) break;
    g.generatedTokens++;
    const n = decode(tokenizer, token, next);
    if (n > 0) write(STDOUT, decodedPtr, n);
    token = next;
    if (<i64>g.generatedTokens == wanted) break;
    // Ctrl-C (Esc on bare metal) ends the text early, with the timing line, as in llama.cpp.
    if (interrupted() != 0) break;
    if (pos + 1 >= seqLen) pos = shiftContext(model, state, tokens, pos, keep);
    logits = forward(model, state, token, ++pos);
  }
  g.decodeUs = clock_us() - started;
  writeString(STDOUT, "\n");
  if (printIds) writeString(STDOUT, idList(tokens + (<usize>promptTokens << 2), g.generatedTokens) + "\n");
  report(g, loadUs, bytesPerToken(model));
  return true;
}

/**
 * How many of the first tokens a context shift keeps, as llama.cpp counts --keep: `setting`
 * tokens of the prompt (`count` ids at `ids`) and its BOS token besides; -1, or more than the
 * prompt has: all of it.
 */
export function keptTokens(setting: i32, ids: usize, count: i32, bos: i32): i32 {
  if (setting < 0 || setting >= count) return count;
  return count > 0 && load<i32>(ids) == bos ? setting + 1 : setting;
}

/**
 * The context is full (positions 0..pos cached, the next token at pos + 1): keep the
 * first `keep` tokens (the prompt), drop the oldest half of the rest, and run the kept
 * ones through the model again at their new positions (chat.ts says why re-evaluating
 * rather than rotating cached keys). Returns the new newest position.
 */
function shiftContext(model: Model, state: RunState, tokens: usize, pos: i32, keep: i32): i32 {
  const rest = pos + 1 - keep;
  const drop = rest / 2;
  const kept = rest - drop;
  // the kept tokens and the next one move down together
  memory.copy(tokens + (<usize>keep << 2), tokens + (<usize>(keep + drop) << 2), <usize>(kept + 1) << 2);
  if (kept > 0) forwardBatch(model, state, tokens + (<usize>keep << 2), kept, keep);
  // A long generation may shift thousands of times: the message gives its strings back.
  const mark = objectHeapMark();
  writeString(STDERR, "(context shift: dropped " + drop.toString() + " tokens)");
  objectHeapRelease(mark);
  return keep + kept - 1;
}

/**
 * Whether `bytes` of text can be `seqLen` tokens or fewer: no token stands for more bytes
 * than its piece has (byte-level and SentencePiece pieces only ever spell text longer),
 * nor for more than one character (4 bytes) when it is unknown. Longer texts are refused
 * before the tokenizer sizes its working memory for them.
 */
export function fitsContext(t: Tokenizer, bytes: i32, seqLen: i32): bool {
  return <i64>bytes <= <i64>seqLen * <i64>max(t.longest, 4);
}

/**
 * Whether the model is done: llama2.c stops when BOS starts a new story (its models
 * never say EOS); GGUF vocabularies name their end-of-generation tokens.
 */
function endsText(t: Tokenizer, token: i32): bool {
  return t.kind == KIND_LLAMA2C ? token == t.bos : isEndOfGeneration(t, token);
}

/** n token ids as a JSON array. */
function idList(ids: usize, n: i32): string {
  let text = "[";
  for (let i = 0; i < n; i++) text += (i > 0 ? ", " : "") + load<i32>(ids + (<usize>i << 2)).toString();
  return text + "]";
}

function report(g: Generation, loadUs: i64, weightBytes: u64): void {
  const perSecond = (tokens: i32, us: i64): f64 => (us > 0 ? <f64>tokens * 1e6 / <f64>us : 0);
  // The prompt's last forward pass yields the first sampled token, so that token counts as prefill.
  const decoded = max(g.generatedTokens - 1, 0);
  writeString(STDERR, "generated " + g.generatedTokens.toString() + " tokens at " + fixed(perSecond(decoded, g.decodeUs), 2) +
    " tok/s, prompt " + g.promptTokens.toString() + " tokens at " + fixed(perSecond(g.promptTokens, g.prefillUs), 2) +
    " tok/s, load " + fixed(<f64>loadUs / 1000, 0) + " ms, " + fixed(<f64>weightBytes / 1e6, 2) + " MB of weights per token\n");
}
