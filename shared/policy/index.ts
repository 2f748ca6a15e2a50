/**
 * The policy: vocabulary, tokenizer and grammar of the trace template, encoder input
 * features, the encoder–decoder model as ONNX graphs, the in-graph TimerPO loss and
 * group sampling. See docs/POLICY.md. Nothing here loads ONNX Runtime; pass a session's
 * `run` to `sampleGroups` and create sessions with shared/onnx/runtime.ts.
 */
export { DEFAULT_POSITION_LAYOUT, PositionMap, numPatches, type PositionLayout } from './positions.js';
export {
  BASE_PUNCTUATION,
  DIGITS,
  SECTION_HEADERS,
  SPECIAL_TOKENS,
  TEMPLATE_TOKENS,
  buildVocab,
  phrasePieces,
  type Vocab,
  type VocabOptions,
} from './vocab.js';
export { buildPolicyVocab, expcotPhraseList } from './expcot-vocab.js';
export { Tokenizer } from './tokenizer.js';
export { DEFAULT_GRAMMAR, FORBIDDEN, TraceGrammar, type GrammarOptions, type GrammarState, type Phase } from './grammar.js';
export { ANALYSIS_CHANNELS, analysisColumns, pointAnalyses } from './analysis-channels.js';
export {
  FEATURE_VARIANTS,
  VALUE_CLIP,
  batchFeatures,
  patchFeatures,
  resolveFeatureOptions,
  valueColumns,
  type FeatureOptions,
  type FeatureVariant,
  type PatchFeatures,
  type ResolvedFeatureOptions,
} from './features.js';
export {
  DEFAULT_MODEL_CONFIG,
  INIT_STD,
  countParams,
  initParams,
  outputSize,
  paramShapes,
  resolveModelConfig,
  toFloat64,
  type PolicyModelConfig,
} from './model-config.js';
export {
  buildDecodeStepGraph,
  buildEncodeGraph,
  buildScoreGraph,
  paramFeeds,
  paramsFor,
  pastNames,
  presentNames,
  viewNames,
  type GraphBuildOptions,
  type LossBuilder,
  type ScoreOptions,
  type ScoreTensors,
} from './model.js';
export { timerpoLossBuilder } from './timerpo-loss.js';
export { drawMasked, sampleGroups, sampleKey, type Sample, type SampleOptions, type SamplePrompt, type StepRunner } from './sample.js';
