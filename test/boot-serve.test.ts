// Slow: a stick made with `image --serve` booted in QEMU/OVMF (TCG) with a virtio network
// card on QEMU's user network, its port 80 forwarded to a free port here. Real clients
// (the official openai package, curl, raw sockets) talk to the firmware's TCP/IP stack
// through it and must get the text `generate` prints in Node for the same settings. A
// boot without a network card must say so and end. The native build serves the same
// configuration over POSIX sockets.
import { execa } from "execa";
import { mkdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBootImage } from "../host/commands/image.js";
import { configText } from "../host/config.js";
import { buildDir, bundledModel, bundledTokenizer } from "../host/paths.js";
import { runQemu, type QemuResult } from "../host/qemu/qemu.js";
import type { Arch } from "../host/toolchain/arch.js";
import { buildNative } from "../host/toolchain/native.js";
import { buildEfi } from "../host/toolchain/pipeline.js";
import { cli } from "./helpers/cli.js";
import { freePort, generated, sseEvents } from "./helpers/serve.js";

const workDir = join(buildDir, "test", "boot-serve");
const image = join(workDir, "serve.img");
const LISTEN_SECONDS = 300; // OVMF under TCG on a loaded machine; ~17 s when idle
const prompt = "Once upon a time";


/** Raw bytes on a fresh connection to 127.0.0.1:port; the answer's status line, or "" if none came within timeMs. */
function statusOfRequest(port: number, bytes: Buffer | string, timeMs = 30_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let got = "";
    const finish = () => { clearTimeout(timer); socket.destroy(); resolve(got.split("\r\n")[0]); };
    const timer = setTimeout(finish, timeMs);
    socket.on("data", (d) => { got += d.toString("latin1"); if (got.includes("\r\n\r\n")) finish(); });
    socket.on("close", finish);
    socket.on("error", () => {});
    socket.end(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes);
  });
}

let efi: string;

beforeAll(async () => {
  mkdirSync(workDir, { recursive: true });
  efi = await buildEfi();
  // Through the CLI, as a user makes the stick.
  const made = await cli(["image", "-m", bundledModel, "-z", bundledTokenizer, "--serve", "--port", "80", "--end", "shutdown", "--efi", efi, "--arch", "x86_64", "-o", image, "-f"], { timeoutMs: 120_000 });
  expect(made.stderr).toBe("");
  expect(made.stdout).toMatch(/boot it with: uefi-llm run --net --guest-port 80 /);
}, 600_000);

describe("image --serve and run --net: their flags", () => {
  it("refuse what does not go together, in one line", async () => {
    const makeImage = (args: string[]) => cli(["image", "-m", bundledModel, "-z", bundledTokenizer, "-o", join(workDir, "never.img"), ...args]);
    expect((await makeImage(["--port", "80"])).stderr).toBe("uefi-llm: --port needs --serve\n");
    expect((await makeImage(["--serve", "--chat"])).stderr).toBe("uefi-llm: --chat does not go with --serve: the requests bring their prompts\n");
    expect((await makeImage(["--serve", "-p", "Hi"])).stderr).toBe("uefi-llm: --prompt does not go with --serve: the requests bring their prompts\n");
    const badPort = await makeImage(["--serve", "--port", "70000"]);
    expect([badPort.exitCode, badPort.stderr]).toEqual([1, expect.stringMatching(/^uefi-llm: config line \d+: port must be between 1 and 65535, got '70000'\n$/)]);
    expect((await cli(["run", "--port", "8080", image])).stderr).toBe("uefi-llm: --port goes with --net\n");
  }, 120_000);
});

interface Stick {
  base: string;
  port: number;
  /** Type into the guest's serial console. */
  type: (text: string) => void;
  qemu: Promise<QemuResult>;
}

