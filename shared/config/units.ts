/**
 * Units a config file may write in words, turned into plain numbers once
 * (Temporal style): durations into milliseconds, sizes into bytes. The
 * formatters give back the shortest exact spelling, so
 * parseDuration(formatDuration(ms)) === ms and the same for sizes.
 *
 *   parseDuration('250ms') === 250      parseDuration('1m30s') === 90_000
 *   parseDuration('5m')    === 300_000  parseDuration(1500)    === 1500
 *   parseSize('64MiB')     === 67_108_864
 *
 * Parsers return undefined on text they do not understand; callers turn that
 * into a ConfigError that names the key.
 */

/** Milliseconds per duration unit, longest first (the order formatDuration tries them). */
export const DURATION_UNITS: readonly (readonly [string, number])[] = Object.freeze([
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
] as const);

/** Bytes per size unit, largest first. Binary (KiB) and decimal (KB) units both accepted. */
export const SIZE_UNITS: readonly (readonly [string, number])[] = Object.freeze([
  ['GiB', 1024 ** 3],
  ['MiB', 1024 ** 2],
  ['KiB', 1024],
  ['GB', 1e9],
  ['MB', 1e6],
  ['KB', 1e3],
  ['B', 1],
] as const);

const DURATION_PART = /(\d+(?:\.\d+)?|\.\d+)\s*(ms|h|m|s)/y;

/**
 * A duration in milliseconds from a number (already ms) or text such as
 * `250ms`, `30s`, `5m`, `1h`, `1h30m`, `1.5s` or a bare number of ms (`"500"`).
 * Negative, non-finite or malformed input gives undefined.
 */
export function parseDuration(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined;
  if (typeof input !== 'string') return undefined;
  const text = input.trim();
  if (text === '') return undefined;
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text);
  let total = 0;
  let at = 0;
  while (at < text.length) {
    DURATION_PART.lastIndex = at;
    const m = DURATION_PART.exec(text);
    if (m === null) return undefined;
    const unit = DURATION_UNITS.find(([u]) => u === m[2]);
    if (unit === undefined) return undefined;
    total += Number(m[1]) * unit[1];
    at = DURATION_PART.lastIndex;
    while (text[at] === ' ') at++;
  }
  return Number.isFinite(total) ? total : undefined;
}

/** The shortest exact spelling: 60000 → `1m`, 90000 → `90s`, 250 → `250ms`, 1.5 → `1.5ms`, 0 → `0ms`. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of DURATION_UNITS) {
    if (ms !== 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** A size in bytes from a non-negative integer or text such as `64MiB`, `512 KiB`, `1GB`, `100B`, `"4096"`. */
export function parseSize(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isSafeInteger(input) && input >= 0 ? input : undefined;
  if (typeof input !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(input.trim());
  if (m === null) return undefined;
  const unit = m[2] === '' ? 1 : SIZE_UNITS.find(([u]) => u === m[2])?.[1];
  if (unit === undefined) return undefined;
  const bytes = Number(m[1]) * unit;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** The shortest exact binary spelling: 67108864 → `64MiB`, 1000 → `1000B`. */
export function formatSize(bytes: number): string {
  for (const [unit, size] of SIZE_UNITS) {
    if (!unit.includes('i') && unit !== 'B') continue;
    if (bytes !== 0 && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}B`;
}
