/** Optimizer pieces for the learner: AdamW, global grad-norm clipping, lr schedules. */
export { AdamW, ADAMW_DEFAULTS, defaultNoDecay } from './adamw.js';
export type { AdamWOptions, AdamWState, NamedParam } from './adamw.js';
export { clipGradNorm, CLIP_EPS, DEFAULT_MAX_NORM } from './grad-clip.js';
export type { ClipResult } from './grad-clip.js';
export { constantLr, scheduleFromConfig, warmupConstantLr, warmupCosineLr, SCHEDULES } from './schedule.js';
export type { LrSchedule, ScheduleConfig, ScheduleName } from './schedule.js';
