/**
 * The job configuration: one schema for every process of a training job
 * (coordinator, rollout workers, learner, CLI). Each entry point compiles it
 * once — file → `--set` flags → compileJobConfig — and passes the frozen
 * JobConfig (or one section of it) down; nothing below main.ts reads a file,
 * a flag or process.env for these values.
 *
 * Keys are camelCase in TypeScript and in YAML alike (`seriesLength`, not
 * `series_length`; the snake_case spelling is refused with a hint).
 * Durations compile to milliseconds and sizes to bytes. Defaults marked
 * (paper) are docs/METHOD.md §5–§6's; the policy's size defaults are the shipped policies'
 * (docs/POLICY.md "Model"). docs/CONFIG.md is generated from the doc strings here.
 */
import { ConfigError } from '../errors.js';
import { ESTIMATORS, type EstimatorName } from '../timerpo/advantage.js';
import { OT_DEFAULTS } from '../timerpo/sinkhorn.js';
import { SURROGATE_DEFAULTS } from '../timerpo/surrogate.js';
import { DEFAULT_REWARD_WEIGHTS, validateRewardWeights } from '../reward/reward.js';
import { FIT_MODES, WINDOW_OFFSETS } from '../datasets/fit-length.js';
import { SCHEDULES, type ScheduleName } from '../optim/schedule.js';
import { compile } from './compile.js';
import { type Infer, t } from './schema.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

const DATA = t.object(
  {
    train: t.dataSpec({ default: 'anomllm:train', doc: 'Training records (seed 3407, 400 series per task by default).' }),
    eval: t.dataSpec({ default: 'anomllm:eval', doc: 'Evaluation records for periodic and final eval (seed 42).' }),
    seriesLength: t.number({
      integer: true,
      min: 8,
      max: 1_000_000,
      default: 1000,
      doc: 'Points per prompt; records of other lengths are brought to it by `fit`.',
    }),
    fit: t.enum(FIT_MODES, {
      default: 'window',
      doc: 'How a record of another length becomes prompts: cut into windows, mean-pool to the length, or keep as is.',
    }),
    windowOffset: t.enum(WINDOW_OFFSETS, {
      default: 'start',
      doc: "Where a long training record's first window starts (fit: window): at its first point, or at a point drawn from its id in [0, min(seriesLength, n − seriesLength)], so windows meet cycles at every phase. Eval and detect always window from the first point.",
    }),
  },
  { doc: 'Where the series come from and how they are shaped into prompts.' },
);

const POLICY_INPUTS = t.object(
  {
    plot: t.boolean({ default: true, doc: 'Show the policy the clean line chart, as a raster.' }),
    values: t.boolean({ default: true, doc: 'Show the policy the series values as numbers.' }),
    analyses: t.boolean({ default: false, doc: 'Show the policy the classical analyses (stats, FFT, matrix profile) as text.' }),
    detector: t.boolean({
      default: false,
      doc: "Show the policy the blind classical detector's verdict (detected intervals per column, detected type); needs analyses.",
    }),
    detectorOrdinals: t.boolean({
      default: false,
      doc: 'Also show which detected interval (1st, 2nd, …) starts and ends in each column, and how many there are; needs detector.',
    }),
    slopeChange: t.boolean({
      default: false,
      doc: 'Also show a scan for changes of slope under the seasonal background (two channels: the best change starting and ending in each column; docs/POLICY.md §features), the evidence for trend anomalies that noise hides; needs analyses.',
    }),
    seasonal: t.boolean({
      default: false,
      doc: 'Also show each point against the same phase of the other cycles in the window (two channels: the largest and the mean seasonal residual in each column, in units of the noise; docs/POLICY.md §features), the evidence for a cycle held flat or reshaped while its values stay in range; needs analyses.',
    }),
  },
  {
    doc: 'What the policy sees; the input variants (plot, + values, + analyses, + detector). At least one must be true.',
    refine: (v, path) => {
      if (!v.plot && !v.values && !v.analyses) throw new ConfigError(path, 'plot, values and analyses are all false; at least one input must be true');
    },
  },
);

