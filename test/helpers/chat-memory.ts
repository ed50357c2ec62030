// A host-mode chat in its own process, for test/memory.test.ts: the core reads the
// conversation's lines from fd 0, so it needs a stdin of its own. Run with vite-node:
//   vite-node test/helpers/chat-memory.ts MODEL CONTEXT STEPS [TOKENIZER] < lines
// The core's output goes to stdout and stderr as in `uefi-llm chat`; after it, one line
// "memory-bytes N" on stderr: the size of the core's linear memory when the chat ended
// (wasm memory never shrinks, so that is its peak), and one "object-heap-bytes N": the
// core's object heap in use then.
import { configText } from "../../host/config.js";
import { Core } from "../../host/runner/core.js";

const [model, context, steps, tokenizer] = process.argv.slice(2);
const core = new Core();
core.run(configText({ model, tokenizer, context: Number(context), steps: Number(steps), temperature: 0, mode: "chat" }));
process.stderr.write(`\nmemory-bytes ${core.memoryBytes}\nobject-heap-bytes ${core.objectHeapBytes}\n`);
