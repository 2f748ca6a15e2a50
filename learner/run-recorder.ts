/**
 * Writes a run's record into its directory as it goes (the format is
 * shared/training/run-files.ts): one metrics.jsonl line per warm-start step, RL step and eval,
 * every scored trace of each step, each full eval report, the config, and the summary at the
 * end. Lines are appended and flushed per event, so a killed run keeps everything up to its
 * last event (a line cut short is skipped by the reader). Fed the trainer's TrainEvents.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES, flatNumbers, stepFileName } from '../shared/training/run-files.js';
import type { TrainEvent } from '../shared/training/events.js';

export class RunRecorder {
  constructor(
    private readonly dir: string,
    private readonly clock: () => Date,
  ) {
    mkdirSync(join(dir, RUN_FILES.evals), { recursive: true });
    mkdirSync(join(dir, RUN_FILES.traces), { recursive: true });
  }

  /** The resolved job config, once, when the run starts. */
  writeConfig(config: unknown): void {
    writeFileSync(join(this.dir, RUN_FILES.config), JSON.stringify(config, null, 2) + '\n');
  }

  /** The run's summary (finished or interrupted). */
  writeSummary(summary: unknown): void {
    writeFileSync(join(this.dir, RUN_FILES.summary), JSON.stringify(summary, null, 2) + '\n');
  }

  readonly onEvent = (e: TrainEvent): void => {
    const time = this.clock().toISOString();
    switch (e.kind) {
      case 'warm-start':
        this.line({ kind: 'warm-start', step: e.step, time, ...flatNumbers({ loss: e.loss, gradNorm: e.gradNorm, lr: e.lr }) });
        break;
      case 'step': {
        const rollouts = e.samples.reduce((a, g) => a + g.length, 0);
        const secs = e.seconds.generate + e.seconds.update;
        this.line({
          kind: 'step',
          step: e.step,
          time,
          ...flatNumbers({
            weightVersion: e.weightVersion,
            ...e.metrics,
            lr: e.lr,
            seconds: e.seconds,
            timings: e.timings,
            rolloutsPerSecond: secs > 0 ? rollouts / secs : 0,
            tokensPerSecond: secs > 0 ? e.metrics.tokens / secs : 0,
          }),
        });
        const traces = e.samples.flatMap((g) =>
          g.map((s) =>
            JSON.stringify({
              step: e.step,
              weightVersion: e.weightVersion,
              promptId: s.sample.promptId,
              sampleIndex: s.sample.sampleIndex,
              text: s.sample.text,
              reward: { total: s.reward.total, format: s.reward.format, cls: s.reward.cls, localization: s.reward.localization },
              grounded: s.grounded,
              advMain: s.advMain,
              advGrounded: s.advGrounded,
              advProjected: s.advProjected,
              advantage: s.advantage,
            }),
          ),
        );
        writeFileSync(join(this.dir, RUN_FILES.traces, stepFileName(e.step, '.jsonl')), traces.join('\n') + '\n');
        break;
      }
      case 'eval':
        this.line({ kind: 'eval', step: e.step, time, ...flatNumbers(evalScalars(e.report)) });
        writeFileSync(join(this.dir, RUN_FILES.evals, stepFileName(e.step, '.json')), JSON.stringify(e.report, null, 2) + '\n');
        break;
      case 'checkpoint':
        break;
    }
  };

  private line(o: Record<string, unknown>): void {
    appendFileSync(join(this.dir, RUN_FILES.metrics), JSON.stringify(o) + '\n');
  }
}

/** The scalars of an eval report worth charting (no per-category counts or per-series lists). */
function evalScalars(report: Record<string, unknown>): Record<string, unknown> {
  const f = report.faithfulness as Record<string, unknown> | undefined;
  return {
    classAccuracy: report.classAccuracy,
    affiliationF1: report.affiliationF1,
    pointF1: report.pointF1,
    iou: report.iou,
    formatRate: report.formatRate,
    ...(f === undefined
      ? {}
      : {
          faithfulness: {
            conclusionAgreement: f.conclusionAgreement,
            statedNumberAccuracy: f.statedNumberAccuracy,
            wellFormedIntervals: f.wellFormedIntervals,
          },
        }),
  };
}
