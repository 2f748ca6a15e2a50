// Tiny policy configs, random batches and a masked loss for the model tests.
import { Rng } from '../../shared/rng.js';
import type { GraphBuilder, Tensor } from '../../shared/onnx/index.js';
import type { HostTensor } from '../../shared/onnx/runtime.js';
import { resolveModelConfig } from '../../shared/policy/model-config.js';
import type { PolicyModelConfig } from '../../shared/policy/model-config.js';
import type { ScoreTensors } from '../../shared/policy/model.js';

export const TINY: PolicyModelConfig = resolveModelConfig({
  vocabSize: 11,
  numPatches: 5,
  featureSize: 6,
  width: 8,
  heads: 2,
  encLayers: 1,
  decLayers: 2,
  mlpHidden: 12,
  maxLen: 16,
});

/** Random output ids (text and pointer), (B, T) row-major. */
export function randomIds(rng: Rng, cfg: PolicyModelConfig, B: number, T: number): number[] {
  return Array.from({ length: B * T }, () => rng.int(cfg.vocabSize + cfg.numPatches));
}

/** <bos> (id 1) then targets[:-1], per row. */
export function shiftRight(targets: readonly number[], B: number, T: number, bos = 1): number[] {
  const out: number[] = [];
  for (let b = 0; b < B; b++) out.push(bos, ...targets.slice(b * T, b * T + T - 1));
  return out;
}

export const ints = (xs: readonly number[], dims: number[]): HostTensor => ({ data: BigInt64Array.from(xs.map(BigInt)), dims });
export const positions = (T: number): HostTensor =>
  ints(
    Array.from({ length: T }, (_, i) => i),
    [T],
  );

/**
 * Loss with its own inputs `weights` (B, T) and `adv` (B,): the token mean over weighted
 * steps of −adv·logp − 0.1·entropy + 0.01·|hidden|², so every output path gets a gradient.
 */
export function maskedLoss(g: GraphBuilder, t: ScoreTensors): Tensor {
  const w = g.input('weights', ['B', 'T']);
  const adv = g.input('adv', ['B', 1]);
  const hid2 = g.reduceSum(g.mul(t.hidden, t.hidden), [2]);
  const perTok = g.sub(g.sub(g.mul(hid2, 0.01), g.mul(t.logp, adv)), g.mul(t.entropy, 0.1));
  return g.div(g.reduceSum(g.mul(perTok, w)), g.reduceSum(w));
}
