// QEMU's machine protocol (QMP) over a unix socket, for what only QEMU can tell: what
// the guest's screen shows. One command per connection: enough for a screendump.
import { createConnection } from "node:net";

/** Runs one QMP command on the socket at `path`; resolves with its "return" value. */
export function qmpCommand(path: string, execute: string, args?: Record<string, unknown>, timeoutMs = 30_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    const timer = setTimeout(() => fail(new Error(`QMP ${execute}: no answer in ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    let buffered = "";
    let step = 0; // 0: waiting for the greeting, 1: for qmp_capabilities, 2: for the command
    socket.on("error", fail);
    socket.on("data", (chunk) => {
      buffered += chunk.toString("utf8");
      for (let eol; (eol = buffered.indexOf("\n")) >= 0; ) {
        const message = JSON.parse(buffered.slice(0, eol)) as { QMP?: unknown; return?: unknown; error?: { desc: string }; event?: string };
        buffered = buffered.slice(eol + 1);
        if (message.event) continue;
        if (message.error) return fail(new Error(`QMP ${step === 1 ? "qmp_capabilities" : execute}: ${message.error.desc}`));
        if (step === 0) socket.write(JSON.stringify({ execute: "qmp_capabilities" }) + "\n");
        else if (step === 1) socket.write(JSON.stringify(args ? { execute, arguments: args } : { execute }) + "\n");
        else {
          clearTimeout(timer);
          socket.end();
          return resolve(message.return);
        }
        step++;
      }
    });
  });
}

/** A PPM (P6, as QEMU's screendump writes) as width, height and RGB bytes. */
export function parsePpm(data: Buffer): { width: number; height: number; rgb: Buffer } {
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(data.subarray(0, 64).toString("latin1"));
  if (!header) throw new Error("not a binary PPM with 8-bit channels");
  const width = Number(header[1]), height = Number(header[2]);
  const rgb = data.subarray(header[0].length);
  if (rgb.length !== width * height * 3) throw new Error(`PPM of ${width}x${height} has ${rgb.length} bytes of pixels`);
  return { width, height, rgb };
}
