/**
 * The trained policy used on its own, outside training: open a checkpoint, answer prompts by
 * greedy (argmax) constrained decoding, score labelled records (`anomseer eval`, periodic evals
 * during training) and detect anomalies in a user's long series by windows (`anomseer detect`).
 * Every caller goes through `greedyTraces`, so eval, detect and training evals decode alike.
 *
 * Windowed detection: the series is normalised once (default `robust`, docs/PLOTS.md — the
 * policy was trained on AnomLLM's scale, around [-1, 1]), cut into windows of the trained
 * length, each window answered, and the windows' intervals merged back into series indices.
 * The type is the one whose windows claim the most anomalous points.
 */
import { mergeWindowIntervals, windowStarts } from '../datasets/window.js';
import { ShapeError } from '../errors.js';
import { MIN_EXPCOT_LENGTH } from '../expcot/build.js';
import { predictionFromTrace } from '../eval/score.js';
import type { Prediction } from '../eval/score.js';
import { normalizeForPlot } from '../plot/normalize.js';
import type { NormalizeMode } from '../plot/normalize.js';
import { Rng } from '../rng.js';
import type { AnomalyType } from '../series/labels.js';
import type { Interval, SeriesRecord } from '../series/record.js';
import { firstTagContent, parseTrace } from '../trace/parse.js';
import { loadPolicy } from './checkpoint.js';
import type { LoadedPolicy } from './checkpoint.js';
import { patchFeatures } from './features.js';
import type { PatchFeatures, ResolvedFeatureOptions } from './features.js';
import type { GrammarOptions } from './grammar.js';
import { PromptCache } from './prompt-cache.js';
import { grammarFor } from './prompt-grammar.js';
import type { Grammar, GrammarSpec } from './prompt-grammar.js';
import type { Tokenizer } from './tokenizer.js';
import { RolloutPolicy } from './rollout-policy.js';
import type { RolloutPrompt } from './rollout-policy.js';

/** Where and how sessions run: device 'cpu' or 'cuda:N', ONNX Runtime intra-op threads. */
export interface RunOptions {
  readonly device?: string;
  readonly threads?: number;
}

/** A checkpoint opened for inference: its spec and tokenizer, and sessions with its weights. */
export interface OpenPolicy {
  readonly loaded: LoadedPolicy;
  readonly policy: RolloutPolicy;
  dispose(): Promise<void>;
}

/** Load `dir` (a checkpoint or a shipped policy; checksums verified) and build its sessions. */
export async function openPolicy(dir: string, run: RunOptions = {}): Promise<OpenPolicy> {
  const loaded = await loadPolicy(dir);
  const policy = await RolloutPolicy.create(loaded.spec.model, loaded.tokenizer, loaded.params, loaded.weightVersion, run);
  return { loaded, policy, dispose: () => policy.dispose() };
}

/**
 * What greedy decoding needs of a policy: `RolloutPolicy.sample`. A server may pass its own
 * sampler here (serve/ batches concurrent requests' windows into one decode).
 */
export type TraceSampler = Pick<RolloutPolicy, 'sample'>;

/** One greedy trace per prompt, in prompt order (prompts decoded `batchPrompts` at a time, default 64). */
export async function greedyTraces(policy: TraceSampler, prompts: readonly RolloutPrompt[], grammar: GrammarOptions, batchPrompts = 64): Promise<string[]> {
  const groups = await policy.sample(prompts, { groupSize: 1, greedy: true, rng: new Rng(0), grammar, batchPrompts });
  return groups.map((g) => g[0]!.text);
}

export interface PredictionLine {
  readonly id: string;
  /**
   * The trace, when one trace answered the record. A record answered in several windows has
   * none (each window's trace is in `windows`): `eval --predictions` then scores `intervals`
   * and `type`, the merged answer, exactly as this eval did.
   */
  readonly text?: string;
  readonly intervals: readonly (readonly [number, number])[] | null;
  readonly type: string | null;
  readonly windows?: readonly { readonly start: number; readonly length: number; readonly text: string }[];
}

