// Sampling values: one table of ranges for the flags, uefi-llm.cfg and chat's /set, and
// distributions that are no distributions (a temperature that overflows every logit, no
// token left at the top-p cutoff) sample greedily. Evidence: --temp 0's ids.
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { bundledModel, bundledTokenizer } from "../host/paths.js";
import { Core } from "../host/runner/core.js";
import { cli, cliPath } from "./helpers/cli.js";

function ids(stdout: string): number[] {
  return JSON.parse(stdout.trimEnd().split("\n").at(-1)!) as number[];
}

async function generatedIds(args: string[]): Promise<number[]> {
  const result = await cli(["generate", "-n", "40", "--print-ids", ...args]);
  expect(result.exitCode, result.stderr).toBe(0);
  return ids(result.stdout);
}

describe("degenerate distributions are greedy", () => {
  it("--temp 1e-45 gives --temp 0's ids, as does temperature = 1e-45 in the configuration", async () => {
    const greedy = await generatedIds(["--temp", "0"]);
    expect(await generatedIds(["--temp", "1e-45", "--seed", "7"])).toEqual(greedy);
    let stdout = "";
    new Core({ stdout: (b) => (stdout += Buffer.from(b).toString()), stderr: () => {} }).run(
      `model = ${bundledModel}\ntokenizer = ${bundledTokenizer}\nsteps = 40\nprint_ids = true\ntemperature = 1e-45\nseed = 7\n`,
    );
    expect(ids(stdout)).toEqual(greedy);
  });

  it("no token at or above the top-p cutoff (a near-flat distribution): the most likely token, never an invalid one", async () => {
    const greedy = await generatedIds(["--temp", "0"]);
    expect(await generatedIds(["--temp", "1e6", "--top-p", "1e-9", "--seed", "1"])).toEqual(greedy);
  });
});

describe("one table of ranges: a flag, a uefi-llm.cfg line and /set refuse the same values", () => {
  const cases: [flag: string, key: string, chatName: string, value: string, reason: RegExp][] = [
    ["--temp", "temperature", "temp", "Infinity", /temperature must be a number, got 'Infinity'/],
    ["--top-k", "top_k", "top_k", "1e10", /top_k must be a whole number, got '1e10'/],
    ["--seed", "seed", "seed", "1e30", /seed must be a whole number from 1 to 2\^64-1, got '1e30'/],
    ["--temp", "temperature", "temp", "1abc", /temperature must be a number, got '1abc'/],
    ["--top-p", "top_p", "top_p", "0x10", /top_p must be a number, got '0x10'/],
    ["--repeat-penalty", "repeat_penalty", "repeat_penalty", "1e-45", /repeat_penalty must be between 0.01 and 100, got '1e-45'/],
    ["--top-p", "top_p", "top_p", "2", /top_p must be between 0 and 1, got '2'/],
  ];

  it.each(cases)("%s / %s / /set %s %s", async (flag, key, chatName, value, reason) => {
    const fromFlag = await cli(["generate", flag, value]);
    expect(fromFlag.exitCode).not.toBe(0);
    expect(fromFlag.stderr).toMatch(reason);
    expect(() => new Core({ stdout: () => {}, stderr: () => {} }).run(`model = ${bundledModel}\ntokenizer = ${bundledTokenizer}\n${key} = ${value}\n`)).toThrow(reason);
    const chat = await execa("node", [cliPath, "chat", "--temp", "0"], { input: `/set ${chatName} ${value}\n/exit\n`, reject: false, timeout: 60_000 });
    expect(chat.exitCode).toBe(0);
    expect(chat.stderr).toMatch(new RegExp(`^cannot set '${chatName}': ${reason.source}$`, "m"));
  });
});
