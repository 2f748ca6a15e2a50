/**
 * One detect request answered: the same calls as `anomseer detect` (cli/commands/detect.ts) —
 * shared/policy/inference.ts `detectSeries` on the values with the checkpoint's features and
 * grammar, and shared/plot/annotate.ts `annotatedPng` for the plot — so the server's answer
 * equals the command's on the same values (tests/serve/http.test.ts checks it). Only the
 * sampler differs: the server's batches windows of concurrent requests, which changes no trace.
 *
 * Answer fields (JSON names; the gRPC message has the same in snake_case):
 *   type          the type whose windows claim the most anomalous points ('normal' when none)
 *   intervals     [[start, end), …] series-relative, merged across windows
 *   explanation   the <think> text of the window with the most anomalous points
 *   windows       [{ start, length, type, intervals (window-relative), text }] as detect's result.json
 *   trace         the whole trace of the window the explanation comes from
 *   timeIntervals [[first, last], …] the intervals as the request's timestamps (inclusive), when sent
 *   plotPng       the annotated plot (PNG) when asked for
 */
import { annotatedPng } from '../shared/plot/annotate.js';
import { detectSeries } from '../shared/policy/inference.js';
import type { TraceSampler } from '../shared/policy/inference.js';
import type { Tokenizer } from '../shared/policy/tokenizer.js';
import type { PolicySpec } from '../shared/policy/spec.js';
import type { AnomalyType } from '../shared/series/labels.js';
import type { Interval } from '../shared/series/record.js';
import { firstTagContent } from '../shared/trace/parse.js';
import type { DetectInput } from './detect-request.js';

export interface WindowJson {
  readonly start: number;
  readonly length: number;
  readonly type: AnomalyType | null;
  readonly intervals: readonly Interval[];
  readonly text: string;
}

export interface DetectAnswer {
  readonly type: AnomalyType;
  readonly intervals: readonly Interval[];
  readonly explanation: string;
  readonly windows: readonly WindowJson[];
  readonly trace: string;
  readonly timeIntervals?: readonly (readonly [string | number, string | number])[];
  readonly plotPng?: Buffer;
}

/** Answers detect requests with one policy's spec through `sampler`. */
export function detectAnswerer(sampler: TraceSampler, spec: PolicySpec, tokenizer: Tokenizer): (input: DetectInput) => Promise<DetectAnswer> {
  return async (input) => {
    const r = await detectSeries(sampler, input.values, {
      features: spec.features,
      grammar: spec.grammar,
      spec,
      tokenizer,
      windowLength: input.window,
      normalize: input.normalize,
    });
    const windows = r.windows.map((w) => ({ start: w.start, length: w.length, type: w.type ?? null, intervals: w.intervals, text: w.text }));
    // The explanation is the <think> text of one window; its trace is the first window saying it.
    const source = r.windows.find((w) => (firstTagContent(w.text, 'think') ?? '') === r.explanation) ?? r.windows[0]!;
    const ts = input.timestamps;
    return {
      type: r.type,
      intervals: r.intervals,
      explanation: r.explanation,
      windows,
      trace: source.text,
      ...(ts === undefined ? {} : { timeIntervals: r.intervals.map(([s, e]) => [ts[s]!, ts[e - 1]!] as const) }),
      ...(input.plot ? { plotPng: await annotatedPng(r.normalized, { predicted: r.intervals, normalize: 'none' }) } : {}),
    };
  };
}
