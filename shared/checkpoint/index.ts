/**
 * Weights and checkpoints: the safetensors codec, the checkpoint's two tensor
 * files with the weight checksum, and the atomic checkpoint directory.
 * See docs/CHECKPOINTS.md.
 */
export { decodeSafetensors, encodeSafetensors, DTYPE_INFO, MAX_HEADER_BYTES } from './safetensors.js';
export type { Dtype, Safetensors, Tensor, TensorData } from './safetensors.js';
export { bf16BitsToF32, f16BitsToF32, f16ToNumber } from './half.js';
export {
  canonicalJson,
  checkOptimizerMatchesWeights,
  decodeModelFile,
  decodeOptimizerFile,
  encodeModelFile,
  encodeOptimizerFile,
  sha256Hex,
  weightsChecksum,
  OPTIMIZER_FORMAT,
  POLICY_FORMAT,
} from './checkpoint-files.js';
export type { OptimizerTensors } from './checkpoint-files.js';
export {
  checkpointDirName,
  checkpointPath,
  isLeftover,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  saveCheckpoint,
  MODEL_FILE,
  OPTIMIZER_FILE,
  STATE_FILE,
} from './checkpoint-dir.js';
export type { Checkpoint, LoadedCheckpoint } from './checkpoint-dir.js';
