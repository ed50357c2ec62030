// A byte-count progress bar on stderr for long writes; silent when stderr is not a
// terminal or the job is small.

import cliProgress from "cli-progress";

export interface Progress {
  add(bytes: number): void;
  stop(): void;
}

const MIN_BYTES = 64 << 20;

export function byteProgress(label: string, totalBytes: number, enabled = true): Progress {
  if (!enabled || !process.stderr.isTTY || totalBytes < MIN_BYTES) return { add: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {done} of {size} | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const size = formatBytes(totalBytes);
  bar.start(totalBytes, 0, { done: formatBytes(0), size });
  let done = 0;
  return {
    add(bytes) {
      done += bytes;
      bar.update(done, { done: formatBytes(done) });
    },
    stop() {
      bar.stop();
    },
  };
}

/** 1536 -> "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}
