/**
 * The trained policy on a user's series (`anomseer detect`): the series is normalised
 * once (default `robust`, docs/PLOTS.md — the policy was trained on AnomLLM's scale,
 * around [-1, 1]), cut into windows of the trained length, each window answered by greedy
 * constrained decoding, and the windows' intervals merged back into series indices.
 * The type is the one whose windows claim the most anomalous points.
 */
import { mergeWindowIntervals, windowStarts } from '../shared/datasets/window.js';
import { normalizeForPlot } from '../shared/plot/normalize.js';
import type { NormalizeMode } from '../shared/plot/normalize.js';
import { patchFeatures } from '../shared/policy/features.js';
import type { ResolvedFeatureOptions } from '../shared/policy/features.js';
import type { GrammarOptions } from '../shared/policy/grammar.js';
import { Rng } from '../shared/rng.js';
import type { AnomalyType } from '../shared/series/labels.js';
import type { Interval } from '../shared/series/record.js';
import { firstTagContent, parseTrace } from '../shared/trace/parse.js';
import type { RolloutPolicy } from './rollout-policy.js';

export interface DetectOptions {
  readonly features: ResolvedFeatureOptions;
  readonly grammar: GrammarOptions;
  /** Points per window (default 1000, the benchmark length the policy was trained on). */
  readonly windowLength?: number;
  /** Window step (default = windowLength: no overlap). */
  readonly stride?: number;
  /** How the raw values are scaled before plotting (default 'robust'). */
  readonly normalize?: NormalizeMode;
}

export interface WindowAnswer {
  readonly start: number;
  readonly length: number;
  readonly text: string;
  /** Window-relative, half-open. */
  readonly intervals: readonly Interval[];
  readonly type: AnomalyType | undefined;
}

export interface DetectResult {
  /** Series-relative, half-open, merged across windows. */
  readonly intervals: Interval[];
  readonly type: AnomalyType;
  /** The reasoning of the window with the most anomalous points (or the first window). */
  readonly explanation: string;
  readonly normalized: Float64Array;
  readonly windows: readonly WindowAnswer[];
}

export async function detectSeries(policy: RolloutPolicy, values: Float64Array, o: DetectOptions): Promise<DetectResult> {
  const n = values.length;
  const L = Math.min(o.windowLength ?? 1000, n);
  const x = normalizeForPlot(values, o.normalize ?? 'robust');
  const starts = windowStarts(n, L, o.stride ?? L);
  const feats = { ...o.features, normalize: 'none' as const };
  const prompts = starts.map((s) => ({ promptId: `window-${s}`, n: Math.min(L, n - s), features: patchFeatures(x.subarray(s, s + Math.min(L, n - s)), feats) }));
  const groups = await policy.sample(prompts, { groupSize: 1, greedy: true, rng: new Rng(0), grammar: o.grammar });
  const windows: WindowAnswer[] = groups.map((g, k) => {
    const p = parseTrace(g[0].text, prompts[k].n);
    return { start: starts[k], length: prompts[k].n, text: g[0].text, intervals: p.intervals ?? [], type: p.type };
  });
  const intervals = mergeWindowIntervals(windows.filter((w) => w.type !== 'normal'), n);
  const claimed = new Map<AnomalyType, number>();
  let best: WindowAnswer = windows[0];
  let bestLen = 0;
  for (const w of windows) {
    if (w.type === undefined || w.type === 'normal') continue;
    const len = w.intervals.reduce((t, [a, b]) => t + b - a, 0);
    claimed.set(w.type, (claimed.get(w.type) ?? 0) + len);
    if (len > bestLen) [best, bestLen] = [w, len];
  }
  let type: AnomalyType = 'normal';
  let most = 0;
  for (const [t, len] of claimed) if (len > most) [type, most] = [t, len];
  if (intervals.length === 0) type = 'normal';
  return { intervals, type, explanation: firstTagContent(best.text, 'think') ?? '', normalized: x, windows };
}
