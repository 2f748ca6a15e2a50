/**
 * Checks a synth task row (params.ts) so that a bad edit of the table fails
 * loudly, naming the field and the allowed values, instead of producing
 * records that silently miss their anomalies.
 */
import { ConfigError } from '../errors.js';
import { ANOMALY_KINDS, BACKGROUND_KINDS, SEASONAL_BACKGROUNDS, SEASONAL_KINDS, type SynthTaskParams } from './params.js';

/** Most anomalies a task may ask for (the 0–50). */
export const MAX_SYNTH_COUNT = 50;

function intPair(field: string, p: readonly [number, number], lo: number, hi: number): void {
  if (!(Array.isArray(p) && p.length === 2 && Number.isInteger(p[0]) && Number.isInteger(p[1]) && lo <= p[0] && p[0] <= p[1] && p[1] <= hi)) {
    throw new ConfigError(field, `must be [lo, hi], integers with ${lo} <= lo <= hi <= ${hi}, got ${JSON.stringify(p)}`);
  }
}

function weights(field: string, w: Readonly<Record<string, number | undefined>>, names: readonly string[]): string[] {
  let total = 0;
  for (const [k, v] of Object.entries(w)) {
    if (!names.includes(k)) throw new ConfigError(field, `unknown name "${k}"; valid: ${names.join(', ')}`);
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) throw new ConfigError(`${field}.${k}`, `must be a finite weight >= 0, got ${String(v)}`);
    total += v;
  }
  if (!(total > 0)) throw new ConfigError(field, `needs at least one positive weight among ${names.join(', ')}`);
  return Object.entries(w)
    .filter(([, v]) => (v ?? 0) > 0)
    .map(([k]) => k);
}

/** Throws ConfigError (field `synth.<task>.<key>`) unless `p` can generate valid records; returns `p`. */
export function checkSynthTaskParams(task: string, p: SynthTaskParams): SynthTaskParams {
  const f = (key: string) => `synth.${task}.${key}`;
  intPair(f('length'), p.length, 1, 1_000_000);
  if (!(p.normalRate >= 0 && p.normalRate <= 1)) throw new ConfigError(f('normalRate'), `must be a probability in [0, 1], got ${p.normalRate}`);
  intPair(f('count'), p.count, 0, MAX_SYNTH_COUNT);
  if (!(Number.isFinite(p.maxDensity) && p.maxDensity > 0 && p.maxDensity <= 1))
    throw new ConfigError(f('maxDensity'), `must be in (0, 1], got ${p.maxDensity}`);
  if (!(Number.isInteger(p.minGap) && p.minGap >= 1)) throw new ConfigError(f('minGap'), `must be an integer >= 1, got ${p.minGap}`);
  const kinds = weights(f('kinds'), p.kinds, ANOMALY_KINDS);
  const backgrounds = weights(f('backgrounds'), p.backgrounds, BACKGROUND_KINDS);
  for (const b of backgrounds) {
    const seasonal = (SEASONAL_BACKGROUNDS as readonly string[]).includes(b);
    if (!kinds.some((k) => seasonal || !(SEASONAL_KINDS as readonly string[]).includes(k))) {
      throw new ConfigError(f('backgrounds'), `"${b}" has no daily cycle, and every kind of this task (${kinds.join(', ')}) needs one`);
    }
  }
  if (!(p.missingRate >= 0 && p.missingRate <= 1)) throw new ConfigError(f('missingRate'), `must be a probability in [0, 1], got ${p.missingRate}`);
  if (p.noiseFree !== undefined && !(p.noiseFree >= 0 && p.noiseFree <= 1))
    throw new ConfigError(f('noiseFree'), `must be a probability in [0, 1], got ${p.noiseFree}`);
  if (p.profile !== undefined && p.profile !== 'harmonic' && p.profile !== 'pulse')
    throw new ConfigError(f('profile'), `must be harmonic or pulse, got ${String(p.profile)}`);
  if (p.period !== undefined && !(Number.isInteger(p.period[0]) && Number.isInteger(p.period[1]) && p.period[0] >= 2 && p.period[1] >= p.period[0]))
    throw new ConfigError(f('period'), `must be integers [lo, hi] with 2 <= lo <= hi, got ${JSON.stringify(p.period)}`);
  return p;
}
