// At the keyboard (issue 14): llama.cpp's flags, the same text on any number of threads,
// chat in a real terminal (a pty: raw mode, Ctrl-C, history, modes restored on every
// way out), context shift, and tokenize/inspect as llama.cpp's tools take their input.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { configText } from "../host/config.js";
import { bundledModel, bundledTokenizer, packageRoot } from "../host/paths.js";
import { Core } from "../host/runner/core.js";
import { cli, cliPath } from "./helpers/cli.js";
import { useTempDirs } from "./helpers/temp-dirs.js";

const tempDir = useTempDirs("uefi-llm-keyboard-");
const ggufFixture = join(packageRoot, "test", "fixtures", "gguf", "stories260K.gguf");

describe("llama.cpp's flags", () => {
  it("generate -t 1 (Node) and -t 2 (the native build's thread pool) print the same bytes", async () => {
    const args = ["generate", "--temp", "0.8", "-s", "42", "-n", "200", "-p", "Once upon a time"];
    const one = await cli([...args, "-t", "1"]);
    const two = await cli([...args, "-t", "2"], { timeoutMs: 300_000 });
    expect(one.exitCode, one.stderr).toBe(0);
    expect(two.exitCode, two.stderr).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    expect(one.stdout.length).toBeGreaterThan(200);
  }, 320_000);

  it("-z and --tokenizer name the tokenizer; -t is the thread count", async () => {
    const base = ["generate", "-m", bundledModel, "--temp", "0", "-n", "20", "-t", "1"];
    const z = await cli([...base, "-z", bundledTokenizer]);
    const long = await cli([...base, "--tokenizer", bundledTokenizer]);
    expect(z.exitCode, z.stderr).toBe(0);
    expect(z.stdout).toBe(long.stdout);
    const bad = await cli(["generate", "-t", bundledTokenizer]);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toMatch(/-t, --threads <n>' argument .* is invalid/);
  });

  it("-f reads the prompt from a file, -e resolves escapes, -p and -f together are refused", async () => {
    const file = join(tempDir(), "prompt.txt");
    writeFileSync(file, "Once upon a time\nthere");
    const base = ["generate", "--temp", "0", "-n", "20", "-t", "1"];
    const fromFile = await cli([...base, "-f", file]);
    const escaped = await cli([...base, "-e", "-p", "Once upon a time\\nthere"]);
    const literal = await cli([...base, "-p", "Once upon a time\\nthere"]);
    expect(fromFile.exitCode, fromFile.stderr).toBe(0);
    expect(fromFile.stdout.startsWith("Once upon a time\nthere")).toBe(true);
    expect(escaped.stdout).toBe(fromFile.stdout);
    expect(literal.stdout).not.toBe(fromFile.stdout);
    const both = await cli([...base, "-f", file, "-p", "x"]);
    expect(both.exitCode).toBe(1);
    expect(both.stderr).toBe("uefi-llm: give the prompt with -p or with -f, not both\n");
  });

  it("-s -1 is a random seed; a context longer than the model's is clamped with a warning; --ignore-eos runs all of -n", async () => {
    const random = await cli(["generate", "-s", "-1", "-n", "8", "-t", "1"]);
    expect(random.exitCode, random.stderr).toBe(0);
    const clamped = await cli(["generate", "--temp", "0", "-c", "100000", "-n", "8", "-t", "1"]);
    expect(clamped.exitCode, clamped.stderr).toBe(0);
    expect(clamped.stderr).toMatch(/^warning: context 100000 is more than the model's 512 tokens: using 512$/m);
    const ignoring = await cli(["generate", "--temp", "0", "-n", "300", "--ignore-eos", "-t", "1"]);
    expect(ignoring.stderr).toMatch(/^generated 300 tokens/m);
  });

  it("inspect takes -m like every other command", async () => {
    const flag = await cli(["inspect", "-m", ggufFixture, "--json"]);
    const positional = await cli(["inspect", ggufFixture, "--json"]);
    expect(flag.exitCode, flag.stderr).toBe(0);
    expect(flag.stdout).toBe(positional.stdout);
    const none = await cli(["inspect"]);
    expect(none.stderr).toBe("uefi-llm: which model? inspect -m FILE\n");
  });

  it("tokenize reads standard input and -f FILE, and shows pieces", async () => {
    const direct = await cli(["tokenize", "-m", ggufFixture, "Once upon a time"]);
    const piped = await execa("node", [cliPath, "tokenize", "-m", ggufFixture], { input: "Once upon a time", reject: false });
    expect(piped.exitCode, piped.stderr).toBe(0);
    expect(piped.stdout).toBe(direct.stdout.trimEnd());
    const file = join(tempDir(), "text.txt");
    writeFileSync(file, "Once upon a time");
    expect((await cli(["tokenize", "-m", ggufFixture, "-f", file])).stdout).toBe(direct.stdout);
    const pieces = await cli(["tokenize", "-m", ggufFixture, "--pieces", "--no-bos", "Once upon a time"]);
    expect(pieces.stdout).toBe("   403 -> 'Once'\n   407 -> ' upon'\n   261 -> ' a'\n   378 -> ' time'\n");
  });
});

describe("context shift", () => {
  /** stdout and stderr in the order they were written (one pipe), without the banner that names the context. */
  async function chat(lines: string[], args: string[]): Promise<string> {
    const result = await execa("sh", ["-c", 'exec node "$0" "$@" 2>&1', cliPath, "chat", "--temp", "0", "-t", "1", ...args], {
      input: lines.join("\n") + "\n",
      reject: false,
      timeout: 60_000,
    });
    expect(result.exitCode, result.stdout).toBe(0);
    return result.stdout.replace(/^chat \(.*\n/, "");
  }

  it("a chat past the context goes on after a shift, and its text up to the shift is the text without one", async () => {
    const questions = ["Once upon a time", "Lily", "/stats"];
    const shifted = await chat(questions, ["-n", "150", "-c", "64"]);
    const whole = await chat(questions, ["-n", "150"]);
    const at = shifted.indexOf("(context shift: dropped ");
    expect(at, shifted).toBeGreaterThan(20);
    expect(whole.startsWith(shifted.slice(0, at))).toBe(true);
    // It kept going: more text, the second question answered, the context within 64 tokens.
    expect(shifted.slice(at).split("\n> ").length).toBeGreaterThanOrEqual(3);
    expect(shifted).toMatch(/context \d+ of 64 tokens/);
    expect(whole).not.toMatch(/context shift/);
  });

  it("--keep: the BOS token and that many tokens of the first turn stay (default: all of it); the text up to the shift is the same", async () => {
    const questions = ["Once upon a time", "Lily"];
    const [none, two, all] = await Promise.all(["0", "2", "-1"].map((keep) => chat(questions, ["-n", "150", "-c", "64", "--keep", keep])));
    const stats = await chat(["Once upon a time", "/stats"], ["-n", "0"]);
    const firstTurn = Number(/prefilled (\d+) tokens/.exec(stats)![1]);
    expect(firstTurn).toBeGreaterThan(3);
    // The first shift comes within the answer, when all 64 positions are used: half of what is not kept goes.
    const firstDrop = (text: string) => Number(/context shift: dropped (\d+) tokens/.exec(text)![1]);
    expect([none, two, all].map(firstDrop)).toEqual([64 - 1, 64 - 3, 64 - firstTurn].map((rest) => Math.floor(rest / 2)));
    const untilShift = (text: string) => text.slice(0, text.indexOf("(context shift"));
    expect(untilShift(two)).toBe(untilShift(none));
    expect(untilShift(all)).toBe(untilShift(none));
    expect(untilShift(none).length).toBeGreaterThan(100);
  });
});

describe("context shift in generate", () => {
  it("-n past the context goes on after a shift, and its text up to the shift is the text of -n that just fits", async () => {
    const fits = await cli(["generate", "--temp", "0", "-n", "511", "--ignore-eos", "-t", "1"]);
    const past = await cli(["generate", "--temp", "0", "-n", "700", "--ignore-eos", "-t", "1"]);
    expect(past.exitCode, past.stderr).toBe(0);
    expect(past.stderr).toMatch(/^\(context shift: dropped 255 tokens\)generated 700 tokens/m);
    expect(past.stdout.startsWith(fits.stdout.trimEnd())).toBe(true);
    expect(past.stdout.length).toBeGreaterThan(fits.stdout.length + 200);
  });
});

describe("--keep", () => {
  const CONTEXT = 64;
  const STEPS = 150;
  const PROMPT = "Once upon a time, there was a little girl";

  /**
   * The evidence: greedy decoding with the core's forward passes, where every context shift
   * is a fresh prefill, from position 0 of a cache as long as the model's, of the kept
   * prompt tokens followed by the tail a shift retains. generate's text must be this one.
   */
  function freshAfterEachShift(keep: number): { text: string; dropped: number[] } {
    const core = new Core({ stdout: () => {}, stderr: () => {} });
    core.load(configText({ model: bundledModel, tokenizer: bundledTokenizer }));
    const prompt = core.encode(PROMPT);
    const kept = keep < 0 || keep >= prompt.length ? prompt.length : keep + (prompt[0] === core.specialIds.bos ? 1 : 0);
    const argmax = (logits: Float32Array) => logits.reduce((best, v, i) => (v > logits[best] ? i : best), 0);
    const chunks: Uint8Array[] = prompt.map((id, i) => (i === 0 && id === core.specialIds.bos ? new Uint8Array() : core.decode(i > 0 ? prompt[i - 1] : -1, id)));
    const dropped: number[] = [];
    let sequence = [...prompt];
    let logits = core.forwardTokens(sequence, 0);
    for (let step = 0; step < STEPS; step++) {
      const next = argmax(logits);
      chunks.push(core.decode(sequence.at(-1)!, next));
      sequence.push(next);
      if (step === STEPS - 1) break;
      if (sequence.length > CONTEXT) {
        // the cache is full and `next` has no position: keep the start, drop half of the rest
        const drop = Math.floor((CONTEXT - kept) / 2);
        dropped.push(drop);
        sequence = [...sequence.slice(0, kept), ...sequence.slice(kept + drop)];
        logits = core.forwardTokens(sequence, 0);
      } else {
        logits = core.forward(next, sequence.length - 1);
      }
    }
    return { text: Buffer.concat(chunks).toString("utf8") + "\n", dropped };
  }

  for (const keep of ["0", "4", "-1"]) {
    it(`--keep ${keep}: the text after each shift is generated afresh from the kept prompt tokens and the retained tail`, async () => {
      const result = await cli(["generate", "-p", PROMPT, "-c", String(CONTEXT), "-n", String(STEPS), "--keep", keep, "--temp", "0", "--ignore-eos", "-t", "1"]);
      expect(result.exitCode, result.stderr).toBe(0);
      const expected = freshAfterEachShift(Number(keep));
      expect(expected.dropped.length).toBeGreaterThanOrEqual(2);
      expect(result.stderr).toContain(expected.dropped.map((n) => `(context shift: dropped ${n} tokens)`).join("") + "generated");
      expect(result.stdout).toBe(expected.text);
    });
  }

  it("what is kept changes the text; --keep -2 and --keep x are one-line errors", async () => {
    const texts = ["0", "-1"].map((keep) => freshAfterEachShift(Number(keep)).text);
    expect(texts[0]).not.toBe(texts[1]);
    for (const bad of ["-2", "x"]) {
      const result = await cli(["generate", "--keep", bad]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/^uefi-llm: .*keep must be .*\n$/);
    }
  });

  it("a kept prompt of more than half the context cannot shift: -n past the context is refused, naming --keep", async () => {
    const long = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her friends.";
    const result = await cli(["generate", "-p", long, "-c", "40", "-n", "100", "--keep", "-1", "-t", "1"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^uefi-llm: -n 100 is too many: .* \(a context shift keeps at most half the context, and --keep -1 keeps \d+ tokens\)\n$/);
    const fewer = await cli(["generate", "-p", long, "-c", "40", "-n", "100", "--keep", "4", "--temp", "0", "-t", "1"]);
    expect(fewer.exitCode, fewer.stderr).toBe(0);
    expect(fewer.stderr).toMatch(/context shift: dropped/);
  });
});

describe("chat in a terminal (pty)", () => {
  let model: string;
  beforeAll(async () => {
    // Random weights at a real shape: answers run to -n, so Ctrl-C has something to stop.
    model = join(tempDir(), "s15-q8_0.gguf");
    const made = await cli(["synth", "--shape", "stories15M", "--type", "q8_0", "-o", model]);
    expect(made.exitCode, made.stderr).toBe(0);
  }, 60_000);

  async function drive(scenario: string, threads: string) {
    const result = await execa("python3", [join(packageRoot, "test", "helpers", "pty-chat.py"), scenario, "node", cliPath, "chat", "-m", model, "--temp", "0", "-n", "250", "-t", threads], {
      reject: false,
      timeout: 150_000,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    return JSON.parse(result.stdout);
  }

  for (const threads of ["1", "2"]) {
    it(`-t ${threads}: raw while chatting; Ctrl-C stops an answer, the KV cache stays, Up recalls the last line, Ctrl-D ends, modes restored`, async () => {
      const r = await drive("keys", threads);
      expect(r.prompt, r.transcript).toBe(true);
      expect(r.before).toEqual({ icanon: true, echo: true, isig: true });
      expect(r.raw).toEqual({ icanon: false, echo: false, isig: false });
      expect(r.stopped, r.transcript).toBe(true);
      const first = /prefilled (\d+) tokens.*context (\d+) of/.exec(r.stats1);
      const second = /prefilled (\d+) tokens.*context (\d+) of/.exec(r.stats2);
      expect(first && second, r.transcript).toBeTruthy();
      // The second turn prefilled only its own few tokens: the first turn stayed in the cache.
      expect(Number(second![1]) - Number(first![1])).toBeLessThan(10);
      expect(Number(second![2])).toBeGreaterThan(Number(first![2]));
      expect(r.recalled).toContain("\r\x1b[K> /stats");
      expect(r.exit).toBe(0);
      expect(r.after).toEqual(r.before);
    }, 200_000);
  }

  it("SIGTERM to the chat, or a killed core, leaves the terminal as it was", async () => {
    const term = await drive("term", "1");
    expect(term.raw.icanon).toBe(false);
    expect(term.exit).toBe(143);
    expect(term.after).toEqual(term.before);
    const killed = await drive("kill-core", "1");
    expect(killed.children).toBe(1);
    expect(killed.exit).toBe(137);
    expect(killed.after).toEqual(killed.before);
  }, 200_000);
});

describe("run's view of the serial console", () => {
  it("drops screen control, makes line ends one \\n, and holds a sequence split across chunks", async () => {
    const { serialFilter } = await import("../host/qemu/serial-filter.js");
    const show = serialFilter();
    const chunks = ["\x1b[2J\x1b[01;01H\x1b[=3h\x1b[0m\x1b[1;37;40mBdsDxe: loading\r\r\n", "uefi-llm 0.1\r", "\r\n> \x1b[", "0mOnce\rX\r\n"];
    const shown = chunks.map((c) => show.write(Buffer.from(c)).toString()).join("");
    expect(shown).toBe("BdsDxe: loading\nuefi-llm 0.1\n> Once\rX\n");
    expect(show.end().toString()).toBe("");
  });

  it("for a file or a pipe, a line redrawn in place comes out once, as last drawn", async () => {
    const { serialFilter } = await import("../host/qemu/serial-filter.js");
    const show = serialFilter("final");
    // The load progress as the firmware draws it, split anywhere, then the story and its end
    // without a line end (QEMU stopped).
    const serial =
      "uefi-llm 0.1\r\n\rmodel.gguf [####....] 10%\rmodel.gguf [########] 20%\r" + " ".repeat(30) + "\rOnce upon\r\na time";
    const chunks = [serial.slice(0, 20), serial.slice(20, 47), serial.slice(47, 90), serial.slice(90)];
    const shown = chunks.map((c) => show.write(Buffer.from(c)).toString()).join("") + show.end().toString();
    expect(shown).toBe("uefi-llm 0.1\nOnce upon\na time");
  });
});
