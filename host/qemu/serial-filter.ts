// What `uefi-llm run` shows of the guest's serial output: OVMF's screen control (clear
// screen, cursor moves, colours, mode sets: ESC [ … final byte) is dropped, and line ends
// become one "\n" (other firmware, or text with CRLF line ends, may send "\r\r\n"; this
// terminal turns "\n" into "\r\n").
// The text itself passes unchanged; the raw output stays in QemuResult.output.

/**
 * How lines redrawn in place with a lone "\r" (the firmware's load progress) come out:
 * "keep" them for a terminal, which draws each over the last; "final" for a file or a
 * pipe: only the last drawing, without the "\r"s.
 */
export type Redraws = "keep" | "final";

/**
 * A stateful filter: a chunk may end inside an escape sequence or a line end. With
 * "final", the text after a lone "\r" is held until its line ends, and a later lone
 * "\r" drops it: a redrawn line comes out once, as last drawn. end() gives the last
 * drawing of a line the output stopped in.
 */
export function serialFilter(redraws: Redraws = "keep"): { write(chunk: Buffer): Buffer; end(): Buffer } {
  let held = Buffer.alloc(0);
  let redrawn: number[] | undefined; // with "final": the line drawn since the last lone "\r"
  const write = (chunk: Buffer) => {
    const data = held.length ? Buffer.concat([held, chunk]) : chunk;
    const out: number[] = [];
    const lineEnd = () => {
      if (redrawn) out.push(...redrawn);
      redrawn = undefined;
      out.push(0x0a);
    };
    let i = 0;
    for (; i < data.length; i++) {
      const byte = data[i];
      if (byte === 0x1b) {
        const end = escapeEnd(data, i);
        if (end < 0) break; // incomplete: keep for the next chunk
        i = end - 1;
        continue;
      }
      if (byte === 0x0d) {
        let j = i;
        while (j < data.length && data[j] === 0x0d) j++;
        if (j === data.length) break; // "\r" at the end: a line end may follow
        if (data[j] === 0x0a) {
          lineEnd();
          i = j;
          continue;
        }
        if (redraws === "final") redrawn = [];
        else out.push(0x0d); // a lone carriage return (a redrawn line) stays
        continue;
      }
      if (byte === 0x0a) lineEnd();
      else (redrawn ?? out).push(byte);
    }
    held = Buffer.from(data.subarray(i));
    if (held.length > 64) {
      // Not an escape sequence we know: let it through rather than hold text back.
      (redrawn ?? out).push(...held);
      held = Buffer.alloc(0);
    }
    return Buffer.from(out);
  };
  // What is held at the end: a redrawn line's last drawing. An unfinished escape sequence
  // or trailing "\r"s are no text.
  const end = () => {
    const rest = Buffer.from(redrawn ?? []);
    redrawn = undefined;
    held = Buffer.alloc(0);
    return rest;
  };
  return { write, end };
}

/** The index after the escape sequence at `at`, or -1 when the chunk ends inside it. */
function escapeEnd(data: Buffer, at: number): number {
  if (at + 1 >= data.length) return -1;
  const kind = data[at + 1];
  if (kind !== 0x5b) return at + 2; // ESC and one byte (ESC c, ESC 7, ...)
  for (let i = at + 2; i < data.length; i++) {
    if (data[i] >= 0x40 && data[i] <= 0x7e) return i + 1; // the final byte of ESC [ params intermediates final
    if (data[i] < 0x20 || data[i] > 0x3f) return i; // malformed: drop what came before
  }
  return -1;
}

/**
 * A serial log without the firmware's load progress (firmware/console.c): each update
 * is "\r<file> [####....] 42%" with no line end, and the last one blanks the line
 * ("\r", spaces, "\r"). A terminal shows it as one line redrawn in place that is gone
 * when the text starts; a log compared byte for byte needs it taken out.
 */
export function stripProgress(serial: string): string {
  return serial.replace(/\r[^\r\n]* \[[#.]{40}\] \d{1,3}%/g, "").replace(/\r {20,}\r/g, "");
}
