// What the core's job() export runs may run on several processors at once (parallel_for
// in assembly/host.ts), in one wasm instance. AssemblyScript keeps object references that
// live across a call on a shadow stack with one stack pointer global for the whole
// module: two processors moving it at once corrupt it and the memory below it (seen as a
// two-processor boot aborting mid-story). So nothing a job reaches may touch that global.
// Read from the release build's text format (asconfig.json writes build/core.wat).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildDir } from "../host/paths.js";

interface WasmText {
  bodies: Map<string, string>;
  signatures: Map<string, string>; // function name -> "(param …) (result …)"
  types: Map<string, string>; // type name -> the same form
  table: string[];
}

function parse(wat: string): WasmText {
  const bodies = new Map<string, string>(), signatures = new Map<string, string>();
  const parts = wat.split(/\n (?=\()/);
  for (const part of parts) {
    const func = /^\(func (\S+)((?: \((?:param|result) [^)]*\))*)/.exec(part);
    if (!func) continue;
    bodies.set(func[1], part);
    signatures.set(func[1], normalize(func[2]));
  }
  const types = new Map<string, string>();
  for (const [, name, sig] of wat.matchAll(/^ \(type (\S+) \(func((?: \((?:param|result) [^)]*\))*)\)\)/gm)) types.set(name, normalize(sig));
  const elem = /^ \(elem \S+ \(i32\.const \d+\) (.*)\)$/m.exec(wat);
  return { bodies, signatures, types, table: elem ? elem[1].split(" ") : [] };
}

/** "(param $0 i32) (param $1 i64)" and "(param i32 i64)" both as "param i32 i64;result …". */
function normalize(signature: string): string {
  const of = (kind: string) => [...signature.matchAll(new RegExp(`\\(${kind} ([^)]*)\\)`, "g"))].flatMap((m) => m[1].split(" ").filter((w) => !w.startsWith("$")));
  return `param ${of("param").join(" ")};result ${of("result").join(" ")}`;
}

/** Every function `from` can call: direct calls, and call_indirect to the table's functions of the called type. */
function reachable(text: WasmText, from: string, stopAt: ReadonlySet<string>): Set<string> {
  const seen = new Set<string>(), work = [from];
  while (work.length > 0) {
    const name = work.pop()!;
    if (seen.has(name) || stopAt.has(name)) continue;
    seen.add(name);
    const body = text.bodies.get(name) ?? "";
    for (const [, callee] of body.matchAll(/\bcall (\$[^\s)]+)/g)) work.push(callee);
    for (const [, type] of body.matchAll(/\bcall_indirect \(type (\S+)\)/g))
      work.push(...text.table.filter((f) => text.signatures.get(f) === text.types.get(type)));
  }
  return seen;
}

describe("jobs on several processors", () => {
  const wat = parse(readFileSync(join(buildDir, "core.wat"), "utf8"));
  // The abort path only says where the bug is, then traps: it never returns into a job.
  const abortPath = new Set(["$assembly/host/coreAbort"]);

  it("reach the matrix kernels and attention", () => {
    const reached = reachable(wat, "$assembly/index/job", abortPath);
    // one kernel per weight type: four rows per call (dot4) or a pair (dot2)
    expect([...reached].filter((f) => f.startsWith("$assembly/kernels/") && /\/dot[24]/.test(f)).length).toBe(13);
    expect(reached).toContain("$assembly/kernels/ops/weightedSum");
  });

  it("touch no shadow stack: everything job() runs keeps plain numbers and pointers", () => {
    const reached = reachable(wat, "$assembly/index/job", abortPath);
    const touching = [...reached].filter((f) => /global\.[gs]et \$~lib\/memory\/__stack_pointer/.test(wat.bodies.get(f) ?? ""));
    expect(touching).toEqual([]);
  });
});
