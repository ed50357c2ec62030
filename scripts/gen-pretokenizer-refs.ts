// Writes test/fixtures/llama.cpp-made/refs/pretokenizers.json: llama.cpp's own ids for
// texts under pre-tokenizers that have no test vectors of their own, in two vocabularies:
// gpt-2's (test/fixtures/llama.cpp-vocab/) relabelled with each tokenizer.ggml.pre name,
// and the pair vocabulary of test/reference/pair-vocab.ts, whose ids show every cut.
// llama.cpp's `llama-tokenize` encodes every text with no BOS and no special-token
// parsing, as test-tokenizer-0 does. Run by hand with a built llama.cpp:
//   LLAMA_TOKENIZE=/path/to/llama-tokenize npx vite-node scripts/gen-pretokenizer-refs.ts
// ONLY=name,name (re)makes just those names' ids in the existing file; KINDS=gpt2,pairs,spaces which of
// the three vocabularies (spaces: the pair vocabulary with runs of spaces as single tokens).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withStringValue } from "../test/reference/byte-level-bpe.js";
import { writePairVocab } from "../test/reference/pair-vocab.js";

const PRES = [
  "deepseek-llm", "deepseek-v3", "deepseek-coder", "gpt-4o", "tekken", "chameleon", "kimi-k2",
  "qwen35", "bailingmoe", "minicpm5", "laguna", "llama-bpe", "qwen2", "tiny_aya", "youtu", "afmoe", "exaone-moe", "jais-2",
];

const fixtures = join(import.meta.dirname, "..", "test", "fixtures");
const vocab = join(fixtures, "llama.cpp-vocab", "ggml-vocab-gpt-2.gguf");
const tool = process.env.LLAMA_TOKENIZE ?? "llama-tokenize";

const vectors = readFileSync(`${vocab}.inp`, "utf8").split("\n__ggml_vocab_test__\n");
if (vectors.at(-1) === "") vectors.pop();
const extra = [
  "x = a_b[1] + $c; // 12345678 ½ ٣٤٥ 𝟙𝟚𝟛 Ⅻ",
  "«Quoted» — ‘curly’ “text”… ¿Qué? ¡Sí! 。、「」",
  "tab\tnbsp\u00a0thin\u2009ideo\u3000nel\u0085end \u00a0 \n\u00a0x",
  "I'M HE'S THEY'RE WE'VE SHE'LL HE'D it'S don't Can't",
  "\r\n\r\n  \r\n x\n\n\n\ty",
  "a1b22c333d4444e55555 12 345 6789 1234567",
  "run `npm test` and $HOME, a+b <= c ^ d ~ e | f",
  "HelloWorld HELLOworld helloWORLD aBc ÄÖÜ ÄB ÀbcDÉF McDonald's iPhone XMLHttpRequest",
  "Cafe\u0301 nai\u0308ve \u0915\u093f\u0924\u093e\u092c \u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22 e\u0301\u0301x",
  "中文文本，还有标点。日本語のテキスト、カタカナ。한국어 텍스트! 漢字かな交じり文 𠀀𠀁",
  "ＡＢＣ ｆｕｌｌ！ｗｉｄｔｈ：～ ‘q’ “q” 、。 x　y",
  "<sentinel:0> <sentinel:123>x IMGIMGABZ IMGIMGABCDEFZ IMGIMGIZ",
  "    four\t\ttabs\n\n    8        spaces   three",
  "path/to/file.txt\n/usr/bin\n// comment\r\n/",
  "trailing spaces   ",
  "trailing ideographic\u3000\u3000",
  "emoji 🦙🚀 and 👩‍👩‍👧 family, flags 🇩🇪🇯🇵 ©®™ €£¥ ∑∫√ ←→",
  "Ελληνικά ΚΕΦΑΛΑΙΑ русский ТЕКСТ Ǆǅǆ ǈ ʼn ẞß",
  "1,000,000.50 and -42 and 3.14e-10 and ⅓ ¼",
  "'s 're 'VE 'll x'd ''s",
];

const dir = mkdtempSync(join(tmpdir(), "pretokenizer-refs-"));
try {
  const texts = [...vectors, ...extra];
  const tokenize = (file: string) =>
    texts.map((text, i) => {
      const input = join(dir, `${i}.txt`);
      writeFileSync(input, text);
      const args = ["-m", file, "-f", input, "--ids", "--no-bos", "--no-parse-special", "--no-escape", "--log-disable"];
      const stdout = execFileSync(tool, args, { encoding: "utf8" });
      return JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as number[];
    });
  const output = join(fixtures, "llama.cpp-made", "refs", "pretokenizers.json");
  const only = process.env.ONLY?.split(",");
  const previous = only ? JSON.parse(readFileSync(output, "utf8")) : undefined;
  if (previous && JSON.stringify(previous.texts) !== JSON.stringify(texts)) throw new Error("the texts changed: make every name again");
  const ids: Record<string, number[][]> = previous?.ids ?? {};
  const pairIds: Record<string, number[][]> = previous?.pair_ids ?? {};
  const spaceIds: Record<string, number[][]> = previous?.space_ids ?? {};
  const kinds = process.env.KINDS?.split(",") ?? ["gpt2", "pairs", "spaces"];
  for (const pre of only ?? PRES) {
    if (kinds.includes("gpt2")) {
      const file = join(dir, `gpt-2-as-${pre}.gguf`);
      withStringValue(vocab, file, "tokenizer.ggml.pre", pre);
      ids[pre] = tokenize(file);
    }
    if (kinds.includes("pairs")) {
      const pairs = join(dir, `pairs-${pre}.gguf`);
      writePairVocab(texts, pre, pairs);
      pairIds[pre] = tokenize(pairs);
    }
    if (kinds.includes("spaces")) {
      const spaces = join(dir, `spaces-${pre}.gguf`);
      writePairVocab(texts, pre, spaces, true);
      spaceIds[pre] = tokenize(spaces);
    }
    console.log(`${pre}: ${texts.length} texts`);
  }
  const json = { made_by: "llama.cpp llama-tokenize (commit 3f545beccee69d9975f466ec7e45fd9aacd8ba90)", vocab: "ggml-vocab-gpt-2.gguf", texts, ids, pair_ids: pairIds, space_ids: spaceIds };
  writeFileSync(output, JSON.stringify(json) + "\n");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
