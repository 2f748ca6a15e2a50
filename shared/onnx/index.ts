/**
 * The numeric engine: build a tensor graph once, emit ONNX bytes for a forward session
 * (rollout workers) or, with `addGradients`, a forward+backward session (learner).
 * See docs/ONNX-ENGINE.md. runtime.ts (ONNX Runtime) is exported separately so pure code
 * can build models without loading the native binding.
 */
export { GraphBuilder, SLICE_END } from './graph.js';
export type { Operand } from './graph.js';
export { GraphCore, Tensor } from './graph-core.js';
export type { GraphOptions, ModelOptions, Node, TensorKind } from './graph-core.js';
export { addGradients, outputGradients } from './autodiff.js';
export { VJP_RULES } from './vjp-rules.js';
export type { VjpRule } from './vjp-rules.js';
export type { DType, FloatDType, HostArray } from './dtypes.js';
export type { Dim, Shape } from './shape.js';
export { DTypeError, DeviceError, UnsupportedOpError } from './errors.js';
export { MASKED_SCORE, bufferedSelfAttention, cachedSelfAttention, causalMask, causalSelfAttention, mlp, offsetCausalMask } from './blocks.js';
export type { AttentionWeights, KvCache, MlpWeights } from './blocks.js';
