// Chat on bare metal. `uefi-llm image --chat` writes the chat settings (fast); then,
// slow: an image made with mode = chat boots in QEMU/OVMF (TCG) and is typed to
// through its serial console, as `uefi-llm run` forwards a terminal. Every answer must
// be, byte for byte, the one host mode (`uefi-llm chat`) prints for the same line, and
// the line editor's echo shows exactly what the core was given.
import { mkdirSync } from "node:fs";
import { open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { buildEfi } from "../host/toolchain/pipeline.js";
import type { RunConfig } from "../host/config.js";
import { writeBootImage } from "../host/commands/image.js";
import { buildDir, bundledModel, bundledTokenizer } from "../host/paths.js";
import { runQemu, type SerialInput } from "../host/qemu/qemu.js";
import { runTool } from "../host/tools/exec.js";
import { cli, cliPath } from "./helpers/cli.js";

const BOOT_SECONDS = 120;
const workDir = join(buildDir, "test", "boot-chat");
const HEADER = "chat (plain template, context 512 tokens). /help lists the commands.\n";
let efi: string;

const maskSpeeds = (text: string) => text.replace(/[\d.]+ tok\/s/g, "N tok/s");

/** Host mode given `lines` on stdin: its answers in order, and its /stats lines with the speeds masked. */
async function hostChat(lines: string[], steps: number): Promise<{ answers: string[]; stats: string[] }> {
  const host = await execa("node", [cliPath, "chat", "--temp", "0", "-n", String(steps)], {
    input: lines.map((line) => `${line}\n`).join(""),
    timeout: 60_000,
  });
  // stdout is the prompts and the answers: "> answer\n" per message, a bare "> " per command.
  const answers = host.stdout.split("> ").filter((text) => text !== "").map((text) => text.replace(/\n$/, ""));
  return { answers, stats: [...host.stderr.matchAll(/^prefilled .*$/gm)].map((m) => maskSpeeds(m[0])) };
}

beforeAll(() => {
  mkdirSync(workDir, { recursive: true });
});

/** Each line typed once the guest prompts for it. */
const typed = (...lines: string[]): SerialInput[] => lines.map((text) => ({ after: "\n> ", text }));

/** Boot a chat image and type `input`; the serial output after the chat's header line, CRLF as LF. */
async function chatBoot(name: string, input: SerialInput[], config: Omit<RunConfig, "model" | "tokenizer"> = {}) {
  const image = join(workDir, `${name}.img`);
  await writeBootImage({
    model: bundledModel,
    tokenizer: bundledTokenizer,
    config: { mode: "chat", temperature: 0, steps: 20, end: "shutdown", ...config },
    efi,
    output: image,
    force: true,
  });
  const result = await runQemu(image, { timeoutSeconds: BOOT_SECONDS, accel: "tcg", input });
  expect(result.timedOut, `the guest shut down by itself; serial:\n${result.output}`).toBe(false);
  const serial = result.output.replace(/\r\n/g, "\n");
  const start = serial.indexOf(HEADER);
  expect(start, `no chat header in:\n${serial}`).toBeGreaterThanOrEqual(0);
  return { transcript: serial.slice(start + HEADER.length), exitCode: result.exitCode };
}

describe("uefi-llm image --chat", () => {
  /** Where the EFI system partition starts: the first LBA of GPT entry 1 (LBA 2, byte 32). */
  async function partitionOffset(image: string): Promise<number> {
    const file = await open(image);
    const { buffer } = await file.read({ buffer: Buffer.alloc(8), position: 2 * 512 + 32 });
    await file.close();
    return Number(buffer.readBigUInt64LE(0)) * 512;
  }

  it("writes mode = chat, the system prompt and the template into uefi-llm.cfg", async () => {
    const standIn = join(workDir, "stand-in.efi"); // copied into the image, never run
    await writeFile(standIn, "not an EFI application");
    const image = join(workDir, "cli-chat.img");
    const flags = ["--chat", "--system", "Be brief.\nReally.", "--chat-template", "chatml", "--temp", "0"];
    const result = await cli(["image", "-m", bundledModel, "--tokenizer", bundledTokenizer, ...flags, "--efi", standIn, "-f", "-o", image]);
    expect(result.exitCode, result.stderr).toBe(0);
    const cfg = (await runTool("mtype", ["-i", `${image}@@${await partitionOffset(image)}`, "::/uefi-llm.cfg"], { timeoutMs: 30_000 })).stdout;
    expect(cfg).toMatch(/^mode = chat$/m);
    expect(cfg).toMatch(/^system = "Be brief\.\\nReally\."$/m);
    expect(cfg).toMatch(/^chat_template = chatml$/m);
  });

  it("refuses chat settings without --chat, and a prompt with it", async () => {
    const image = ["-m", bundledModel, "--tokenizer", bundledTokenizer, "-o", join(workDir, "never.img")];
    const system = await cli(["image", ...image, "--system", "Be brief."]);
    expect([system.exitCode, system.stderr]).toEqual([1, "uefi-llm: --system needs --chat\n"]);
    const prompt = await cli(["image", ...image, "--chat", "-p", "Once upon a time"]);
    expect(prompt.exitCode).toBe(1);
    expect(prompt.stderr).toMatch(/^uefi-llm: --prompt does not go with --chat/);
  });
});

describe("chat booted in QEMU (slow)", () => {
  beforeAll(async () => {
    efi = await buildEfi();
  }, 600_000);

  it("answers as host mode does; left and right arrows do nothing, Backspace erases whole characters; /stats, /reset, /exit", async () => {
    const host = await hostChat(["Once upon a time", "/stats", "/reset", "Once upon a time", "/reset", "Once upon a time", "/stats", "/exit"], 20);
    expect(host.answers).toHaveLength(3);
    expect(host.stats).toHaveLength(2);
    const { transcript, exitCode } = await chatBoot(
      "chat",
      typed(
        "Once upon a time\r",
        "/stats\r",
        "/reset\r",
        "\x1b[COnce upox\bn a time\r", // right arrow, then BS
        "/reset\r",
        "\x1b[DOnce upon a tim\u00e9\x7fe\r", // left arrow; DEL takes both bytes of é
        "/stats\r",
        "/exit\r",
      ),
    );
    expect(maskSpeeds(transcript)).toBe(
      `> Once upon a time\n${host.answers[0]}\n` +
        `> /stats\n${host.stats[0]}\n` +
        "> /reset\n(new conversation)\n" +
        `> Once upox\b \bn a time\n${host.answers[1]}\n` +
        "> /reset\n(new conversation)\n" +
        `> Once upon a tim\u00e9\b \be\n${host.answers[2]}\n` +
        `> /stats\n${host.stats[1]}\n` +
        "> /exit\n",
    );
    expect(exitCode, "a clean shutdown after /exit").toBe(0);
  }, 180_000);

  it("Up and Down walk the history: a recalled line is answered as the same line typed again", async () => {
    const lines = ["Once upon a time", "/reset", "Once upon a time", "Once upon a time", "/exit"];
    const host = await hostChat(lines, 20);
    expect(host.answers).toHaveLength(3);
    const erase = (n: number) => "\b \b".repeat(n);
    const { transcript, exitCode } = await chatBoot(
      "chat-history",
      typed(
        "Once upon a time\r",
        "/reset\r",
        "Lily\x1b[A\x1b[A\r", // the line typed gives way to /reset, then to the first line
        "\x1bOA\r", // an up arrow in the terminal's application mode: the newest line, kept once
        "\x1b[A\x1b[B/exit\r", // Down past the newest line: an empty one
      ),
    );
    expect(maskSpeeds(transcript)).toBe(
      `> Once upon a time\n${host.answers[0]}\n` +
        "> /reset\n(new conversation)\n" +
        `> Lily${erase(4)}/reset${erase(6)}Once upon a time\n${host.answers[1]}\n` +
        `> Once upon a time\n${host.answers[2]}\n` +
        `> Once upon a time${erase(16)}/exit\n`,
    );
    expect(exitCode, "a clean shutdown after /exit").toBe(0);
  }, 180_000);

  it("the history keeps the newest 64 lines", async () => {
    const commands = Array.from({ length: 66 }, (_, i) => `/n${i + 1}`);
    const shown = commands.slice(2).reverse(); // /n1 and /n2 were forgotten
    // Up 64 times, back to the oldest line kept (/n3), and six more, which leave it shown: in one go.
    const ups: SerialInput[] = [{ after: "\n> ", text: `${"\x1b[A".repeat(shown.length + 6)}\r` }];
    const { transcript } = await chatBoot("chat-history-bound", [...typed(...commands.map((c) => `${c}\r`)), ...ups, ...typed("/exit\r")]);
    const erased = shown.slice(0, -1).map((line) => line + "\b \b".repeat(line.length));
    expect(transcript.split("\n> ").at(-2)).toBe(`${erased.join("")}/n3\nunknown command '/n3': /help lists them`);
  }, 180_000);

  it("Ctrl-C stops an answer or drops a line, an overlong line keeps what fits whole, Ctrl-D ends the chat", async () => {
    // 16380 a's and two é's fill the core's 16384-byte line; the third é and "xyz" are dropped unseen.
    // Typed in one go: every byte must reach the line editor (none taken by the firmware's terminal).
    const long: SerialInput[] = [{ after: "\n> ", text: `${"a".repeat(16380)}\u00e9\u00e9\u00e9xyz\r` }];
    const { transcript, exitCode } = await chatBoot(
      "chat-keys",
      [...typed("Once upon a time\r\x03", "Lily\x7f\x7f\x7f\x7fabc\x03"), ...long, ...typed("\x04")],
      { steps: 256 },
    );
    const [whole] = (await hostChat(["Once upon a time", "/exit"], 256)).answers;
    const stopped = /^> Once upon a time\n(.*)\n\(stopped\)\n/s.exec(transcript);
    expect(stopped, transcript).not.toBeNull();
    expect(whole.startsWith(stopped![1]) && stopped![1].length < whole.length, `a beginning of:\n${whole}`).toBe(true);
    // Long runs of a's as one word, so that a failure shows the rest.
    const rest = transcript.slice(stopped![0].length).replace(/a{100,}/g, (run) => `<${run.length} a>`);
    expect(rest).toMatch(
      new RegExp(
        "^> Lily(\b \b){4}abc\\^C\n" +
          "> <16380 a>\u00e9\u00e9\n" +
          "\\(the line was cut at 16384 bytes\\)\n" +
          "this message is \\d+ tokens long, more than the whole context of 512 tokens \\(with room for one token of answer\\): it was not sent\n" +
          "> \n$",
      ),
    );
    expect(exitCode, "a clean shutdown after Ctrl-D").toBe(0);
  }, 180_000);
});
