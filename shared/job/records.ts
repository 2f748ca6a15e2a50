/**
 * The records of a job, the same in every process (the coordinator hands out the training
 * prompts, the learner and the single-process trainer score them):
 *
 * - training prompts: the labelled records of `data.train`, each brought to
 *   `data.seriesLength` points by `data.fit` — cut into windows at full resolution (default),
 *   mean-pooled, or kept whole. A record already at most that long stays itself (same id), so
 *   the AnomLLM protocol's 1000-point records are the prompts as they are. With
 *   `data.windowOffset: random` a long record's windows start at a point drawn from its id.
 * - eval records: the labelled records of `data.eval`, whole; a record longer than the
 *   policy's window is answered window by window and merged, exactly as `detect` does
 *   (shared/policy/inference.ts), so eval and detect agree on the same file.
 *
 * Example: a 2,500-point NAB series with seriesLength 1000 gives three training prompts,
 * `<id>#w0`, `<id>#w1000`, `<id>#w1500` (shared/datasets/window.ts). A 600-point synth series
 * stays one prompt of 600 points, as `detect` answers a short series in one window.
 *
 * A `mix:` spec (shared/datasets/mix.ts) fits each part's records first, then takes its shares,
 * so `mix:1@anomllm:train|1@synth:train` is half protocol records, half synth *windows*.
 */
import type { JobConfig } from '../config/job.js';
import { fitToLength } from '../datasets/fit-length.js';
import { loadDataSpec } from '../datasets/spec.js';
import type { SeriesRecord } from '../series/record.js';

/** Labelled records only: real data without a class (`unknown`) cannot be rewarded. */
const labelled = (records: readonly SeriesRecord[]) => records.filter((r) => r.type !== 'unknown');

/** The training prompts of a job (see the file comment). */
export async function trainingRecords(job: JobConfig): Promise<SeriesRecord[]> {
  const fit = { length: job.data.seriesLength, mode: job.data.fit, windowOffset: job.data.windowOffset };
  return loadDataSpec(job.data.train, { prepare: (records) => labelled(records).flatMap((r) => fitToLength(r, fit)) });
}

/** The eval records of a job, whole (see the file comment). */
export async function evalRecords(job: JobConfig): Promise<SeriesRecord[]> {
  return labelled(await loadDataSpec(job.data.eval));
}
