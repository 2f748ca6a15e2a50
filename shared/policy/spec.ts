/**
 * From a job config to the policy's fixed parts: feature options, vocabulary,
 * tokenizer, model config and grammar budget. Every process (learner, worker,
 * eval) derives them the same way, so a checkpoint's model config is enough to
 * rebuild them.
 */
import { ConfigError } from '../errors.js';
import type { JobConfig } from '../config/job.js';
import { buildPolicyVocab } from './expcot-vocab.js';
import { resolveFeatureOptions } from './features.js';
import type { FeatureVariant, ResolvedFeatureOptions } from './features.js';
import type { GrammarOptions } from './grammar.js';
import { resolveModelConfig } from './model-config.js';
import type { PolicyModelConfig } from './model-config.js';
import { Tokenizer } from './tokenizer.js';

/** Most intervals a response may list (AnomLLM caps at 8; freq rarely exceeds 6 in 1000 points). */
export const MAX_ANSWER_INTERVALS = 12;
/** Most intervals a faithful trace may conclude (dense point anomalies: five tokens each). */
export const FAITHFUL_MAX_INTERVALS = 50;
/** Tokens the template needs besides the think text, with MAX_ANSWER_INTERVALS intervals. */
export const TEMPLATE_OVERHEAD = 1 + 4 + (8 * MAX_ANSWER_INTERVALS - 1) + 6;
/** Rows of the decoder position table: full ExpCoTs (up to ~710 tokens) are read for grounding. */
export const MIN_MODEL_MAX_LEN = 1024;

/** Everything needed to build, run and save the policy; stored in checkpoints. */
export interface PolicySpec {
  readonly variant: FeatureVariant;
  readonly features: ResolvedFeatureOptions;
  readonly model: PolicyModelConfig;
  readonly grammar: Required<GrammarOptions>;
  /** The vocabulary's tokens in id order (a checkpoint is only valid with the same list). */
  readonly vocabTokens: readonly string[];
  /** What the policy writes (policy.trace); absent in checkpoints made before faithful traces = 'free'. */
  readonly trace?: 'free' | 'faithful';
  /** Faithful traces with the D* token (policy.copyRest); absent in checkpoints made before it = without. */
  readonly copyRest?: true;
}

export function variantOf(inputs: {
  plot: boolean;
  values: boolean;
  analyses: boolean;
  detector: boolean;
  detectorOrdinals?: boolean;
  slopeChange?: boolean;
  seasonal?: boolean;
}): FeatureVariant {
  if (!inputs.plot) throw new ConfigError('policy.inputs.plot', 'must be true: the policy always reads the plot (values and analyses are extra channels)');
  if (inputs.analyses && !inputs.values)
    throw new ConfigError('policy.inputs.analyses', 'needs policy.inputs.values: true (the analyses variant is plot + values + analyses)');
  if (inputs.detector && !inputs.analyses)
    throw new ConfigError('policy.inputs.detector', 'needs policy.inputs.analyses: true (the detector variant is plot + values + analyses + detector)');
  if (inputs.detectorOrdinals === true && !inputs.detector)
    throw new ConfigError('policy.inputs.detectorOrdinals', "needs policy.inputs.detector: true (ordinals index the detector's intervals)");
  if (inputs.slopeChange === true && !inputs.analyses)
    throw new ConfigError('policy.inputs.slopeChange', 'needs policy.inputs.analyses: true (the slope-change channels join the analyses)');
  if (inputs.seasonal === true && !inputs.analyses)
    throw new ConfigError('policy.inputs.seasonal', 'needs policy.inputs.analyses: true (the seasonal-residual channels join the analyses)');
  if (inputs.detector) return inputs.detectorOrdinals === true ? 'plot+values+analyses+detector+ordinals' : 'plot+values+analyses+detector';
  return inputs.analyses ? 'plot+values+analyses' : inputs.values ? 'plot+values' : 'plot';
}

export function policySpecFromJob(job: JobConfig): PolicySpec {
  const p = job.policy;
  const variant = variantOf(p.inputs);
  const features = resolveFeatureOptions({
    height: p.rasterHeight,
    width: p.rasterWidth,
    variant,
    normalize: p.normalize,
    slopeChange: p.inputs.slopeChange,
    seasonal: p.inputs.seasonal,
  });
  const vocab = buildPolicyVocab(undefined, { faithful: p.trace === 'faithful', copyRest: p.copyRest });
  const maxThinkTokens = p.maxTraceTokens - TEMPLATE_OVERHEAD;
  if (maxThinkTokens < 16) {
    throw new ConfigError(
      'policy.maxTraceTokens',
      `is ${p.maxTraceTokens}; must be at least ${TEMPLATE_OVERHEAD + 16} (the answer template with ${MAX_ANSWER_INTERVALS} intervals takes ${TEMPLATE_OVERHEAD})`,
    );
  }
  const model = resolveModelConfig({
    vocabSize: vocab.size,
    featureSize: features.featureSize,
    numPatches: features.numPatches,
    width: p.dModel,
    heads: p.heads,
    encLayers: p.encoderLayers,
    decLayers: p.decoderLayers,
    mlpHidden: p.ffnDim,
    maxLen: Math.max(MIN_MODEL_MAX_LEN, p.maxTraceTokens),
  });
  return {
    variant,
    features,
    model,
    grammar: { maxThinkTokens, maxIntervals: p.trace === 'faithful' ? FAITHFUL_MAX_INTERVALS : MAX_ANSWER_INTERVALS },
    vocabTokens: vocab.tokens,
    ...(p.trace === 'faithful' ? { trace: 'faithful' as const } : {}),
    ...(p.copyRest ? { copyRest: true as const } : {}),
  };
}

/** The tokenizer of a spec (its vocabulary is rebuilt and checked against the stored token list). */
export function tokenizerOf(spec: PolicySpec): Tokenizer {
  const vocab = buildPolicyVocab(undefined, { faithful: spec.trace === 'faithful', copyRest: spec.copyRest === true });
  if (vocab.tokens.length !== spec.vocabTokens.length || vocab.tokens.some((t, i) => t !== spec.vocabTokens[i])) {
    throw new ConfigError(
      'checkpoint.vocab',
      'the vocabulary of this checkpoint differs from the one this build of anomseer makes (the ExpCoT templates changed); retrain or use a matching version',
    );
  }
  return new Tokenizer(vocab, { width: spec.features.width, patchCols: spec.features.patchCols, offsetsPerPatch: vocab.offsetsPerPatch });
}

/** Whether the policy reads the blind detector's verdict (its inputs and, in faithful traces, its intervals). */
export function readsDetector(spec: PolicySpec): boolean {
  return spec.variant.includes('detector');
}
