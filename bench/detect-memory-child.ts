/**
 * One measured process of bench/detect-memory.ts. Not for users: the "old" paths below are
 * main's code at 75b7896, before the streaming reader, kept here so both can be measured in
 * the same run; nothing outside this bench calls them.
 *
 *   node --import tsx bench/detect-memory-child.ts <mode> <csv> <outDir> [<checkpoint>]
 *
 * modes
 *   parse-old   read the whole file as one string, split it into line objects, parse (old)
 *   parse-new   readValuesCsv: streamed in 64 KiB chunks into a growable Float64Array (new)
 *   stub-old    old parse + old windowing (every window's features built before decoding)
 *               + annotated PNG + result.json, the policy STUBBED (below)
 *   stub-new    new parse + detectSeries (features and decoding 32 windows at a time)
 *               + annotated PNG + result.json, the policy STUBBED
 *   real-old    the old path with the real policy (openPolicy, ONNX Runtime greedy decoding)
 *   real-new    the new path with the real policy (what cli/commands/detect.ts does)
 *
 * The stub stands in for ONNX Runtime greedy decoding: it answers every window with one fixed
 * trace, so the runs measure reading, windowing, features and output, not the model. Both old
 * and new get the same stub, loaded checkpoint spec (features) and output code.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { mergeWindowIntervals, windowStarts } from '../shared/datasets/window.js';
import { readValuesCsv } from '../shared/datasets/values-csv.js';
import { isNumberText, parseNumberField } from '../shared/datasets/text.js';
import { DataError } from '../shared/errors.js';
import { annotatedPng } from '../shared/plot/annotate.js';
import { normalizeForPlot } from '../shared/plot/normalize.js';
import { loadPolicy } from '../shared/policy/checkpoint.js';
import { patchFeatures } from '../shared/policy/features.js';
import type { ResolvedFeatureOptions } from '../shared/policy/features.js';
import type { GrammarOptions } from '../shared/policy/grammar.js';
import { detectSeries, greedyTraces, openPolicy } from '../shared/policy/inference.js';
import type { DetectResult, WindowAnswer } from '../shared/policy/inference.js';
import type { RolloutPolicy } from '../shared/policy/rollout-policy.js';
import type { AnomalyType } from '../shared/series/labels.js';
import { firstTagContent, parseTrace } from '../shared/trace/parse.js';

export const STUB_TRACE =
  '<think> Observation: stub. Conclusion: nothing stands out, the series is normal. </think>\n<answer>[]</answer>\n<class>normal</class>';

/** A RolloutPolicy that answers every prompt with STUB_TRACE (greedyTraces reads only `sample`). */
const stubPolicy = {
  sample: async (prompts: readonly unknown[]) => prompts.map(() => [{ text: STUB_TRACE }]),
} as unknown as RolloutPolicy;

// ---- old: main's shared/datasets/values-csv.ts and text.ts splitLines (auto column only; errors shortened) ----

function oldSplitLines(text: string): { line: number; text: string }[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const parts = body.split('\n');
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.map((t, i) => ({ line: i + 1, text: t.endsWith('\r') ? t.slice(0, -1) : t }));
}

const NOT_VALUES = /^(timestamp|time|date|datetime|ts|label|labels|is_anomaly|anomaly)$/i;

function oldParseValuesCsv(text: string, file: string): { values: Float64Array; column: string } {
  const lines = oldSplitLines(text).filter((l) => l.text.trim() !== '');
  if (lines.length === 0) throw new DataError(file, 'is empty', { field: 'series' });
  const first = lines[0]!.text.split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
  const header = first.some((f) => !isNumberText(f));
  const rows = header ? lines.slice(1) : lines;
  const ncols = first.length;
  let col: number;
  if (header) {
    const firstRow = rows[0]!.text.split(',');
    col = first.findIndex((n, i) => !NOT_VALUES.test(n) && isNumberText((firstRow[i] ?? '').trim()));
  } else col = ncols - 1;
  const name = header ? first[col]! : `column ${col}`;
  const values = new Float64Array(rows.length);
  rows.forEach((r, k) => {
    const fields = r.text.split(',');
    if (fields.length !== ncols) throw new DataError(file, `has ${fields.length} fields`, { line: r.line, field: 'row' });
    values[k] = parseNumberField(fields[col]!, file, r.line, name);
  });
  return { values, column: name };
}

// ---- old: main's detectSeries — every window's features built before any is decoded ----

async function oldDetectSeries(policy: RolloutPolicy, values: Float64Array, features: ResolvedFeatureOptions, grammar: GrammarOptions): Promise<DetectResult> {
  const n = values.length;
  const L = Math.min(1000, n);
  const x = normalizeForPlot(values, 'robust');
  const starts = windowStarts(n, L, L);
  const feats = { ...features, normalize: 'none' as const };
  const prompts = starts.map((s) => ({
    promptId: `window-${s}`,
    n: Math.min(L, n - s),
    features: patchFeatures(x.subarray(s, s + Math.min(L, n - s)), feats),
  }));
  const texts = await greedyTraces(policy, prompts, grammar, 32);
  const windows: WindowAnswer[] = texts.map((text, k) => {
    const p = parseTrace(text, prompts[k]!.n);
    return { start: starts[k]!, length: prompts[k]!.n, text, intervals: p.intervals ?? [], type: p.type };
  });
  const intervals = mergeWindowIntervals(
    windows.filter((w) => w.type !== 'normal'),
    n,
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

// ---- the rest of `anomseer detect` (cli/commands/detect.ts), shared by old and new ----

async function writeOutputs(out: string, file: string, column: string, points: number, r: DetectResult): Promise<void> {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'plot.png'), await annotatedPng(r.normalized, { predicted: r.intervals, normalize: 'none' }));
  const windows = r.windows.map((w) => ({ start: w.start, length: w.length, type: w.type ?? null, intervals: w.intervals, text: w.text }));
  writeFileSync(join(out, 'result.json'), JSON.stringify({ file, column, points, type: r.type, intervals: r.intervals, windows }, null, 2) + '\n');
}

async function main(): Promise<void> {
  const [mode, file, out, checkpoint] = process.argv.slice(2) as [string, string, string, string | undefined];
  sharp.cache(false);
  if (mode === 'parse-old' || mode === 'parse-new') {
    const { values } = mode === 'parse-old' ? oldParseValuesCsv(readFileSync(file, 'utf8'), file) : await readValuesCsv(file);
    process.stdout.write(JSON.stringify({ points: values.length }) + '\n');
    return;
  }
  const dir = checkpoint ?? 'checkpoints/default';
  const real = mode === 'real-old' || mode === 'real-new';
  const isNew = mode.endsWith('-new');
  const open = real ? await openPolicy(dir) : undefined;
  const loaded = open?.loaded ?? (await loadPolicy(dir));
  const spec = loaded.spec;
  const policy = open?.policy ?? stubPolicy;
  try {
    const parsed = isNew ? await readValuesCsv(file) : oldParseValuesCsv(readFileSync(file, 'utf8'), file);
    const r = isNew
      ? await detectSeries(policy, parsed.values, { features: spec.features, grammar: spec.grammar, spec, tokenizer: loaded.tokenizer })
      : await oldDetectSeries(policy, parsed.values, spec.features, spec.grammar);
    await writeOutputs(out, file, parsed.column, parsed.values.length, r);
    process.stdout.write(JSON.stringify({ points: parsed.values.length, windows: r.windows.length }) + '\n');
  } finally {
    await open?.dispose();
  }
}

await main();
