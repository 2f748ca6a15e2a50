/**
 * The six class labels of docs/METHOD.md §2, the generator task names of docs/METHOD.md §3, and
 * the categories that the paper's table reports (docs/METHOD.md §7).
 */
export const ANOMALY_TYPES = ['contextual point', 'global point', 'seasonal', 'trend', 'shapelet', 'normal'] as const;
export type AnomalyType = (typeof ANOMALY_TYPES)[number];

export const TASKS = ['range', 'point', 'freq', 'trend', 'flat-trend', 'noisy-point', 'noisy-freq', 'noisy-trend', 'shapelet'] as const;
export type TaskName = (typeof TASKS)[number];

/** The eight AnomLLM training/eval tasks (shapelet is held out: never trained on). */
export const ANOMLLM_TASKS = TASKS.filter((t) => t !== 'shapelet') as Exclude<TaskName, 'shapelet'>[];

/** Categories of the results table, in the paper's column order. */
export const CATEGORIES = ['freq', 'trend', 'range', 'point'] as const;
export type Category = (typeof CATEGORIES)[number];

/**
 * The broader generator's tasks (shared/synth, docs/DATA-GENERATOR.md "Synth tasks"):
 * realistic backgrounds, 250–4,000 points, 0–50 anomalies. Never AnomLLM task names.
 */
export const SYNTH_TASKS = [
  'global-spikes',
  'contextual-spikes',
  'dense-points',
  'level-shift',
  'pattern',
  'seasonal-change',
  'trend-change',
  'multi-type',
  'pulse-cycles',
] as const;
export type SynthTaskName = (typeof SYNTH_TASKS)[number];

/**
 * The results-table column of each synth task: a paper category where the task clearly
 * belongs (its only label is that category's label), its own name otherwise, so the
 * paper's four columns and their average stay comparable.
 */
export const SYNTH_TASK_CATEGORIES: Readonly<Record<SynthTaskName, string>> = Object.freeze({
  'global-spikes': 'range',
  'contextual-spikes': 'point',
  'dense-points': 'dense-points',
  'level-shift': 'range',
  pattern: 'pattern',
  'seasonal-change': 'freq',
  'trend-change': 'trend',
  'multi-type': 'multi-type',
  'pulse-cycles': 'pulse-cycles',
});

export function isSynthTask(task: string): task is SynthTaskName {
  return (SYNTH_TASKS as readonly string[]).includes(task);
}

/**
 * A task's category: a synth task's entry in SYNTH_TASK_CATEGORIES; otherwise the
 * task with `noisy-`/`flat-` dropped (`shapelet` is its own).
 */
export function categoryOf(task: string): string {
  if (isSynthTask(task)) return SYNTH_TASK_CATEGORIES[task];
  return task.replace(/^(noisy-|flat-)/, '');
}

export function isAnomalyType(x: unknown): x is AnomalyType {
  return typeof x === 'string' && (ANOMALY_TYPES as readonly string[]).includes(x);
}

/**
 * Normalise a class string as docs/METHOD.md §2 says: case-insensitive, surrounding
 * space and quotes dropped, inner whitespace/underscores/hyphens folded,
 * "contextual" → "contextual point", "global" → "global point".
 * Returns undefined when the text names no known class.
 */
export function normalizeClass(text: string): AnomalyType | undefined {
  const t = text
    .trim()
    .replace(/^["'`]+|["'`.]+$/g, '')
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ')
    .trim();
  if (t === 'contextual' || t === 'contextual point' || t === 'contextual point anomaly') return 'contextual point';
  if (t === 'global' || t === 'global point' || t === 'global point anomaly') return 'global point';
  const bare = t.replace(/ anomaly$/, '');
  return isAnomalyType(bare) ? bare : undefined;
}
