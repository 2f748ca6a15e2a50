/**
 * The learner's progress on the wire (`Coordinator.ReportProgress`, docs/PROTOCOL.md): how a
 * cluster learner's TrainEvents reach the coordinator's dashboard, which folds them into the
 * same DashboardState as a single-process run.
 *
 * - `encodeProgress(event)` (learner): one TrainEvent → JSON. A step keeps its metrics and
 *   timings and only the samples the dashboard shows (pickStepSamples: best and worst by
 *   reward), each with its prompt's series and true intervals for the plot — a few KB instead
 *   of every rollout's tokens and log-probabilities.
 * - `decodeProgress(json)` (coordinator): JSON → a checked DashboardEvent; anything else is a
 *   InvalidArgumentError naming the field (INVALID_ARGUMENT on the wire).
 * - `ProgressReporter` (learner/progress-reporter.ts) sends them in order, never blocking training.
 *
 * Example step on the wire (numbers shortened):
 *   {"kind":"step","step":3,"weightVersion":4,"metrics":{"reward":0.41,"kl":0.0002,…},
 *    "seconds":{"generate":1.2,"update":0.4},
 *    "samples":[[{"sample":{"promptId":"range-0003","sampleIndex":2,"text":"<think>…"},
 *                 "reward":{"total":0.8,"format":1,"cls":1,"localization":0.4},
 *                 "grounded":0.61,"advMain":0.9,"advGrounded":0.02,"advProjected":0.01,"advantage":0.91}], …],
 *    "records":[{"series":[0.1,0.12,…],"intervals":[[40,52]],"type":"range"}, …]}
 */
import { InvalidArgumentError } from '../errors.js';
import { pickStepSamples, traceSampleOf } from './events.js';
import type { DashboardEvent, RecordLike, StepEvent, TraceSample } from './events.js';

/** Largest event_json the coordinator accepts, bytes (UTF-8): 1 MiB. */
export const PROGRESS_MAX_BYTES = 1024 * 1024;

/** Samples (with records) per step sent over the wire: what the dashboard shows of a step. */
export const PROGRESS_TRACES_PER_STEP = 2;

const recordJson = (r: RecordLike) => ({
  series: Array.from(r.series),
  intervals: r.intervals.map(([a, b]) => [a, b]),
  ...(r.type === undefined ? {} : { type: r.type }),
});

/**
 * One event as sent: JSON text. `tracesPerStep` samples of a step travel (0 sends metrics
 * only, which the reporter falls back to when a step would exceed the size limit).
 */
export function encodeProgress(e: DashboardEvent, tracesPerStep = PROGRESS_TRACES_PER_STEP): string {
  if (e.kind !== 'step') return JSON.stringify(e);
  const picked = pickStepSamples(e, tracesPerStep);
  const withRecords = picked.every((p) => p.record !== undefined);
  return JSON.stringify({
    kind: 'step',
    step: e.step,
    weightVersion: e.weightVersion,
    metrics: e.metrics,
    seconds: { generate: e.seconds.generate, update: e.seconds.update },
    // One sample per group, so records[p] stays the prompt of samples[p].
    samples: picked.map((p) => [traceSampleOf(p.sample)]),
    ...(withRecords ? { records: picked.map((p) => recordJson(p.record!)) } : {}),
  });
}

// ---- decoding: every field checked, every failure names its path ----------------------------

type Json = Record<string, unknown>;

const where = (path: string) => `event_json${path === '' ? '' : `.${path}`}`;
const describe = (v: unknown): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'an array'
      : typeof v === 'string'
        ? JSON.stringify(v.slice(0, 40))
        : typeof v === 'object'
          ? 'an object'
          : String(v);

