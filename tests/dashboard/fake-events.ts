// Hand-made TrainEvents for the dashboard tests (no model involved).
import type { TrainEvent } from '../../shared/training/events.js';
import type { RlStepMetrics, ScoredSample } from '../../shared/training/events.js';
import type { SeriesRecord } from '../../shared/series/record.js';

const prf = { precision: 0.5, recall: 0.5, f1: 0.5 };

export function fakeSample(promptId: string, sampleIndex: number, total: number): ScoredSample {
  return {
    sample: {
      promptId,
      sampleIndex,
      ids: [1, 2, 3],
      logps: new Float64Array(3),
      text: `<think> Observation: sample ${sampleIndex} of ${promptId}. </think> <answer>[[10, 20]]</answer> <class>global point</class>`,
    },
    reward: { total, format: 1, cls: 1, localization: 0.5, parts: { pointwise: prf, affiliation: prf } },
    grounded: 0.4,
    advMain: total - 0.5,
    advGrounded: 0.01,
    advProjected: 0.005,
    advantage: total - 0.5 + 0.0015,
  };
}

export function fakeMetrics(step: number): RlStepMetrics {
  return {
    reward: 0.3 + step / 100,
    rewardFormat: 1,
    rewardClass: 0.5,
    rewardLocalization: 0.2,
    grounded: 0.4,
    otDistance: 0.45,
    loss: 0.1,
    surrogate: 0.05,
    kl: 1e-4 * step,
    entropy: 2,
    clipFraction: 0.01,
    gradNorm: 0.8,
    applied: 1,
    logpMismatch: 1e-6,
    tokens: 400,
  };
}

/** A step of 3 samples per prompt; `records[p]`, when given, is the prompt of samples[p]. */
export function fakeStep(step: number, prompts = ['p-1', 'p-2'], records?: readonly SeriesRecord[]): TrainEvent {
  return {
    ...(records === undefined ? {} : { records }),
    kind: 'step',
    step,
    weightVersion: step + 1,
    metrics: fakeMetrics(step),
    seconds: { generate: 0.5, update: 0.25 },
    samples: prompts.map((p, k) => [0, 1, 2].map((i) => fakeSample(p, i, 0.2 * i + 0.1 * k))),
  };
}

export function fakeEval(step: number): TrainEvent {
  return {
    kind: 'eval',
    step,
    report: {
      count: 8,
      classAccuracy: 50,
      affiliationF1: { freq: 40, trend: 60, range: 70, point: 65, average: 58.75 },
      pointF1: 30,
      iou: 20,
      perCategory: {},
    },
  };
}
