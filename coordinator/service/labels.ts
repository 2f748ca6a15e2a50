/** A record's label as it travels to the learner (TakeGroups: each group carries its prompt's truth). */
import type { AnomalyType as WireAnomalyType, PromptLabel } from '../../proto/types.js';
import type { SeriesRecord } from '../../shared/series/record.js';

const WIRE_TYPES: Readonly<Record<string, WireAnomalyType>> = Object.freeze({
  'contextual point': 'ANOMALY_TYPE_CONTEXTUAL_POINT',
  'global point': 'ANOMALY_TYPE_GLOBAL_POINT',
  seasonal: 'ANOMALY_TYPE_SEASONAL',
  trend: 'ANOMALY_TYPE_TREND',
  shapelet: 'ANOMALY_TYPE_SHAPELET',
  normal: 'ANOMALY_TYPE_NORMAL',
});

/** The label of a record as it travels to the learner. */
export function labelOf(r: SeriesRecord): PromptLabel {
  return { anomaly_type: WIRE_TYPES[r.type] ?? 'ANOMALY_TYPE_UNSPECIFIED', intervals: r.intervals.map(([start, end]) => ({ start, end })) };
}
