/**
 * `SHA256SUMS` beside a policy file: the checksum a directory without state.json (a shipped or
 * exported policy: `model.safetensors` alone) carries, so it verifies itself on load. The
 * format is `sha256sum`'s (`<64 hex>  <file name>` per line), so `sha256sum -c SHA256SUMS`
 * checks it too.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { sha256Hex } from './checkpoint-files.js';

export const SUMS_FILE = 'SHA256SUMS';

/** name → sha256 hex, from a SHA256SUMS text (`*name` binary-mode markers accepted). */
export function parseSums(text: string, file: string): Map<string, string> {
  const out = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trimEnd());
    if (m === null) throw new DataError(file, `is not in sha256sum format ("<64 hex>  <file>")`, { line: i + 1 });
    out.set(m[2]!, m[1]!);
  });
  return out;
}

/** Throws a DataError naming the file when `bytes` (the file `name` in `dir`) does not match its recorded sum. */
export function verifyAgainstSums(dir: string, name: string, bytes: Uint8Array): void {
  const sumsPath = join(dir, SUMS_FILE);
  let text: string;
  try {
    text = readFileSync(sumsPath, 'utf8');
  } catch {
    throw new DataError(
      join(dir, name),
      `has no ${SUMS_FILE} beside it, so it cannot be verified; write one with \`(cd ${dir} && sha256sum ${name} > ${SUMS_FILE})\` if you trust the file`,
    );
  }
  const want = parseSums(text, sumsPath).get(name);
  if (want === undefined) throw new DataError(sumsPath, `lists no checksum for ${name}`);
  const got = sha256Hex(bytes);
  if (got !== want) {
    throw new DataError(
      join(dir, name),
      `sha256 is ${got} (${bytes.length} bytes) but ${SUMS_FILE} records ${want}: the file was truncated or altered; restore it`,
    );
  }
}

/** Write `dir/SHA256SUMS` for the given files (in the order given). */
export function writeSums(dir: string, names: readonly string[]): void {
  const lines = names.map((n) => `${sha256Hex(new Uint8Array(readFileSync(join(dir, n))))}  ${n}`);
  writeFileSync(join(dir, SUMS_FILE), lines.join('\n') + '\n');
}
