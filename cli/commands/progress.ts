/**
 * Progress of long CLI work (eval of a checkpoint, detect on a long series), on stderr, with an
 * ETA. On a terminal one line is redrawn in place (at most every `redrawMs`, and at the end):
 *
 *   eval [#########---------------------] 120/400 30%  ETA 1m05s
 *
 * Anywhere else (a log file, a CI job, a pipe) a carriage return would pile up as one huge
 * line, so a line is printed each time another 10 % is reached, at most 10 lines in all:
 *
 *   eval: 10% (40/400), ETA 1m05s
 *   …
 *   eval: 100% (400/400) in 2m10s
 *
 * The ETA assumes the rest goes as fast as what is done so far: elapsed / done × left.
 */

/** Where progress goes: process.stderr, or a test's collector. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface ProgressOptions {
  readonly stream?: ProgressStream;
  /** ms clock (tests inject one). */
  readonly now?: () => number;
  /** Minimum time between two redraws on a terminal, ms (default 100). */
  readonly redrawMs?: number;
  /** Bar width in characters (default 30). */
  readonly width?: number;
}

/** `65_000` → `1m05s`; `3_725_000` → `1h02m`; `9_400` → `9s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The ETA text after `done` of `total` in `elapsedMs`: `ETA 1m05s`, or `ETA --` before anything is done. */
export function etaText(done: number, total: number, elapsedMs: number): string {
  if (done <= 0) return 'ETA --';
  return `ETA ${formatDuration((elapsedMs / done) * Math.max(0, total - done))}`;
}

/** A `(done, total)` callback that reports progress under `label` (see the file comment). */
export function progressBar(label: string, o: ProgressOptions = {}): (done: number, total: number) => void {
  const stream = o.stream ?? process.stderr;
  const now = o.now ?? Date.now;
  const redrawMs = o.redrawMs ?? 100;
  const width = o.width ?? 30;
  const started = now();
  let lastDraw = -Infinity;
  let tenths = 0; // 10 % steps already printed (non-TTY)
  let finished = false;
  return (done, total) => {
    if (finished) return;
    const t = now();
    const elapsed = t - started;
    const complete = done >= total;
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const pct = Math.floor(fraction * 100);
    if (stream.isTTY === true) {
      if (!complete && t - lastDraw < redrawMs) return;
      lastDraw = t;
      const k = Math.round(width * fraction);
      const tail = complete ? `in ${formatDuration(elapsed)}` : etaText(done, total, elapsed);
      stream.write(`\r${label} [${'#'.repeat(k)}${'-'.repeat(width - k)}] ${done}/${total} ${pct}%  ${tail}\x1b[K${complete ? '\n' : ''}`);
    } else {
      const reached = Math.floor(fraction * 10);
      if (reached <= tenths) return;
      tenths = reached;
      stream.write(
        complete
          ? `${label}: 100% (${done}/${total}) in ${formatDuration(elapsed)}\n`
          : `${label}: ${reached * 10}% (${done}/${total}), ${etaText(done, total, elapsed)}\n`,
      );
    }
    if (complete) finished = true;
  };
}
