// The host interface: everything the core may ask of the outside world.
//
// This file is the single written definition of the boundary. Two hosts implement
// it, one to one: the Node runner (host/runner/imports.ts) and the UEFI firmware
// shim (firmware/host.c). Only integers cross it; pointers are offsets into the
// core's linear memory, which the host reads and writes directly.
//
// Imports (wasm module "host"):
//
//   write(stream, ptr, len)                      -> void
//       Emit `len` bytes of UTF-8 from linear memory. stream 1 is the program's
//       output (generated text: stdout; on UEFI the screen and the serial port);
//       stream 2 is diagnostics (stderr; on UEFI the same devices). Bytes may be
//       an incomplete UTF-8 sequence; the host passes them on unchanged.
//
//   file_open(path_ptr, path_len)                -> i32 handle, or -1
//       Open a file for reading by its UTF-8 path. On UEFI the path is relative
//       to the root of the partition the application was loaded from, '/' or '\'
//       as separators. -1 means missing or unreadable; the core reports it.
//
//   file_size(handle)                            -> i64 bytes
//
//   file_read(handle, offset: i64, dst, len)     -> i32 bytes read, or -1
//       Copy up to `len` bytes (the core never asks more than 16 MiB at a time)
//       from `offset` into linear memory at `dst`. Returns fewer only at end of
//       file. The host may show progress: it knows the size and the offset.
//
//   file_close(handle)                           -> void
//
//   clock_us()                                   -> i64
//       Monotonic time in microseconds, for the timing line only.
//
//   read_line(dst, cap)                          -> i32 bytes, or -1
//       Chat input: block until the user ends a line (Enter), then copy its UTF-8
//       bytes, without the line end, to dst (at most cap; the rest of a longer
//       line is dropped). The host echoes and edits the line (backspace, and a
//       history of earlier lines on up/down) as it is typed; the core sees only
//       finished lines. -1: no more input (end of file, or the user ended the session).
//
//   worker_count()                               -> i32
//       How many processors the host lends to parallel_for (1: it runs jobs one
//       after another). Asked once, when the model loads.
//
//   parallel_for(jobs)                           -> void
//       Call the core's export job(index) once for every index in [0, jobs),
//       spread over up to worker_count() processors, and return when all have
//       returned. Jobs write disjoint memory and call no imports.
//
//   interrupted()                                -> i32 (1 or 0)
//       Whether the user asked to stop the current answer (Esc or Ctrl-C) since
//       the last call. Called once per generated token: it must not block.
//
//   net_listen(host_ptr, host_len, port)         -> i32 listener handle, or -1
//       Listen for TCP connections on the UTF-8 address (Node: "127.0.0.1", "0.0.0.0";
//       UEFI: ignored, the network card's address from DHCP, which it prints) and port.
//       -1: the host has no network, or the port is taken; the core reports it. Only
//       the server (export serve, and run with "mode = serve") calls it.
//
//   net_accept(listener, timeout_ms)             -> i32 connection handle, -1 none yet, -2 failed
//       The next waiting connection, waiting at most timeout_ms (0: only look).
//
//   net_read(conn, dst, cap, timeout_ms)         -> i32 bytes, 0 the peer closed, -1 none yet, -2 failed
//       Copy up to cap received bytes to dst, waiting at most timeout_ms for the first.
//
//   net_write(conn, ptr, len)                    -> i32 len, or -1 if the peer is gone
//       Send all len bytes (the host may buffer them) before returning.
//
//   net_close(handle)                            -> void
//       Close a connection (after sending what is buffered) or a listener.
//
// Exports (implemented in assembly/index.ts):
//
//   memory                                       the linear memory
//   alloc(len)                                   -> ptr: room for host input
//   run(config_ptr, config_len)                  -> i32 status (0 = ok)
//       Parse the configuration text (key = value lines, see config.ts),
//       load the model and tokenizer, generate, stream the text to stream 1 and
//       the timing line to stream 2. With "mode = serve", serve the HTTP API instead
//       (as serve() below) on 0.0.0.0 and the configured port: how a stick serves.
//   load(config_ptr, config_len)                 -> i32 status: the same, without generating
//   check_config(config_ptr, config_len)         -> i32 status: only parse and validate the configuration
//   forward(token, pos)                          -> ptr to vocab_size f32 logits
//   forward_tokens(tokens_ptr, count, pos)       -> ptr to the last token's logits (a batched prefill)
//   vocab_size(), context_length()               -> i32
//   load_tokenizer(config_ptr, config_len)       -> i32 status: only the tokenizer of the GGUF 'model'
//   encode(text_ptr, text_len, flags, out)       -> i32 number of token ids written at out
//       flags: 1 BOS, 2 EOS (where the vocabulary adds them), 4 parse special tokens
//   max_tokens(text_len)                         -> i32 room encode() needs at out, in ids
//   decode(prev, token)                          -> i32 length of the piece in decoded_piece()
//   decoded_piece()                              -> ptr to the last decoded piece's bytes
//   bos_id(), eos_id(), eot_id()                 -> i32 special token ids, -1 for none
//   token_is_eog(token)                          -> i32 1 if the token ends generation
//   job(index)                                   one share of the work parallel_for spreads
//   dequantize_tensor(name_ptr, name_len)        -> ptr to a GGUF tensor's values as f32 (tests, tools)
//   multiply(type, rows, cols, w, x, count)      -> ptr to W @ x_t for count vectors (tests, tools)
//   serve(config_ptr, config_len, host_ptr, host_len, port) -> i32 status
//       load(), then serve the OpenAI-style HTTP API (assembly/serve/) on host:port
//       until the host ends the program; returns only if listening fails.
//   object_heap_used()                           -> bytes of the bounded heap for strings and small objects (tests)
//   error_ptr(), error_len()                     the message of the last failed call
//
// A status other than 0 means the call failed with a user-facing message (one
// line, no "error:" prefix) at error_ptr()/error_len(). A wasm trap means a bug
// in the core, never bad input.

