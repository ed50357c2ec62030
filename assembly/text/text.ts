// Writing text through the host: strings, and numbers formatted the way people read them.
import { write } from "../host";

export function writeString(stream: i32, text: string): void {
  const bytes = String.UTF8.encode(text);
  write(stream, changetype<usize>(bytes), bytes.byteLength);
}

/** `value` with exactly `decimals` digits after the point (none: an integer). */
export function fixed(value: f64, decimals: i32): string {
  if (!isFinite(value)) return value.toString();
  let scale: f64 = 1;
  for (let i = 0; i < decimals; i++) scale *= 10;
  const negative = value < 0;
  const scaled = <u64>Math.round(Math.abs(value) * scale);
  const whole = scaled / <u64>scale;
  let text = whole.toString();
  if (decimals > 0) {
    const fraction = (scaled % <u64>scale).toString();
    text += "." + "0".repeat(decimals - fraction.length) + fraction;
  }
  return negative && scaled != 0 ? "-" + text : text;
}

/** Shortest plain form: integers without a fraction, others with up to 6 significant decimals. */
export function plain(value: f64): string {
  if (value == Math.floor(value) && Math.abs(value) < 1e15) return fixed(value, 0);
  return value.toString();
}
