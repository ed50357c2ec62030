// Failure reporting without exceptions: a failing function records one user-facing
// line here and returns false (or 0); callers pass the failure up unchanged.

let message: string = "";
let messageBytes: ArrayBuffer = new ArrayBuffer(0);

const MAX_LENGTH = 400;

/** Record `text` as the reason the current call fails. Always returns false. */
export function fail(text: string): bool {
  message = oneLine(text);
  messageBytes = String.UTF8.encode(message);
  return false;
}

/** Messages quote names from files, which may hold anything: keep them one short, printable line. */
function oneLine(text: string): string {
  let out = "";
  const n = min(text.length, MAX_LENGTH);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    out += c < 0x20 || c == 0x7f ? "\\x" + (c < 16 ? "0" : "") + c.toString(16) : text.charAt(i);
  }
  return text.length > MAX_LENGTH ? out + "…" : out;
}

export function errorPointer(): usize {
  return changetype<usize>(messageBytes);
}

export function errorLength(): i32 {
  return messageBytes.byteLength;
}

export function lastError(): string {
  return message;
}
