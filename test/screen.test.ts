// Slow: the text mode on a graphics screen (firmware/screen.c), booted in QEMU/OVMF
// (TCG) with a 1920x1080 VGA screen. What the firmware says it chose on serial is
// checked against QEMU's own picture of the screen (a QMP screendump): its size, and
// where the text is. UEFI's graphics consoles draw 8x19-pixel glyphs (the spec's
// narrow glyph) and centre the text area on the screen.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeBootImage } from "../host/commands/image.js";
import type { RunConfig } from "../host/config.js";
import { buildDir, bundledModel, bundledTokenizer } from "../host/paths.js";
import { parsePpm } from "../host/qemu/qmp.js";
import { runQemu } from "../host/qemu/qemu.js";
import { buildEfi } from "../host/toolchain/pipeline.js";

const SCREEN = { width: 1920, height: 1080 };
const GLYPH = { width: 8, height: 19 };
const workDir = join(buildDir, "test", "screen");
let efi: string;

beforeAll(async () => {
  mkdirSync(workDir, { recursive: true });
  efi = await buildEfi();
}, 600_000);

/** The smallest rectangle holding every pixel that is not black. */
function textBox({ width, height, rgb }: { width: number; height: number; rgb: Buffer }) {
  let left = width, top = height, right = -1, bottom = -1;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      if (rgb[at] === 0 && rgb[at + 1] === 0 && rgb[at + 2] === 0) continue;
      left = Math.min(left, x), right = Math.max(right, x), top = Math.min(top, y), bottom = Math.max(bottom, y);
    }
  return { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/** Boot a long greedy story (more lines than any text mode has rows) on the screen; the serial text, what the firmware said, and the screen at the end. */
async function bootOnScreen(name: string, config: Partial<RunConfig>) {
  const image = join(workDir, `${name}.img`);
  const dump = join(workDir, `${name}.ppm`);
  await writeBootImage({
    model: bundledModel,
    tokenizer: bundledTokenizer,
    config: { end: "wait", temperature: 0, steps: 1200, ignoreEos: true, ...config },
    efi,
    output: image,
    force: true,
  });
  const result = await runQemu(image, { timeoutSeconds: 300, screen: SCREEN, stopOn: /generated \d+ tokens at [^\n]*\n/, screendump: dump });
  expect(result.stoppedOn, `the story did not end; serial:\n${result.output}\n${result.stderr}`).toBeDefined();
  const serial = result.output.replace(/\r\n/g, "\n");
  const said = [...serial.matchAll(/^screen: (\d+)x(\d+) pixels, text (\d+)x(\d+) \(mode (\d+) of (\d+); the firmware's: (\d+)x(\d+)\)(.*)$/gm)];
  expect(said.length, `no screen line in:\n${serial}`).toBeGreaterThan(0);
  const last = said[said.length - 1].slice(1, 9).map(Number);
  const [pixelsX, pixelsY, columns, rows, , , firmwareColumns, firmwareRows] = last;
  return { serial, pixelsX, pixelsY, columns, rows, firmwareColumns, firmwareRows, lines: said.length, screen: parsePpm(readFileSync(dump)) };
}

describe("on a 1920x1080 screen", () => {
  it("the text mode is the smallest of at least 80x25, and the screen shows only that area", async () => {
    const run = await bootOnScreen("small", {});
    // What the firmware read from GOP is the size of QEMU's screen.
    expect([run.pixelsX, run.pixelsY]).toEqual([run.screen.width, run.screen.height]);
    expect([run.screen.width, run.screen.height]).toEqual([SCREEN.width, SCREEN.height]);
    expect(run.columns).toBeGreaterThanOrEqual(80);
    expect(run.rows).toBeGreaterThanOrEqual(25);
    expect(run.columns * run.rows).toBeLessThanOrEqual(run.firmwareColumns * run.firmwareRows);
    // The text stays in a columns x rows area in the middle of the screen, and fills its height (it scrolled).
    const box = textBox(run.screen);
    expect(box.width).toBeLessThanOrEqual(run.columns * GLYPH.width);
    expect(box.height).toBeLessThanOrEqual(run.rows * GLYPH.height);
    expect(box.height).toBeGreaterThan((run.rows - 2) * GLYPH.height);
    expect(box.left).toBeGreaterThanOrEqual(Math.floor((SCREEN.width - run.columns * GLYPH.width) / 2));
    expect(box.top).toBeGreaterThanOrEqual(Math.floor((SCREEN.height - run.rows * GLYPH.height) / 2));
    // The screen line comes before the banner: the story on serial is untouched.
    expect(run.serial).toMatch(/^screen: [^\n]*\nuefi-llm \d+\.\d+\.\d+[^\n]*\nOnce upon a time/m);
  }, 400_000);

  it("screen = full keeps the firmware's text mode, and the screen shows its area", async () => {
    const full = await bootOnScreen("full", { screen: "full" });
    expect(full.lines).toBe(1); // said once, before the banner; going back is not repeated after it
    const box = textBox(full.screen);
    expect(box.width).toBeLessThanOrEqual(full.firmwareColumns * GLYPH.width);
    expect(box.height).toBeLessThanOrEqual(full.firmwareRows * GLYPH.height);
    expect(box.height).toBeGreaterThan((full.firmwareRows - 2) * GLYPH.height);
    expect(full.serial).toMatch(/^uefi-llm \d+\.\d+\.\d+[^\n]*\nOnce upon a time/m);
  }, 400_000);
});
