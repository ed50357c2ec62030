// What the serve tests (Node's serve, the native build's and a booted stick's) compare
// against: generate's own text, and the events of an SSE body.
import { createServer } from "node:net";
import { expect } from "vitest";
import { cli } from "./cli.js";

/** A TCP port on 127.0.0.1 that nothing listens on now. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const p = (s.address() as { port: number }).port;
  await new Promise((resolve) => s.close(resolve));
  return p;
}

/** The text `generate` prints after the prompt's echo, without the final newline. */
export async function generated(prompt: string, args: string[]): Promise<string> {
  const r = await cli(["generate", "-p", prompt, ...args]);
  expect(r.exitCode, r.stderr).toBe(0);
  expect(r.stdout.startsWith(prompt)).toBe(true);
  return r.stdout.slice(prompt.length).replace(/\n$/, "");
}

/** The data of each event of an SSE body, in order. */
export function sseEvents(text: string): string[] {
  return text.split("\n\n").map((e) => e.trim()).filter((e) => e.length > 0).map((e) => {
    expect(e.startsWith("data: ")).toBe(true);
    return e.slice("data: ".length);
  });
}
