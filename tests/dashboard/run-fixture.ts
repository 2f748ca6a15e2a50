// Run directories written by hand for the runs dashboard's unit tests, in the format of
// docs/RUNS.md (learner/run-recorder.ts writes the same): run.json, config.json, metrics.jsonl
// lines, traces/step-NNNNNN.jsonl, evals/step-NNNNNN.json and, when the run ended, summary.json.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stepFileName } from '../../shared/training/run-files.js';
import type { TraceLine } from '../../shared/training/run-files.js';

/** The metrics.jsonl line of RL step `step`: reward = step / 100, lr = 1e-3 / step. */
export const stepLine = (step: number, extra: Record<string, number | null> = {}) => ({
  kind: 'step',
  step,
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, step)).toISOString(),
  reward: step / 100,
  grounded: 0.5,
  lr: 1e-3 / step,
  loss: 1 / step,
  'seconds.generate': 2,
  ...extra,
});

export const evalLine = (step: number, average: number) => ({
  kind: 'eval',
  step,
  time: new Date(Date.UTC(2026, 0, 1, 1, 0, step)).toISOString(),
  classAccuracy: 90,
  'affiliationF1.average': average,
  pointF1: average - 10,
  iou: average - 20,
});

export function trace(step: number, promptId: string, sampleIndex: number): TraceLine {
  return {
    step,
    weightVersion: step + 1,
    promptId,
    sampleIndex,
    text: `<think>step ${step}</think>\n<answer>[[10, 20]]</answer>\n<class>global point</class>`,
    reward: { total: 0.5, format: 1, cls: 1, localization: 0.3 },
    grounded: 0.4,
    advMain: 0.1,
    advGrounded: -0.1,
    advProjected: 0.05,
    advantage: 0.15,
  };
}

export interface FixtureRun {
  readonly dir: string;
  /** Append lines to metrics.jsonl (one JSON object per line). */
  lines(objs: readonly object[]): void;
  traces(step: number, ts: readonly TraceLine[]): void;
  evalReport(step: number, report: object): void;
  summary(s: object): void;
}

export function fixtureRun(root: string, name: string, opts: { steps?: number; createdAt?: string } = {}): FixtureRun {
  const dir = join(root, name);
  mkdirSync(join(dir, 'traces'), { recursive: true });
  mkdirSync(join(dir, 'evals'), { recursive: true });
  writeFileSync(
    join(dir, 'run.json'),
    JSON.stringify({ jobId: `${name}-0123456789ab`, configHash: 'f'.repeat(64), createdAt: opts.createdAt ?? '2026-01-01T00:00:00.000Z' }),
  );
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      name,
      outputDir: dir,
      train: { steps: opts.steps ?? 10 },
      data: { train: 'anomllm:train?count=1&length=128&tasks=range', seriesLength: 128 },
    }),
  );
  return {
    dir,
    lines: (objs) => appendFileSync(join(dir, 'metrics.jsonl'), objs.map((o) => JSON.stringify(o) + '\n').join('')),
    traces: (step, ts) => writeFileSync(join(dir, 'traces', stepFileName(step, '.jsonl')), ts.map((t) => JSON.stringify(t)).join('\n') + '\n'),
    evalReport: (step, report) => writeFileSync(join(dir, 'evals', stepFileName(step, '.json')), JSON.stringify(report, null, 2)),
    summary: (s) => writeFileSync(join(dir, 'summary.json'), JSON.stringify(s)),
  };
}