function obj(v: unknown, path: string): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InvalidArgumentError(where(path), `is ${describe(v)}; expected an object`);
  return v as Json;
}
function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new InvalidArgumentError(where(path), `is ${describe(v)}; expected an array`);
  return v;
}
/** A number; JSON has no NaN or ±Infinity (JSON.stringify writes null), so null reads as NaN. */
function num(v: unknown, path: string): number {
  if (v === null) return Number.NaN;
  if (typeof v !== 'number') throw new InvalidArgumentError(where(path), `is ${describe(v)}; expected a number`);
  return v;
}
function int(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new InvalidArgumentError(where(path), `is ${describe(v)}; expected an integer >= 0`);
  return v;
}
function str(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new InvalidArgumentError(where(path), `is ${describe(v)}; expected a string`);
  return v;
}
function decodeSample(v: unknown, path: string): TraceSample {
  const o = obj(v, path);
  const s = obj(o.sample, `${path}.sample`);
  const r = obj(o.reward, `${path}.reward`);
  return {
    sample: {
      promptId: str(s.promptId, `${path}.sample.promptId`),
      sampleIndex: int(s.sampleIndex, `${path}.sample.sampleIndex`),
      text: str(s.text, `${path}.sample.text`),
    },
    reward: {
      total: num(r.total, `${path}.reward.total`),
      format: num(r.format, `${path}.reward.format`),
      cls: num(r.cls, `${path}.reward.cls`),
      localization: num(r.localization, `${path}.reward.localization`),
    },
    grounded: num(o.grounded, `${path}.grounded`),
    advMain: num(o.advMain, `${path}.advMain`),
    advGrounded: num(o.advGrounded, `${path}.advGrounded`),
    advProjected: num(o.advProjected, `${path}.advProjected`),
    advantage: num(o.advantage, `${path}.advantage`),
  };
}

function decodeRecord(v: unknown, path: string): RecordLike {
  const o = obj(v, path);
  const series = Float64Array.from(arr(o.series, `${path}.series`), (x, i) => num(x, `${path}.series[${i}]`));
  const intervals = arr(o.intervals, `${path}.intervals`).map((iv, i) => {
    const pair = arr(iv, `${path}.intervals[${i}]`);
    const a = int(pair[0], `${path}.intervals[${i}][0]`);
    const b = int(pair[1], `${path}.intervals[${i}][1]`);
    if (pair.length !== 2 || b < a || b > series.length)
      throw new InvalidArgumentError(
        where(`${path}.intervals[${i}]`),
        `is ${JSON.stringify(pair)}; expected [start, end] with start <= end <= ${series.length}`,
      );
    return [a, b] as const;
  });
  return { series, intervals, ...(o.type === undefined ? {} : { type: str(o.type, `${path}.type`) }) };
}

function decodeStep(o: Json, step: number): StepEvent {
  const seconds = obj(o.seconds, 'seconds');
  const samples = arr(o.samples, 'samples').map((g, p) => arr(g, `samples[${p}]`).map((s, i) => decodeSample(s, `samples[${p}][${i}]`)));
  let records: RecordLike[] | undefined;
  if (o.records !== undefined) {
    records = arr(o.records, 'records').map((r, p) => decodeRecord(r, `records[${p}]`));
    if (records.length !== samples.length)
      throw new InvalidArgumentError(
        where('records'),
        `has ${records.length} entries for ${samples.length} sample groups; records[p] is the prompt of samples[p]`,
      );
  }
  return {
    kind: 'step',
    step,
    weightVersion: int(o.weightVersion, 'weightVersion'),
    metrics: obj(o.metrics, 'metrics'),
    seconds: { generate: num(seconds.generate, 'seconds.generate'), update: num(seconds.update, 'seconds.update') },
    samples,
    ...(records === undefined ? {} : { records }),
  };
}

/** JSON text → a checked event. Throws InvalidArgumentError naming the field (`event_json.samples[0][1].text`). */
export function decodeProgress(json: string): DashboardEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new InvalidArgumentError(
      'event_json',
      `is not valid JSON (${(err as Error).message}); send one TrainEvent as JSON, e.g. {"kind":"checkpoint","step":3,"dir":"runs/x/step-000003"}`,
    );
  }
  const o = obj(parsed, '');
  const step = int(o.step, 'step');
  switch (o.kind) {
    case 'step':
      return decodeStep(o, step);
    case 'warm-start':
      return { kind: 'warm-start', step, loss: num(o.loss, 'loss'), gradNorm: num(o.gradNorm, 'gradNorm') };
    case 'eval':
      return { kind: 'eval', step, report: obj(o.report, 'report') };
    case 'checkpoint':
      return { kind: 'checkpoint', step, dir: str(o.dir, 'dir') };
    default:
      throw new InvalidArgumentError(where('kind'), `is ${describe(o.kind)}; expected one of "step", "warm-start", "eval", "checkpoint"`);
  }
}