const POLICY = t.object(
  {
    inputs: POLICY_INPUTS,
    rasterHeight: t.number({ integer: true, min: 8, max: 1024, default: 64, doc: 'Rows of the chart raster the policy sees.' }),
    rasterWidth: t.number({
      integer: true,
      min: 8,
      max: 4096,
      default: 256,
      doc: 'Columns of the chart raster (one column covers about 3.9 points of a 1000-point series).',
    }),
    dModel: t.number({ integer: true, min: 8, max: 4096, default: 128, doc: 'Model width d (every shipped policy: 128).' }),
    encoderLayers: t.number({
      integer: true,
      min: 1,
      max: 48,
      default: 2,
      doc: 'Encoder layers over the patch features (bidirectional attention; every shipped policy: 2).',
    }),
    decoderLayers: t.number({
      integer: true,
      min: 1,
      max: 48,
      default: 2,
      doc: 'Decoder layers that write the trace (causal self-attention + cross-attention to the encoder; every shipped policy: 2).',
    }),
    heads: t.number({ integer: true, min: 1, max: 64, default: 4, doc: 'Attention heads of every layer; must divide dModel.' }),
    ffnDim: t.number({ integer: true, min: 8, max: 16384, default: 256, doc: 'Feed-forward hidden width of every layer (every shipped policy: 256).' }),
    maxTraceTokens: t.number({
      integer: true,
      min: 16,
      max: 8192,
      default: 160,
      doc: 'Longest trace the policy can hold, in tokens (ExpCoT traces and rollouts).',
    }),
    constrainedDecoding: t.boolean({ default: true, doc: 'Sample only tokens that keep the trace in the `<think>`/`<answer>`/`<class>` template.' }),
    normalize: t.enum(['none', 'robust'] as const, {
      default: 'none',
      doc:
        "How the policy scales every series it reads, before its chart, values, analyses, detector and trace facts: `none` (values as they are, the paper's and the protocol's) or `robust` " +
        '(1st/99th percentiles to ±0.8, clipped to ±1, per prompt: each training window, each `detect` window). Stored in the checkpoint; eval, detect and serve apply it (docs/TRAINING.md "Broader distribution").',
    }),
    trace: t.enum(['free', 'faithful'] as const, {
      default: 'free',
      doc:
        "What the policy writes: `free` (the compact ExpCoT text, numbers spelled by the policy) or `faithful` (numbers copied from the series' analyses, " +
        "the conclusion's type and intervals chosen by the policy — absolute or relative to the detector's intervals — and the answer written from the conclusion; docs/POLICY.md §faithful). Relative intervals need policy.inputs.detector.",
    }),
    copyRest: t.boolean({
      default: false,
      doc: "Faithful traces only: one more token, D*, that ends the conclusion's interval list with the detector's remaining intervals as they are — copying a right detector is one decision instead of one per interval and a stop (docs/POLICY.md §faithful). Stored in the checkpoint.",
    }),
  },
  {
    doc: 'The policy network: inputs and size.',
    refine: (v, path) => {
      if (v.dModel % v.heads !== 0) throw new ConfigError(`${path}.heads`, `is ${v.heads}; must divide ${path}.dModel (${v.dModel})`);
    },
  },
);

const ROLLOUT = t.object(
  {
    groupSize: t.number({
      integer: true,
      min: 2,
      max: 256,
      default: 5,
      doc: 'Traces sampled per prompt, G (paper: 5); advantages are relative within a group.',
    }),
    temperature: t.number({ min: 0, max: 10, minExclusive: true, default: 1.0, doc: 'Sampling temperature.' }),
    promptsPerStep: t.number({ integer: true, min: 1, max: 1_000_000, default: 128, doc: 'Prompts per training step (paper: 128, so 640 traces per step).' }),
    maxNewTokens: t.number({ integer: true, min: 1, max: 8192, default: 160, doc: 'Sampling stops after this many tokens; at most policy.maxTraceTokens.' }),
  },
  { doc: 'How rollout workers sample traces.' },
);

