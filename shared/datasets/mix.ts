/**
 * A weighted mix of data sources: `mix:<w>@<spec>|<w>@<spec>|…` (a part without `<w>@` weighs 1).
 *
 *   mix:1@anomllm:train|1@synth:train?count=100    half protocol records, half synth windows
 *
 * Each part's records are loaded (and, for training, made into prompts: labelled, fitted to
 * the model's length — shared/job/records.ts) before mixing, so a weight is a share of the
 * *prompts*: a 4,000-point synth series counts as its four windows. The mix is the largest one
 * that needs no part's record twice: with shares p_i = w_i / Σw and n_i records in part i,
 * N = min_i ⌊n_i / p_i⌋ and part i gives k_i = round(N · p_i) (at most n_i) records.
 *
 * Which records: evenly spaced through each part, indices ⌊j · n_i / k_i⌋ (j < k_i), in part
 * order. No random draw is needed — the generators order their records task by task, so an even
 * spacing keeps every task's share (a seeded draw would only add sampling noise), and the job
 * plan's one shuffle (shared/job/plan.ts, seeded by the job) orders the prompts. The same spec
 * gives the same records, byte for byte, in every process.
 *
 * Example: 3,200 protocol records and 1,180 synth windows at weights 1 and 1 → N = 2,360,
 * 1,180 of each (every third-ish protocol record, every synth window).
 */
import { ConfigError } from '../errors.js';
import type { SeriesRecord } from '../series/record.js';

const FIELD = 'data spec';

export interface MixPart<S> {
  /** Relative weight, > 0. */
  readonly weight: number;
  readonly spec: S;
}

/**
 * Split the text after `mix:` into weighted parts; `parsePart` parses each part's own spec (a
 * nested mix is refused). ConfigErrors name the spec, the part and what is allowed.
 */
export function parseMixParts<S>(spec: string, rest: string, parsePart: (part: string) => S): MixPart<S>[] {
  const texts = rest.split('|');
  if (rest.trim() === '' || texts.length < 2) {
    throw new ConfigError(FIELD, `"${spec}": a mix needs at least two parts, mix:<weight>@<spec>|<weight>@<spec> (e.g. mix:1@anomllm:train|1@synth:train)`);
  }
  return texts.map((text, i) => {
    // `<weight>@` comes before the part's own `prefix:`, so an '@' later on (in a path) is the spec's.
    const m = /^([^@:]*)@(.*)$/s.exec(text);
    const weight = m === null ? 1 : /^\s*\d+(\.\d+)?\s*$/.test(m[1]!) ? Number(m[1]) : NaN;
    const body = (m === null ? text : m[2]!).trim();
    if (!(weight > 0)) throw new ConfigError(FIELD, `"${spec}": part ${i + 1} "${text}" has weight "${m![1]}"; a weight is a number > 0, as in 2@synth:train`);
    if (body === '') throw new ConfigError(FIELD, `"${spec}": part ${i + 1} is empty; write mix:<weight>@<spec>|<weight>@<spec>`);
    if (body.startsWith('mix:')) throw new ConfigError(FIELD, `"${spec}": part ${i + 1} is itself a mix; list its parts in the outer mix instead`);
    return { weight, spec: parsePart(body) };
  });
}

/** How many records each part gives (see the file comment); `sizes[i]` records in part i. */
export function mixCounts(weights: readonly number[], sizes: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const shares = weights.map((w) => w / total);
  const n = Math.min(...sizes.map((s, i) => Math.floor(s / shares[i]! + 1e-9)));
  return shares.map((p, i) => Math.min(sizes[i]!, Math.round(n * p)));
}

/** The mixed records (see the file comment). A record id held by two parts is a ConfigError. */
export function mixRecords(parts: readonly MixPart<readonly SeriesRecord[]>[], field = FIELD): SeriesRecord[] {
  parts.forEach((p, i) => {
    if (p.spec.length === 0) throw new ConfigError(field, `part ${i + 1} of the mix has no records to give`);
  });
  const counts = mixCounts(
    parts.map((p) => p.weight),
    parts.map((p) => p.spec.length),
  );
  const out: SeriesRecord[] = [];
  const from = new Map<string, number>();
  parts.forEach((p, i) => {
    const n = p.spec.length;
    const k = counts[i]!;
    for (let j = 0; j < k; j++) {
      const r = p.spec[Math.floor((j * n) / k)]!;
      const other = from.get(r.id);
      if (other !== undefined && other !== i) {
        throw new ConfigError(field, `parts ${other + 1} and ${i + 1} of the mix both hold record "${r.id}"; mix data sources whose records differ`);
      }
      from.set(r.id, i);
      out.push(r);
    }
  });
  return out;
}