/** Boot `image` with its port 80 forwarded to a free port here; resolves once /health answers through it. */
async function bootServing(image: string, arch: Arch): Promise<Stick> {
  const port = await freePort();
  const stick: Stick = { base: `http://127.0.0.1:${port}`, port, type: () => {}, qemu: undefined as never };
  let result: QemuResult | undefined;
  stick.qemu = runQemu(image, { arch, timeoutSeconds: 900, net: { hostPort: port, guestPort: 80 }, serialInput: (t) => (stick.type = t) });
  stick.qemu.then((r) => (result = r));
  // QEMU accepts on the forwarded port at once; until the guest listens, it drops each connection.
  const deadline = Date.now() + LISTEN_SECONDS * 1000;
  for (;;) {
    const health = await fetch(`${stick.base}/health`, { signal: AbortSignal.timeout(5000) }).then((r) => r.json(), () => undefined);
    if (health?.status === "ok") return stick;
    if (result !== undefined) throw new Error(`the guest ended before serving:\n${result.output}`);
    if (Date.now() > deadline) throw new Error(`the guest did not serve within ${LISTEN_SECONDS} s`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Press a key on the serial console: the stick stops serving, prints its lines, and shuts down. */
async function stopServing(stick: Stick): Promise<string> {
  stick.type("q");
  const r = await stick.qemu;
  expect(r.timedOut).toBe(false);
  expect(r.exitCode).toBe(0);
  const serial = r.output.replace(/\r\n/g, "\n");
  // QEMU's user network gives the first guest 10.0.2.15 by DHCP.
  expect(serial).toContain("uefi-llm: address 10.0.2.15 by DHCP; serving at http://10.0.2.15:80/v1 (press any key to stop)\n");
  expect(serial).toContain("uefi-llm: a key was pressed; serving stopped\n");
  return serial;
}

const openaiClient = (stick: Stick) => new OpenAI({ baseURL: `${stick.base}/v1`, apiKey: "none", maxRetries: 0, timeout: 120_000 });

describe("a stick serving on QEMU's user network", () => {
  let stick: Stick;
  let port: number;
  let base: string;

  beforeAll(async () => {
    stick = await bootServing(image, "x86_64");
    ({ port, base } = stick);
  }, (LISTEN_SECONDS + 60) * 1000);

  afterAll(async () => {
    stick?.type("q"); // if a test failed before the last one pressed it
    await stick?.qemu;
  }, 120_000);

  const client = () => openaiClient(stick);

  it("the openai client: chat and completions, streaming and not, give generate's text", async () => {
    const greedy = await generated(prompt, ["-n", "40", "--temp", "0"]);
    const seeded = await generated(prompt, ["-n", "40", "--temp", "0.8", "-s", "7"]);
    const openai = client();
    expect((await openai.models.list()).data.map((m: { id: string }) => m.id)).toEqual(["model.bin"]);
    const chat = await openai.chat.completions.create({ model: "model.bin", messages: [{ role: "user", content: prompt }], max_tokens: 40, temperature: 0 });
    expect(chat.choices[0].message.content).toBe(greedy);
    const completion = await openai.completions.create({ model: "model.bin", prompt, max_tokens: 40, temperature: 0.8, seed: 7 });
    expect(completion.choices[0].text).toBe(seeded);
    let streamedChat = "";
    for await (const chunk of await openai.chat.completions.create({ model: "model.bin", messages: [{ role: "user", content: prompt }], max_tokens: 40, temperature: 0.8, seed: 7, stream: true }))
      streamedChat += chunk.choices[0]?.delta?.content ?? "";
    expect(streamedChat).toBe(seeded);
    let streamedCompletion = "";
    for await (const chunk of await openai.completions.create({ model: "model.bin", prompt, max_tokens: 40, temperature: 0, stream: true }))
      streamedCompletion += chunk.choices[0]?.text ?? "";
    expect(streamedCompletion).toBe(greedy);
  }, 300_000);

  it("curl sees the SSE chunks arrive while the answer is still being generated", async () => {
    const expected = await generated(prompt, ["-n", "400", "--temp", "0"]);
    const arrivals: { ms: number; text: string }[] = [];
    const started = Date.now();
    const child = execa("curl", ["-sS", "-N", "--max-time", "120", `${base}/v1/completions`, "-H", "Content-Type: application/json",
      "-d", JSON.stringify({ prompt, max_tokens: 400, temperature: 0, stream: true })]);
    child.stdout!.on("data", (chunk: Buffer) => arrivals.push({ ms: Date.now() - started, text: chunk.toString() }));
    await child;
    const list = sseEvents(arrivals.map((a) => a.text).join(""));
    expect(list.at(-1)).toBe("[DONE]");
    expect(list.slice(0, -1).map((e) => JSON.parse(e).choices[0].text).join("")).toBe(expected);
    // The pieces come one by one over the whole generation, not in one burst at its end.
    const done = arrivals.find((a) => a.text.includes("[DONE]"))!.ms;
    expect(arrivals.length).toBeGreaterThan(20);
    expect(arrivals[0].ms).toBeLessThan(done / 2);
  }, 300_000);

  const statusOf = (bytes: Buffer | string) => statusOfRequest(port, bytes);

  it("malformed requests get a 4xx, a client may go away mid-stream, and a valid request afterwards is still answered", async () => {
    const json = (body: string) => `POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    expect(await statusOf(Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10]))).toMatch(/^HTTP\/1\.1 400 /);
    expect(await statusOf("hello\r\n\r\n")).toMatch(/^HTTP\/1\.1 400 /);
    expect(await statusOf("GET / HTTP/1.1\r\nX: " + "a".repeat(20000) + "\r\n\r\n")).toMatch(/^HTTP\/1\.1 431 /);
    expect(await statusOf(json("{\"prompt\": "))).toMatch(/^HTTP\/1\.1 400 /);
    expect(await statusOf(json("{\"prompt\": \"a\", \"temperature\": \"hot\"}"))).toMatch(/^HTTP\/1\.1 400 /);
    await expect(client().completions.create({ model: "x", prompt, temperature: 5e6 })).rejects.toMatchObject({ status: 400, message: expect.stringContaining("temperature") });
    // A client that goes away mid-stream.
    const gone = new AbortController();
    const res = await fetch(`${base}/v1/completions`, { method: "POST", body: JSON.stringify({ prompt, max_tokens: 400, stream: true }), signal: gone.signal });
    await res.body!.getReader().read();
    gone.abort();
    const after = await client().completions.create({ model: "model.bin", prompt, max_tokens: 40, temperature: 0 });
    expect(after.choices[0].text).toBe(await generated(prompt, ["-n", "40", "--temp", "0"]));
  }, 300_000);

  it("showed its address and URL; a key on the serial console stops it, then the end action (shutdown)", async () => {
    await stopServing(stick);
  }, 120_000);
});

describe("an aarch64 stick (AAVMF has the same network stack)", () => {
  it("answers the openai client with generate's text, and stops on a key", async () => {
    const aa64 = join(workDir, "serve-aa64.img");
    await writeBootImage({ model: bundledModel, tokenizer: bundledTokenizer, config: { mode: "serve", port: 80, end: "shutdown" }, arches: ["aarch64"], output: aa64, force: true });
    const stick = await bootServing(aa64, "aarch64");
    try {
      const openai = openaiClient(stick);
      const chat = await openai.chat.completions.create({ model: "model.bin", messages: [{ role: "user", content: prompt }], max_tokens: 40, temperature: 0 });
      expect(chat.choices[0].message.content).toBe(await generated(prompt, ["-n", "40", "--temp", "0"]));
      let streamed = "";
      for await (const chunk of await openai.completions.create({ model: "model.bin", prompt, max_tokens: 40, temperature: 0.8, seed: 7, stream: true }))
        streamed += chunk.choices[0]?.text ?? "";
      expect(streamed).toBe(await generated(prompt, ["-n", "40", "--temp", "0.8", "-s", "7"]));
    } finally {
      await stopServing(stick);
    }
  }, 1_200_000);
});

describe("a stick serving without a network", () => {
  it("no network card: says so and ends with the configured end action", async () => {
    const r = await runQemu(image, { timeoutSeconds: 300 });
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).toBe(0);
    const serial = r.output.replace(/\r\n/g, "\n");
    expect(serial).toMatch(/^uefi-llm: no network: found no network card .*\n/m);
    expect(serial).toContain("uefi-llm: error: cannot listen on 0.0.0.0:80 (no network, or the port is taken)\n");
  }, 360_000);

  it("a card but no DHCP answer: gives up after 30 s, says so and ends", async () => {
    const r = await runQemu(image, { timeoutSeconds: 300, net: "no-dhcp" });
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).toBe(0);
    const serial = r.output.replace(/\r\n/g, "\n");
    expect(serial).toContain("uefi-llm: asking for an address by DHCP (1 network card)\n");
    expect(serial).toMatch(/^uefi-llm: no network: no DHCP answer within 30 s .*\n/m);
    expect(serial).toContain("uefi-llm: error: cannot listen on 0.0.0.0:80 (no network, or the port is taken)\n");
  }, 360_000);
});

describe("the native build (native/host_posix.c) serves the same configuration", () => {
  it("answers the openai client with generate's text", async () => {
    const binary = await buildNative();
    const port = await freePort();
    const config = join(workDir, "native-serve.cfg");
    writeFileSync(config, configText({ model: bundledModel, tokenizer: bundledTokenizer, mode: "serve", port }));
    const server = execa(binary, [config], { reject: false, timeout: 300_000 });
    let stderr = "";
    server.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const deadline = Date.now() + 30_000;
      while (!stderr.includes("serving ")) {
        if (Date.now() > deadline || server.exitCode !== null) throw new Error(`the native build did not serve: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(stderr).toContain(`serving stories260K.bin on port ${port} of every address of this machine, under /v1`);
      const openai = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: "none", maxRetries: 0, timeout: 60_000 });
      const chat = await openai.chat.completions.create({ model: "x", messages: [{ role: "user", content: prompt }], max_tokens: 40, temperature: 0 });
      expect(chat.choices[0].message.content).toBe(await generated(prompt, ["-n", "40", "--temp", "0"]));
      let streamed = "";
      for await (const chunk of await openai.completions.create({ model: "x", prompt, max_tokens: 40, temperature: 0.8, seed: 7, stream: true }))
        streamed += chunk.choices[0]?.text ?? "";
      expect(streamed).toBe(await generated(prompt, ["-n", "40", "--temp", "0.8", "-s", "7"]));
      expect(await statusOfRequest(port, "hello\r\n\r\n")).toMatch(/^HTTP\/1\.1 400 /);
    } finally {
      server.kill("SIGTERM");
      await server;
    }
  }, 600_000);
});