const LOCALIZATION_MIX = t.object(
  {
    affiliation: t.number({ min: 0, default: 1, doc: 'Weight of the mean of affiliation precision, recall and F1 (paper: 1).' }),
    pointwise: t.number({ min: 0, default: 1, doc: 'Weight of the mean of point-wise precision, recall and F1 (paper: 1).' }),
    iou: t.number({ min: 0, default: 0, doc: 'Weight of the mean interval IoU (an option beyond the paper; 0 = the paper).' }),
  },
  {
    doc: 'The localization term: a weighted mean of its parts. The defaults (1, 1, 0) are the paper’s mean of six numbers (docs/METHOD.md §5).',
    refine: (v, path) => {
      if (v.affiliation + v.pointwise + v.iou === 0) throw new ConfigError(path, 'all weights are 0; at least one must be > 0');
    },
  },
);

const REWARD_WEIGHTS = t.object(
  {
    format: t.number({ min: 0, default: DEFAULT_REWARD_WEIGHTS.format, doc: 'Weight of the format term (paper: 0.1).' }),
    class: t.number({ min: 0, default: DEFAULT_REWARD_WEIGHTS.class, doc: 'Weight of the class term (paper: 0.2).' }),
    localization: t.number({ min: 0, default: DEFAULT_REWARD_WEIGHTS.localization, doc: 'Weight of the localization term (paper: 0.7).' }),
  },
  {
    doc: 'R = format·w_f + class·w_c + localization·w_l (docs/METHOD.md §5); need not sum to 1.',
    refine: (v, path) => {
      validateRewardWeights(v, path);
      if (v.format + v.class + v.localization === 0) throw new ConfigError(path, 'all weights are 0; at least one must be > 0 or every reward is 0');
    },
  },
);

const TIMERPO = t.object(
  {
    estimator: t.enum(Object.keys(ESTIMATORS) as EstimatorName[], {
      default: 'timerpo',
      doc: 'Advantage estimator: grpo (main only), timerpo-no-proj (no projection), timerpo (full).',
    }),
    alpha: t.number({ min: 0, max: 10, default: 0.3, doc: 'Weight α of the grounded advantage (paper: 0.3; stable over 0.3–0.7).' }),
    normalizeStd: t.boolean({ default: false, doc: "Divide the main advantage by the group's reward std (the paper's code does not)." }),
    epsOt: t.number({ min: 0, minExclusive: true, max: 10, default: OT_DEFAULTS.epsOt, doc: 'Sinkhorn entropic regularisation ε_OT (paper: 0.08).' }),
    otIterations: t.number({
      integer: true,
      min: 1,
      max: 10_000,
      default: OT_DEFAULTS.iterations,
      doc: 'Sinkhorn iterations (paper: 50); the cap when otTolerance > 0.',
    }),
    otTolerance: t.number({
      min: 0,
      max: 1,
      default: 0,
      doc: 'Stop Sinkhorn once every row-marginal L1 error of a prompt group is ≤ this (0: always otIterations, the paper; docs/METHOD.md §6).',
    }),
    tau: t.number({ min: 0, minExclusive: true, max: 100, default: OT_DEFAULTS.tau, doc: 'Temperature τ of the grounded reward exp(−W/τ) (paper: 0.5).' }),
    clipEps: t.number({ min: 0, max: 1, minExclusive: true, maxExclusive: true, default: SURROGATE_DEFAULTS.clipEps, doc: 'PPO clip ε (paper: 0.2).' }),
    klCoef: t.number({ min: 0, max: 10, default: SURROGATE_DEFAULTS.klCoef, doc: 'Coefficient of the k3 KL to the frozen reference policy (paper: 0.001).' }),
    entropyCoef: t.number({ min: 0, max: 10, default: SURROGATE_DEFAULTS.entropyCoef, doc: 'Entropy bonus coefficient (paper: 0.001).' }),
  },
  { doc: 'TimerPO advantage and loss (docs/METHOD.md §6).' },
);

