/**
 * "Did you mean …?" for config keys and enum values. A typo is a name within
 * Levenshtein distance 2 of a valid one (compared case-insensitively), so
 * `heartbeatIntervall` → `heartbeatInterval` but `foo` suggests nothing.
 * Keys are camelCase; a snake_case or kebab-case spelling of a valid key gets
 * a hint that says so (`series_length` → use `seriesLength`).
 */

/** Edit distance (insert, delete, substitute; each costs 1). */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The closest candidate within `maxDistance` (ties: the first listed), or undefined. */
export function closest(name: string, candidates: readonly string[], maxDistance = 2): string | undefined {
  let best: string | undefined;
  let bestD = maxDistance + 1;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    const d = levenshtein(lower, c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/** `series_length` / `series-length` → `seriesLength`. */
export function toCamelCase(name: string): string {
  return name.replace(/[_-]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The hint for an unknown key: the camelCase spelling when the key is a
 * snake/kebab spelling of a valid one, else the closest valid key, else ''.
 */
export function keyHint(name: string, valid: readonly string[]): string {
  if (/[_-]/.test(name)) {
    const camel = toCamelCase(name);
    if (valid.includes(camel)) return `config keys are camelCase: write "${camel}"`;
  }
  const near = closest(name, valid);
  return near === undefined ? '' : `did you mean "${near}"?`;
}