export interface PredictOptions {
  readonly grammar: GrammarOptions;
  readonly features: (r: SeriesRecord) => PatchFeatures;
  /** Each record's grammar (PromptCache.grammar); default: the free trace grammar of its length. */
  readonly grammarOf?: (r: SeriesRecord) => Grammar;
  /**
   * Answer every record as `detect` answers a user's series (detectSeries: normalised as given,
   * cut into windows of `windowLength`, windows merged), instead of one prompt per record as it
   * is. Real data goes this way, so eval and detect agree on the same file.
   */
  readonly windowed?: { readonly windowLength: number; readonly normalize: NormalizeMode; readonly detect: Omit<DetectOptions, 'windowLength' | 'normalize'> };
  /** Prompts decoded together (default 64). */
  readonly batchPrompts?: number;
  /** Called after each batch with (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * The policy's answers on labelled records, one greedy trace per series, parsed into
 * predictions that shared/eval scores exactly as it scores anyone else's answers
 * (`anomseer eval --predictions`).
 */
export async function predictRecords(
  policy: TraceSampler,
  records: readonly SeriesRecord[],
  o: PredictOptions,
): Promise<{ predictions: Map<string, Prediction>; lines: PredictionLine[] }> {
  const per = o.batchPrompts ?? 64;
  const predictions = new Map<string, Prediction>();
  const lines: PredictionLine[] = [];
  if (o.windowed !== undefined) {
    // One queue of windows over all records, so short records decode many to a batch.
    const { windowLength, normalize, detect } = o.windowed;
    await detectMany(
      policy,
      records.map((r) => r.series),
      { ...detect, windowLength, normalize },
      (k, d) => {
        const r = records[k]!;
        predictions.set(r.id, { intervals: d.intervals, type: d.type, formatOk: true });
        const intervals = d.intervals.map(([s, e]) => [s, e] as const);
        lines.push(
          d.windows.length === 1
            ? { id: r.id, text: d.windows[0]!.text, intervals, type: d.type }
            : { id: r.id, intervals, type: d.type, windows: d.windows.map((w) => ({ start: w.start, length: w.length, text: w.text })) },
        );
        o.onProgress?.(k + 1, records.length);
      },
    );
    return { predictions, lines };
  }
  for (let i = 0; i < records.length; i += per) {
    const chunk = records.slice(i, i + per);
    const texts = await greedyTraces(
      policy,
      chunk.map((r) => ({ promptId: r.id, n: r.series.length, features: o.features(r), ...(o.grammarOf === undefined ? {} : { grammar: o.grammarOf(r) }) })),
      o.grammar,
      per,
    );
    chunk.forEach((r, k) => {
      const text = texts[k]!;
      const p = predictionFromTrace(text, r.series.length);
      predictions.set(r.id, p);
      lines.push({ id: r.id, text, intervals: p.intervals === null ? null : p.intervals.map(([s, e]) => [s, e] as const), type: p.type ?? null });
    });
    o.onProgress?.(Math.min(records.length, i + per), records.length);
  }
  return { predictions, lines };
}

/** Run a saved policy (a checkpoint directory) on records: greedy traces and predictions. */
export async function predictWithCheckpoint(
  dir: string,
  records: readonly SeriesRecord[],
  opts: RunOptions & { onProgress?: (done: number, total: number) => void; windowed?: { windowLength: number; normalize: NormalizeMode } } = {},
): Promise<{ predictions: Map<string, Prediction>; lines: PredictionLine[] }> {
  const open = await openPolicy(dir, opts);
  const { spec, tokenizer } = open.loaded;
  const cache = new PromptCache(spec, tokenizer);
  try {
    return await predictRecords(open.policy, records, {
      grammar: spec.grammar,
      features: (r) => cache.features(r),
      grammarOf: (r) => cache.grammar(r),
      onProgress: opts.onProgress,
      ...(opts.windowed === undefined ? {} : { windowed: { ...opts.windowed, detect: { features: spec.features, grammar: spec.grammar, spec, tokenizer } } }),
    });
  } finally {
    await open.dispose();
  }
}

export interface DetectOptions {
  readonly features: ResolvedFeatureOptions;
  readonly grammar: GrammarOptions;
  /** The policy's spec and tokenizer: needed for a faithful trace (each window states its own facts). */
  readonly spec: GrammarSpec;
  readonly tokenizer: Tokenizer;
  /** Points per window (default 1000, the benchmark length the policy was trained on). */
  readonly windowLength?: number;
  /** Window step (default = windowLength: no overlap). */
  readonly stride?: number;
  /** How the raw values are scaled before plotting (default 'robust'). */
  readonly normalize?: NormalizeMode;
  /** Windows featurised and decoded together (default 32); bounds the memory of the features. */
  readonly batchWindows?: number;
  /** Called after each batch with (windows done, windows in all). */
  readonly onProgress?: (done: number, total: number) => void;
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

/**
 * Fewest points `detect` answers: the analyses and the classical detector behind the policy's
 * inputs, and the ExpCoT it was taught to write, need 16 (MIN_EXPCOT_LENGTH, MIN_DETECT_LENGTH).
 */
export const MIN_DETECT_POINTS = MIN_EXPCOT_LENGTH;

/**
 * The policy on a user's series of any length: windows of the trained length, merged back. A
 * series shorter than one window is one window of its own length. Windows are featurised and
 * decoded `batchWindows` at a time, so memory beyond the series is one batch of features
 * (~124 KB a window for the shipped policy), whatever the length; the answers are the same
 * as decoding all windows at once (greedy decoding is per prompt).
 */
export async function detectSeries(policy: TraceSampler, values: Float64Array, o: DetectOptions): Promise<DetectResult> {
  let result: DetectResult | undefined;
  await detectMany(policy, [values], o, (_, r) => {
    result = r;
  });
  return result!;
}

/**
 * `detectSeries` on several series at once, with one queue of windows: a batch of
 * `batchWindows` windows may span series, so many short series (one window each) decode
 * `batchWindows` at a time instead of one by one. Each series' answer is exactly what
 * `detectSeries` gives it alone (greedy decoding is per prompt). `onSeries(k, result)` is
 * called in series order as soon as series k's last window is answered; a series is
 * normalised only when its first window enters a batch, so memory beyond the inputs is one
 * batch of features plus the normalised copies of the series in flight (and the results the
 * caller keeps). `o.onProgress` counts windows over all series. A series shorter than
 * MIN_DETECT_POINTS is a ShapeError, raised before any decoding.
 */
export async function detectMany(
  policy: TraceSampler,
  series: readonly Float64Array[],
  o: DetectOptions,
  onSeries: (k: number, result: DetectResult) => void,
): Promise<void> {
  for (const values of series) {
    if (values.length < MIN_DETECT_POINTS)
      throw new ShapeError(`detectSeries: the series has ${values.length} points; detect needs at least ${MIN_DETECT_POINTS}`);
  }
  const per = o.batchWindows ?? 32;
  const feats = { ...o.features, normalize: 'none' as const };
  const plans = series.map((values) => {
    const L = Math.min(o.windowLength ?? 1000, values.length);
    return { L, starts: windowStarts(values.length, L, o.stride ?? L) };
  });
  const total = plans.reduce((t, p) => t + p.starts.length, 0);
  const normalized = new Map<number, Float64Array>();
  const answers: WindowAnswer[][] = series.map(() => []);
  // The queue: (series k, window w) in order; `next` is the first window not yet in a batch.
  let k = 0,
    w = 0,
    done = 0,
    finished = 0;
  while (done < total) {
    const batch: { k: number; w: number; prompt: RolloutPrompt }[] = [];
    while (batch.length < per && k < series.length) {
      let x = normalized.get(k);
      if (x === undefined) normalized.set(k, (x = normalizeForPlot(series[k]!, o.normalize ?? 'robust')));
      const { L, starts } = plans[k]!;
      const s = starts[w]!;
      const len = Math.min(L, x.length - s);
      const win = x.subarray(s, s + len);
      const grammar = o.spec.trace === 'faithful' ? grammarFor({ ...o.spec, features: feats }, o.tokenizer, win) : undefined;
      batch.push({
        k,
        w,
        prompt: { promptId: `window-${k}-${s}`, n: len, features: patchFeatures(win, feats), ...(grammar === undefined ? {} : { grammar }) },
      });
      if (++w === starts.length) [k, w] = [k + 1, 0];
    }
    const texts = await greedyTraces(
      policy,
      batch.map((b) => b.prompt),
      o.grammar,
      per,
    );
    texts.forEach((text, i) => {
      const b = batch[i]!;
      const p = parseTrace(text, b.prompt.n);
      answers[b.k]!.push({ start: plans[b.k]!.starts[b.w]!, length: b.prompt.n, text, intervals: p.intervals ?? [], type: p.type });
    });
    done += batch.length;
    o.onProgress?.(done, total);
    // Series whose every window is answered, in order.
    while (finished < series.length && answers[finished]!.length === plans[finished]!.starts.length) {
      const x = normalized.get(finished)!;
      normalized.delete(finished);
      const windows = answers[finished]!;
      answers[finished] = [];
      onSeries(finished, mergeWindows(windows, x));
      finished++;
    }
  }
}

/** The windows' answers as one answer on the whole series (see DetectResult). */
function mergeWindows(windows: readonly WindowAnswer[], x: Float64Array): DetectResult {
  const intervals = mergeWindowIntervals(
    windows.filter((w) => w.type !== 'normal'),
    x.length,
  );
  const claimed = new Map<AnomalyType, number>();
  let best: WindowAnswer = windows[0]!;
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