const OPTIM = t.object(
  {
    lr: t.number({ min: 0, max: 1, minExclusive: true, default: 1e-4, doc: 'AdamW learning rate for RL (every shipped policy: 1e-4).' }),
    betas: t.array(t.number({ min: 0, max: 1, maxExclusive: true, doc: 'Adam β.' }), {
      minItems: 2,
      maxItems: 2,
      default: [0.9, 0.999],
      doc: 'AdamW (β1, β2).',
    }),
    eps: t.number({ min: 0, max: 1, minExclusive: true, default: 1e-8, doc: 'AdamW ε.' }),
    weightDecay: t.number({ min: 0, max: 1, default: 0.01, doc: 'AdamW decoupled weight decay.' }),
    gradClip: t.number({ min: 0, default: 1.0, doc: 'Clip the global gradient norm to this (paper: 1.0); 0 turns clipping off.' }),
    schedule: t.enum(Object.keys(SCHEDULES) as ScheduleName[], {
      default: 'constant',
      doc: 'Learning-rate schedule: constant, warmup-constant (linear warmup), or warmup-cosine (warmup then cosine decay).',
    }),
    warmupSteps: t.number({
      integer: true,
      min: 0,
      default: 0,
      doc: 'Linear warmup length in optimizer steps (warmup schedules; 0 = none); fewer than the run has.',
    }),
  },
  { doc: 'The optimizer (AdamW) of the learner.' },
);

const WARM_START = t.object(
  {
    enabled: t.boolean({ default: false, doc: 'Imitate ExpCoT traces (supervised) before RL.' }),
    steps: t.number({ integer: true, min: 1, max: 1_000_000, default: 200, doc: 'Supervised steps.' }),
    batchSize: t.number({ integer: true, min: 1, max: 65_536, default: 32, doc: 'Traces per supervised step.' }),
    lr: t.number({ min: 0, max: 1, minExclusive: true, default: 1e-3, doc: 'Supervised learning rate.' }),
    answerWeight: t.number({
      min: 1,
      max: 1000,
      default: 1,
      doc: 'Weight of the tokens after </think> (answer and class) in the NLL, against 1 for the think text; the loss is the weighted token mean.',
    }),
  },
  { doc: 'Supervised imitation of ExpCoT traces before RL.' },
);

const TRAIN = t.object(
  {
    steps: t.number({ integer: true, min: 1, max: 10_000_000, default: 250, doc: 'RL training steps (paper: about 250, 10 epochs of 3,200 series).' }),
    updatesPerBatch: t.number({ integer: true, min: 1, max: 64, default: 1, doc: 'Optimizer steps per gathered batch (paper: 1).' }),
    checkpointEvery: t.number({ integer: true, min: 0, default: 50, doc: 'Save a checkpoint every N steps; 0 saves only at the end.' }),
    evalEvery: t.number({ integer: true, min: 0, default: 50, doc: 'Evaluate every N steps; 0 never evaluates during training.' }),
    evalCount: t.number({ integer: true, min: 1, max: 1_000_000, default: 20, doc: 'Series per task in each periodic eval.' }),
    initFrom: t.string({
      default: 'none',
      allowed: 'none, or a checkpoint directory',
      doc: "Start from a trained policy's weights (a checkpoint or shipped policy directory, e.g. checkpoints/broad) instead of a random initialisation; it must be this job's model (sizes, inputs, vocabulary). The warm start, if enabled, and RL continue from it.",
    }),
    warmStart: WARM_START,
  },
  { doc: 'The training loop.' },
);

