/**
 * The paper's reward (docs/METHOD.md §5):
 *
 *   R = 0.1·format + 0.2·class + 0.7·localization
 *
 * - format = 1 when `<think>…</think>`, a parseable `<answer>` and a `<class>`
 *   that normalises are all present (ParsedTrace.formatOk), else 0;
 * - class = 1 when the normalised class equals the true type, else 0 (a record
 *   of type `unknown` — real data without a class label — never earns it);
 * - localization = mean of six numbers: point-wise P, R, F1 and affiliation
 *   P, R, F1, with both-empty → all 1, exactly-one-empty → all 0, and an
 *   unparseable answer → all 0.
 *
 * The weights are configurable; they are validated (finite, ≥ 0) but need not
 * sum to 1 — with the defaults they do, so R ∈ [0, 1].
 *
 * Beyond the paper, `mix` weighs the localization term's parts: affiliation (mean of its
 * P, R, F1), point-wise (mean of its P, R, F1) and mean interval IoU. The default mix
 * (1, 1, 0) is exactly the paper's mean of six numbers; adding IoU rewards boundaries that
 * are right to the point, which the lenient affiliation numbers barely see.
 */
import { ConfigError } from '../errors.js';
import type { Interval, RecordType } from '../series/record.js';
import type { ParsedTrace } from '../trace/parse.js';
import { pointwise, type PRF } from '../metrics/pointwise.js';
import { affiliation } from '../metrics/affiliation.js';
import { meanIntervalIoU } from '../metrics/iou.js';

export interface RewardWeights {
  readonly format: number;
  readonly class: number;
  readonly localization: number;
}

/** Paper weights: 0.1 format, 0.2 class, 0.7 localization. */
export const DEFAULT_REWARD_WEIGHTS: RewardWeights = Object.freeze({ format: 0.1, class: 0.2, localization: 0.7 });

export interface RewardBreakdown {
  /** Weighted sum. */
  readonly total: number;
  /** 0 or 1. */
  readonly format: number;
  /** 0 or 1. */
  readonly cls: number;
  /** Mean of the six localization numbers, in [0, 1]. */
  readonly localization: number;
  readonly parts: { readonly pointwise: PRF; readonly affiliation: PRF };
}

const ZERO: PRF = Object.freeze({ precision: 0, recall: 0, f1: 0 });

/**
 * Validate reward weights from config: an object with finite, non-negative
 * `format`, `class` and `localization`. Missing keys take the defaults;
 * unknown keys are refused (a typo should not silently weigh nothing).
 */
export function validateRewardWeights(input: unknown, field = 'reward.weights'): RewardWeights {
  if (input === undefined) return DEFAULT_REWARD_WEIGHTS;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError(field, `must be an object with format, class and localization weights; got ${JSON.stringify(input)}`);
  }
  const obj = input as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!(key in DEFAULT_REWARD_WEIGHTS)) throw new ConfigError(`${field}.${key}`, `is not a reward weight; allowed: format, class, localization`);
  }
  const pick = (key: keyof RewardWeights): number => {
    const v = obj[key] ?? DEFAULT_REWARD_WEIGHTS[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new ConfigError(`${field}.${key}`, `is ${JSON.stringify(v) ?? String(v)}; must be a finite number >= 0`);
    }
    return v;
  };
  return Object.freeze({ format: pick('format'), class: pick('class'), localization: pick('localization') });
}

/** Weights of the localization term's parts (defaults: the paper's mean of six numbers). */
export interface LocalizationMix {
  readonly affiliation: number;
  readonly pointwise: number;
  readonly iou: number;
}

export const PAPER_LOCALIZATION: LocalizationMix = Object.freeze({ affiliation: 1, pointwise: 1, iou: 0 });

/** Mean of point-wise and affiliation P, R, F1 (six numbers), or the weighted mix with IoU. */
export function localizationScore(p: PRF, a: PRF, iou = 0, mix: LocalizationMix = PAPER_LOCALIZATION): number {
  const total = mix.affiliation + mix.pointwise + mix.iou;
  const pw = (p.precision + p.recall + p.f1) / 3;
  const af = (a.precision + a.recall + a.f1) / 3;
  return (mix.affiliation * af + mix.pointwise * pw + mix.iou * iou) / total;
}

/**
 * Reward of one parsed trace against the truth of a series of `length` points.
 * Throws ConfigError for bad weights.
 */
export function reward(
  parsed: ParsedTrace,
  truth: { readonly intervals: readonly Interval[]; readonly type: RecordType },
  length: number,
  weights: RewardWeights = DEFAULT_REWARD_WEIGHTS,
  mix: LocalizationMix = PAPER_LOCALIZATION,
): RewardBreakdown {
  const w = weights === DEFAULT_REWARD_WEIGHTS ? weights : validateRewardWeights(weights);
  const format = parsed.formatOk ? 1 : 0;
  const cls = parsed.type !== undefined && parsed.type === truth.type ? 1 : 0;
  const pw = parsed.intervals === null ? ZERO : pointwise(truth.intervals, parsed.intervals, length);
  const af = parsed.intervals === null ? ZERO : affiliation(truth.intervals, parsed.intervals, length);
  const iou = parsed.intervals === null || mix.iou === 0 ? 0 : meanIntervalIoU(truth.intervals, parsed.intervals, length);
  const localization = localizationScore(pw, af, iou, mix);
  const total = w.format * format + w.class * cls + w.localization * localization;
  return { total, format, cls, localization, parts: { pointwise: pw, affiliation: af } };
}
