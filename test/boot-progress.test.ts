// Slow: the load progress on the serial console, booted in QEMU/OVMF (TCG) with a
// model big enough to be read in several pieces. It is one line redrawn in place
// ("\r", never a line end) that is blanked before the text, and the text itself is,
// byte for byte, what host mode prints for the same model and settings.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeBootImage, STICK_NAMES } from "../host/commands/image.js";
import { buildDir } from "../host/paths.js";
import { runQemu } from "../host/qemu/qemu.js";
import { serialFilter, stripProgress } from "../host/qemu/serial-filter.js";
import { buildEfi } from "../host/toolchain/pipeline.js";
import { cli } from "./helpers/cli.js";

const workDir = join(buildDir, "test", "boot-progress");
// f32 stories15M: about 60 MiB, read by the firmware in pieces of at most 16 MiB (firmware/host.c).
const model = join(workDir, "stories15M-f32.gguf");
const settings = { prompt: "Once", steps: 24, temperature: 0 };
let efi: string;

beforeAll(async () => {
  mkdirSync(workDir, { recursive: true });
  efi = await buildEfi();
  const synth = await cli(["synth", "--shape", "stories15M", "--type", "f32", "--seed", "7", "-f", "-o", model]);
  expect(synth.exitCode, synth.stderr).toBe(0);
}, 600_000);

describe("the model's load progress on serial", () => {
  it("is one line updated in place, gone before the text, which matches host mode", async () => {
    const host = await cli(["generate", "-m", model, "-p", settings.prompt, "-n", String(settings.steps), "--temp", "0"]);
    expect(host.exitCode, host.stderr).toBe(0);

    const image = join(workDir, "progress.img");
    await writeBootImage({ model, config: { end: "shutdown", ...settings }, efi, output: image, force: true });
    const result = await runQemu(image, { timeoutSeconds: 600 });
    expect(result.timedOut, "the guest shut down by itself").toBe(false);
    const banner = /^uefi-llm \d+\.\d+\.\d+[^\n]*\n/m.exec(result.output);
    expect(banner, `no banner in:\n${result.output}`).not.toBeNull();
    const afterBanner = result.output.slice(banner!.index + banner![0].length);

    // The progress: updates with rising percentages below 100 and a bar that matches them, then the blanking.
    const progress = /^((?:\r[^\r\n]* \[[#.]{40}\] \d{1,3}%)+)\r {20,}\r/.exec(afterBanner);
    expect(progress, `no progress line after the banner:\n${JSON.stringify(afterBanner.slice(0, 400))}`).not.toBeNull();
    const updates = [...progress![1].matchAll(/\r([^\r\n]*) \[([#.]{40})\] (\d{1,3})%/g)];
    expect(updates.length).toBeGreaterThanOrEqual(2);
    const percents = updates.map((u) => Number(u[3]));
    for (let i = 1; i < percents.length; i++) expect(percents[i]).toBeGreaterThan(percents[i - 1]);
    expect(percents[percents.length - 1]).toBeLessThan(100);
    for (const [, label, bar, percent] of updates) {
      expect(label).toBe(STICK_NAMES.ggufModel);
      expect(bar.indexOf(".") < 0 ? 40 : bar.indexOf(".")).toBe(Math.floor((Number(percent) * 40) / 100));
    }

    // Without it, the serial text is host mode's, before the timing line; the same through `run`'s filter.
    const story = (serial: string) => serial.slice(0, serial.search(/^generated \d+ tokens/m));
    const expected = host.stdout;
    expect(story(stripProgress(afterBanner).replace(/\r\n/g, "\n"))).toBe(expected);
    const shown = serialFilter().write(Buffer.from(afterBanner)).toString("utf8");
    expect(story(stripProgress(shown))).toBe(expected);
    // `run > file` gets no redraws: what follows the progress line's last "\r" is the story.
    const filter = serialFilter("final");
    const saved = filter.write(Buffer.from(afterBanner)).toString("utf8") + filter.end().toString("utf8");
    expect(story(saved)).toBe(expected);
  }, 900_000);
});