const CLUSTER = t.object(
  {
    maxStaleness: t.number({ integer: true, min: 0, max: 1000, default: 0, doc: 'Accept rollouts up to this many policy versions old; 0 = synchronous.' }),
    leaseTimeout: t.duration({ min: 1, default: '60s', doc: "A prompt shard returns to the queue when its worker's lease is not renewed within this." }),
    heartbeatInterval: t.duration({ min: 1, default: '5s', doc: 'How often a worker renews its lease; must be shorter than leaseTimeout.' }),
    workers: t.number({ integer: true, min: 0, max: 1024, default: 2, doc: 'Rollout workers a local run starts; 0 starts none (external workers join).' }),
    listen: t.string({
      default: '127.0.0.1:0',
      allowed: 'host:port (port 0 = any free port)',
      check: (s) => {
        const m = HOST_PORT.exec(s);
        return m !== null && Number(m[2]) <= 65535 ? undefined : 'expected host:port with a port in [0, 65535], e.g. 127.0.0.1:7070';
      },
      doc: 'Address the coordinator serves gRPC on.',
    }),
    dashboardPort: t.number({ integer: true, min: 0, max: 65535, default: 0, doc: 'Port of the websocket dashboard; 0 picks a free one.' }),
    maxMessageBytes: t.size({ min: 1024, max: 2 ** 31 - 1, default: '64MiB', doc: 'Largest gRPC message (weight broadcasts are the big ones).' }),
    rpcDeadline: t.duration({ min: 1, default: '30s', doc: 'Deadline of one unary gRPC call.' }),
    coordinatorWait: t.duration({
      min: 1,
      default: '5m',
      doc: 'How long the learner and the workers wait for an unreachable coordinator (retrying with backoff, one log line per outage) before they stop.',
    }),
    broadcastF16: t.boolean({
      default: false,
      doc: 'Send weight versions to workers with F32 tensors rounded to F16: half the bytes, relative error <= 2^-11 per weight (docs/PROTOCOL.md).',
    }),
  },
  {
    doc: 'The coordinator, its workers and the wire between them.',
    refine: (v, path) => {
      if (v.heartbeatInterval >= v.leaseTimeout) {
        throw new ConfigError(
          `${path}.heartbeatInterval`,
          `is ${v.heartbeatInterval}ms; must be shorter than ${path}.leaseTimeout (${v.leaseTimeout}ms) or leases expire between heartbeats`,
        );
      }
    },
  },
);

/** The whole job. */
export const JOB_SCHEMA = t.object(
  {
    name: t.string({
      default: 'anomseer',
      allowed: 'name of letters, digits, ".", "_", "-" (at most 100)',
      check: (s) => (NAME.test(s) ? undefined : 'it names the output directory, so use letters, digits, ".", "_" and "-" only'),
      doc: 'Job name; names the output directory.',
    }),
    seed: t.number({ integer: true, min: 0, max: 2 ** 32 - 1, default: 3407, doc: 'Seed of every random choice of the run (sampling, shuffling, init).' }),
    outputDir: t.string({ derive: (s) => `runs/${String(s.name)}`, defaultDoc: 'runs/<name>', doc: 'Where checkpoints, logs and eval reports go.' }),
    data: DATA,
    policy: POLICY,
    rollout: ROLLOUT,
    reward: t.object({ weights: REWARD_WEIGHTS, localization: LOCALIZATION_MIX }, { doc: 'The reward of docs/METHOD.md §5.' }),
    timerpo: TIMERPO,
    optim: OPTIM,
    train: TRAIN,
    cluster: CLUSTER,
  },
  {
    doc: 'A training job.',
    refine: (v) => {
      if (v.rollout.maxNewTokens > v.policy.maxTraceTokens) {
        throw new ConfigError('rollout.maxNewTokens', `is ${v.rollout.maxNewTokens}; must be <= policy.maxTraceTokens (${v.policy.maxTraceTokens})`);
      }
      const updates = v.train.steps * v.train.updatesPerBatch;
      if (v.optim.schedule !== 'constant' && v.optim.warmupSteps >= updates) {
        throw new ConfigError(
          'optim.warmupSteps',
          `is ${v.optim.warmupSteps}; must be < the run's optimizer steps, train.steps × train.updatesPerBatch (${updates})`,
        );
      }
    },
  },
);

/** The compiled job configuration (deeply frozen; durations in ms, sizes in bytes). */
export type JobConfig = Infer<typeof JOB_SCHEMA>;
export type DataConfig = JobConfig['data'];
export type PolicyConfig = JobConfig['policy'];
export type RolloutConfig = JobConfig['rollout'];
export type TimerpoConfig = JobConfig['timerpo'];
export type OptimConfig = JobConfig['optim'];
export type TrainConfig = JobConfig['train'];
export type ClusterConfig = JobConfig['cluster'];

/** Compile a job from user input (a parsed YAML mapping; undefined/null = all defaults). Throws ConfigError. */
export function compileJobConfig(input: unknown): JobConfig {
  return compile(JOB_SCHEMA, input);
}

/** Every default: compileJobConfig({}). */
export const DEFAULT_JOB: JobConfig = compileJobConfig({});