@external("host", "write")
export declare function write(stream: i32, ptr: usize, len: usize): void;

@external("host", "file_open")
export declare function file_open(pathPtr: usize, pathLen: usize): i32;

@external("host", "file_size")
export declare function file_size(handle: i32): i64;

@external("host", "file_read")
export declare function file_read(handle: i32, offset: i64, dst: usize, len: usize): i32;

@external("host", "file_close")
export declare function file_close(handle: i32): void;

@external("host", "clock_us")
export declare function clock_us(): i64;

@external("host", "read_line")
export declare function read_line(dst: usize, cap: usize): i32;

@external("host", "worker_count")
export declare function worker_count(): i32;

@external("host", "parallel_for")
export declare function parallel_for(jobs: i32): void;

@external("host", "interrupted")
export declare function interrupted(): i32;

@external("host", "net_listen")
export declare function net_listen(hostPtr: usize, hostLen: usize, port: i32): i32;

@external("host", "net_accept")
export declare function net_accept(listener: i32, timeoutMs: i32): i32;

@external("host", "net_read")
export declare function net_read(conn: i32, dst: usize, cap: usize, timeoutMs: i32): i32;

@external("host", "net_write")
export declare function net_write(conn: i32, ptr: usize, len: usize): i32;

@external("host", "net_close")
export declare function net_close(handle: i32): void;

export const STDOUT: i32 = 1;
export const STDERR: i32 = 2;

// AssemblyScript's runtime calls this on a failed assertion or an internal error.
// It is a bug in the core: say where on stream 2, then trap.
export function coreAbort(message: string | null = null, fileName: string | null = null, line: u32 = 0, column: u32 = 0): void {
  const text = "core abort: " + (message ? message : "") + " at " + (fileName ? fileName : "?") + ":" + line.toString() + "\n";
  const bytes = String.UTF8.encode(text);
  write(STDERR, changetype<usize>(bytes), bytes.byteLength);
  unreachable();
}
