/**
 * Registry of the generator tasks: each task name maps to its label
 * (docs/METHOD.md §3 table) and the function that draws one series.
 */
import type { AnomalyType, TaskName } from '../series/labels.js';
import type { DrawFn } from './draw.js';
import { drawFreq } from './freq.js';
import { withNoise } from './noise.js';
import { drawPoint } from './point.js';
import { drawRange } from './range.js';
import { drawShapelet } from './shapelet.js';
import { drawFlatTrend, drawTrend } from './trend.js';

export interface TaskSpec {
  /** Label of a series that got at least one interval (otherwise `normal`). */
  readonly label: Exclude<AnomalyType, 'normal'>;
  readonly draw: DrawFn;
}

export const TASK_SPECS: Readonly<Record<TaskName, TaskSpec>> = {
  range: { label: 'global point', draw: (rng, n) => drawRange(rng, n) },
  point: { label: 'contextual point', draw: (rng, n) => drawPoint(rng, n) },
  freq: { label: 'seasonal', draw: (rng, n) => drawFreq(rng, n) },
  trend: { label: 'trend', draw: (rng, n) => drawTrend(rng, n) },
  'flat-trend': { label: 'trend', draw: drawFlatTrend },
  'noisy-point': { label: 'contextual point', draw: withNoise((rng, n) => drawPoint(rng, n)) },
  'noisy-freq': { label: 'seasonal', draw: withNoise((rng, n) => drawFreq(rng, n)) },
  'noisy-trend': { label: 'trend', draw: withNoise((rng, n) => drawTrend(rng, n)) },
  shapelet: { label: 'shapelet', draw: (rng, n) => drawShapelet(rng, n) },
};
