/**
 * The job configuration: one schema (job.ts), parsed once at the edge
 * (load.ts, overrides.ts) into a frozen typed JobConfig. See docs/CONFIG.md.
 */
export { t, allowedText, type Field, type Schema, type Infer, type InferSchema } from './schema.js';
export { compile, deepFreeze } from './compile.js';
export { toInput, isSecretKey, REDACTED } from './plain.js';
export { parseDuration, formatDuration, parseSize, formatSize } from './units.js';
export {
  JOB_SCHEMA,
  DEFAULT_JOB,
  compileJobConfig,
  type JobConfig,
  type DataConfig,
  type PolicyConfig,
  type RolloutConfig,
  type TimerpoConfig,
  type OptimConfig,
  type TrainConfig,
  type ClusterConfig,
} from './job.js';
export { loadJobFile, parseJobYaml, describeConfig } from './load.js';
export { applyOverrides, applyOverridesTo, parseSetFlags, parseScalar } from './overrides.js';
export { configReference } from './reference.js';
