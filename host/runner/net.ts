// The host interface's sockets (net_* in assembly/host.ts) for Node, over node:net.
//
// The core calls them synchronously, from inside a wasm call on Node's only thread, where
// no socket event can be delivered. So the sockets live in a worker thread with its own
// event loop: each call posts one message to it and sleeps (Atomics.wait) on a shared
// buffer until the worker writes the result there. Bytes cross through the same buffer.
import { Worker } from "node:worker_threads";

/** Bytes one call moves at most (reads are cut to it; writes are sent in pieces of it). */
const DATA_BYTES = 1 << 20;
/** A write the peer does not take within this is a dead peer (the core then stops its generation). */
const WRITE_TIMEOUT_MS = 30_000;

// The worker, as plain CommonJS with only Node's own modules, so it runs from the bundled CLI
// and from the sources alike (eval: true).
const WORKER = `
const { workerData, parentPort } = require("node:worker_threads");
const net = require("node:net");
const ctrl = new Int32Array(workerData.sab, 0, 4);
const data = new Uint8Array(workerData.sab, 16);
const handles = new Map();
let nextHandle = 1;
let waiting = null; // the one call in progress that waits for an event: { kind, handle, cap, timer }

function reply(value) {
  ctrl[1] = value;
  Atomics.store(ctrl, 0, 1);
  Atomics.notify(ctrl, 0);
}

function finishWaiting() {
  if (!waiting) return;
  const w = waiting;
  if (w.kind === "accept" && !tryAccept(w.handle)) return;
  if (w.kind === "read" && !tryRead(w.handle, w.cap)) return;
  clearTimeout(w.timer);
  waiting = null;
}

function tryAccept(handle) {
  const l = handles.get(handle);
  if (!l) { reply(-2); return true; }
  if (l.queue.length === 0) return false;
  reply(l.queue.shift());
  return true;
}

function tryRead(handle, cap) {
  const c = handles.get(handle);
  if (!c || c.kind !== "conn") { reply(-2); return true; }
  if (c.chunks.length > 0) {
    let n = 0;
    while (c.chunks.length > 0 && n < cap) {
      const chunk = c.chunks[0];
      const take = Math.min(chunk.length, cap - n);
      data.set(chunk.subarray(0, take), n);
      n += take;
      if (take === chunk.length) c.chunks.shift();
      else c.chunks[0] = chunk.subarray(take);
    }
    reply(n);
    return true;
  }
  if (c.failed) { reply(-2); return true; }
  if (c.ended) { reply(0); return true; }
  return false;
}

function wait(kind, handle, cap, timeoutMs, ready) {
  if (ready() ) return;
  if (timeoutMs <= 0) { reply(-1); return; }
  waiting = { kind, handle, cap, timer: setTimeout(() => { waiting = null; reply(-1); }, timeoutMs) };
}

parentPort.on("message", (m) => {
  // A failure here must still answer: the core's thread sleeps until it does.
  try {
    handleMessage(m);
  } catch {
    reply(-2);
  }
});

function handleMessage(m) {
  if (m.op === "listen") {
    const host = Buffer.from(data.subarray(0, m.len)).toString("utf8");
    const server = net.createServer({ allowHalfOpen: true });
    const handle = nextHandle++;
    const l = { kind: "listener", server, queue: [] };
    server.on("connection", (socket) => {
      const h = nextHandle++;
      const c = { kind: "conn", socket, chunks: [], ended: false, failed: false };
      handles.set(h, c);
      socket.setNoDelay(true);
      socket.on("data", (chunk) => { c.chunks.push(chunk); finishWaiting(); });
      socket.on("end", () => { c.ended = true; finishWaiting(); });
      socket.on("error", () => { c.failed = true; c.ended = true; finishWaiting(); });
      socket.on("close", () => { c.ended = true; finishWaiting(); });
      l.queue.push(h);
      finishWaiting();
    });
    server.once("error", () => reply(-1));
    server.listen(m.port, host, () => { handles.set(handle, l); reply(handle); });
  } else if (m.op === "accept") {
    wait("accept", m.handle, 0, m.timeout, () => tryAccept(m.handle));
  } else if (m.op === "read") {
    wait("read", m.handle, m.cap, m.timeout, () => tryRead(m.handle, m.cap));
  } else if (m.op === "write") {
    const c = handles.get(m.handle);
    if (!c || c.kind !== "conn" || c.failed || c.socket.destroyed || !c.socket.writable) { reply(-1); return; }
    const bytes = Buffer.from(data.subarray(0, m.len));
    let done = false;
    const timer = setTimeout(() => { if (!done) { done = true; c.failed = true; c.socket.destroy(); reply(-1); } }, m.timeoutMs);
    c.socket.write(bytes, (error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reply(error ? -1 : m.len);
    });
  } else if (m.op === "close") {
    const x = handles.get(m.handle);
    handles.delete(m.handle);
    if (x && x.kind === "conn") {
      x.socket.end();
      setTimeout(() => x.socket.destroy(), 5000).unref();
    } else if (x) {
      x.server.close();
    }
    reply(0);
  }
}
`;

export interface NetImports {
  net_listen(hostPtr: number, hostLen: number, port: number): number;
  net_accept(listener: number, timeoutMs: number): number;
  net_read(conn: number, dst: number, cap: number, timeoutMs: number): number;
  net_write(conn: number, ptr: number, len: number): number;
  net_close(handle: number): void;
}

/** The net_* imports over a socket worker started at the first net_listen. */
export function netImports(bytes: (ptr: number, len: number) => Uint8Array): NetImports {
  let worker: Worker | undefined;
  const sab = new SharedArrayBuffer(16 + DATA_BYTES);
  const ctrl = new Int32Array(sab, 0, 4);
  const data = new Uint8Array(sab, 16);

  const call = (message: Record<string, number | string>): number => {
    if (!worker) {
      worker = new Worker(WORKER, { eval: true, workerData: { sab } });
      worker.unref();
    }
    Atomics.store(ctrl, 0, 0);
    worker.postMessage(message);
    Atomics.wait(ctrl, 0, 0);
    return ctrl[1];
  };

  return {
    net_listen(hostPtr, hostLen, port) {
      data.set(bytes(hostPtr, Math.min(hostLen, 4096)));
      return call({ op: "listen", len: Math.min(hostLen, 4096), port });
    },
    net_accept(listener, timeoutMs) {
      return worker ? call({ op: "accept", handle: listener, timeout: timeoutMs }) : -2;
    },
    net_read(conn, dst, cap, timeoutMs) {
      if (!worker) return -2;
      const n = call({ op: "read", handle: conn, cap: Math.min(cap, DATA_BYTES), timeout: timeoutMs });
      if (n > 0) bytes(dst, n).set(data.subarray(0, n));
      return n;
    },
    net_write(conn, ptr, len) {
      if (!worker) return -1;
      for (let done = 0; done < len; ) {
        const n = Math.min(len - done, DATA_BYTES);
        data.set(bytes(ptr + done, n));
        if (call({ op: "write", handle: conn, len: n, timeoutMs: WRITE_TIMEOUT_MS }) < 0) return -1;
        done += n;
      }
      return len;
    },
    net_close(handle) {
      if (worker) call({ op: "close", handle });
    },
  };
}
