/**
 * The paper's output template (docs/METHOD.md §2): one reasoning block, one answer of
 * half-open index intervals, one class label.
 *
 *   <think> Observation: … Reasoning & Validation: … Conclusion: … </think>
 *   <answer>[[120, 150], [610, 640]]</answer>
 *   <class>global point</class>
 *
 * The exact spacing here is what ExpCoT targets and the tokenizer sees, so it
 * is fixed: a space inside the think tags, `, ` between numbers and pairs.
 */
import type { Interval } from '../series/record.js';
import type { AnomalyType } from '../series/labels.js';

/** The three parts of a trace. `think` is free text (an ExpCoT has three sections; not checked here). */
export interface TraceParts {
  readonly think: string;
  readonly intervals: readonly Interval[];
  readonly type: AnomalyType;
}

/** `[[s, e], [s, e]]`, or `[]` when there are no intervals. */
export function formatIntervals(intervals: readonly Interval[]): string {
  return `[${intervals.map(([s, e]) => `[${s}, ${e}]`).join(', ')}]`;
}

/** Render a trace in the paper's template; `parseTrace` reads it back. */
export function formatTrace(t: TraceParts): string {
  return `<think> ${t.think} </think>\n<answer>${formatIntervals(t.intervals)}</answer>\n<class>${t.type}</class>`;
}
