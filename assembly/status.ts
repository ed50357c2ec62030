// Failure reporting without exceptions: a failing function records one user-facing
// line here and returns false (or 0); callers pass the failure up unchanged.

let message: string = "";
let messageBytes: ArrayBuffer = new ArrayBuffer(0);

/** Record `text` as the reason the current call fails. Always returns false. */
export function fail(text: string): bool {
  message = text;
  messageBytes = String.UTF8.encode(text);
  return false;
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
