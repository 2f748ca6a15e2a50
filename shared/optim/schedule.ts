/**
 * Learning-rate schedules: pure functions of the step.
 *
 * `step` counts the updates already applied, so the first update uses step 0.
 * Warmup rises linearly and reaches the peak on its LAST step, so no update is
 * spent at lr 0 (Hugging Face's schedules give the first update lr 0):
 *
 *   warmup (s < W):   lr · (s + 1) / W
 *   constant:         lr
 *   cosine (s ≥ W):   minLr + (lr − minLr) · ½ · (1 + cos(π · min(1, (s − W) / (T − W))))
 *
 * Example, lr 1e-4, W = 10, T = 250: s = 0 → 1e-5, s = 9 → 1e-4, s = 10 → 1e-4,
 * s = 130 → 5e-5 (half way), s = 250 and later → minLr.
 *
 * Schedules sit in a registry keyed by name; `scheduleFromConfig` validates a
 * config object once and returns the function, with ConfigErrors naming the field.
 */
import { ConfigError } from '../errors.js';

export type LrSchedule = (step: number) => number;

export interface ScheduleConfig {
  readonly name: ScheduleName;
  /** Peak learning rate. */
  readonly lr: number;
  /** Warmup length W in updates (warmup-* only; 0 = none). */
  readonly warmupSteps?: number;
  /** Total updates T over which the cosine decays (warmup-cosine only; T > W). */
  readonly totalSteps?: number;
  /** Floor of the cosine (warmup-cosine only; default 0). */
  readonly minLr?: number;
}

/** lr at `step`, constant. */
export function constantLr(lr: number, step: number): number {
  checkStep(step);
  return lr;
}

/** lr at `step` with linear warmup over `warmupSteps`, then constant. */
export function warmupConstantLr(lr: number, warmupSteps: number, step: number): number {
  checkStep(step);
  return step < warmupSteps ? (lr * (step + 1)) / warmupSteps : lr;
}

/** lr at `step` with linear warmup, then cosine decay to `minLr` at `totalSteps`, flat after. */
export function warmupCosineLr(lr: number, warmupSteps: number, totalSteps: number, minLr: number, step: number): number {
  checkStep(step);
  if (step < warmupSteps) return (lr * (step + 1)) / warmupSteps;
  const progress = Math.min(1, (step - warmupSteps) / (totalSteps - warmupSteps));
  return minLr + (lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

function checkStep(step: number): void {
  if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`lr schedule: step must be a non-negative integer, got ${step}`);
}

function positive(v: unknown, field: string): number {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new ConfigError(field, `must be a positive number, got ${v}`);
  return v;
}

function count(v: unknown, field: string, dflt: number | undefined): number {
  const x = v ?? dflt;
  if (x === undefined) throw new ConfigError(field, 'is required');
  if (!Number.isSafeInteger(x) || (x as number) < 0) throw new ConfigError(field, `must be a non-negative integer, got ${x}`);
  return x as number;
}

/** Registry: name → validating factory. */
export const SCHEDULES = Object.freeze({
  constant: (c: ScheduleConfig): LrSchedule => {
    const lr = positive(c.lr, 'schedule.lr');
    return (s) => constantLr(lr, s);
  },
  'warmup-constant': (c: ScheduleConfig): LrSchedule => {
    const lr = positive(c.lr, 'schedule.lr');
    const w = count(c.warmupSteps, 'schedule.warmupSteps', 0);
    return (s) => warmupConstantLr(lr, w, s);
  },
  'warmup-cosine': (c: ScheduleConfig): LrSchedule => {
    const lr = positive(c.lr, 'schedule.lr');
    const w = count(c.warmupSteps, 'schedule.warmupSteps', 0);
    const t = count(c.totalSteps, 'schedule.totalSteps', undefined);
    if (t <= w) throw new ConfigError('schedule.totalSteps', `must be greater than warmupSteps (${w}), got ${t}`);
    const minLr = c.minLr ?? 0;
    if (!(minLr >= 0 && minLr <= lr)) throw new ConfigError('schedule.minLr', `must be in [0, lr = ${lr}], got ${minLr}`);
    return (s) => warmupCosineLr(lr, w, t, minLr, s);
  },
});

export type ScheduleName = keyof typeof SCHEDULES;

/** Validate `config` and return its schedule; an unknown name lists the valid ones. */
export function scheduleFromConfig(config: ScheduleConfig): LrSchedule {
  const make = Object.hasOwn(SCHEDULES, config.name) ? SCHEDULES[config.name] : undefined;
  if (make === undefined)
    throw new ConfigError('schedule.name', `unknown schedule ${JSON.stringify(config.name)}; valid: ${Object.keys(SCHEDULES).join(', ')}`);
  return make(config);
}
