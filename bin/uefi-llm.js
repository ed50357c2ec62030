#!/usr/bin/env node
// The installed command: the CLI bundled by `npm run build` (esbuild) into dist/.
import { existsSync } from "node:fs";

const cli = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("uefi-llm: not built yet: run 'npm run build' in the package folder\n");
  process.exit(1);
}
await import(cli.href);
