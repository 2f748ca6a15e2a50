/**
 * One-sample anomalies, written over the rendered values (render.ts):
 *
 *   global spike:     beyond everything else in the series. With [gmin, gmax] the
 *                     range of the samples that are not spikes and R = gmax − gmin,
 *                     x_t = gmax + d (up) or gmin − d (down; counts only go up),
 *                     d = max(q, U(mag)·R), rounded outwards to the grid q.
 *   contextual spike: inside the normal range but wrong for its neighbourhood. With
 *                     [lo, hi] the range of the samples outside every anomaly and
 *                     μ_t, σ_t the expected value and noise std at t,
 *                     d ≥ dmin = max(sigmas·σ_t, mag lo·(hi − lo)) away from μ_t, on a side
 *                     with that much room (either, 50/50, when both have), d uniform
 *                     in [dmin, max(dmin, min(mag hi·(hi − lo), room))], rounded away from
 *                     μ_t to the grid and kept in [lo, hi]. When neither side has room the
 *                     spike is not written and not labelled (`kept` false).
 */
import type { Rng } from '../rng.js';
import type { Interval } from '../series/record.js';
import type { AnomalyKind, KindParams } from './params.js';
import { type Rendered, onGrid } from './render.js';

function range(x: Float64Array, use: (t: number) => boolean): [number, number] {
  let lo = Infinity,
    hi = -Infinity;
  for (let t = 0; t < x.length; t++) {
    if (!use(t)) continue;
    if (x[t] < lo) lo = x[t];
    if (x[t] > hi) hi = x[t];
  }
  return [lo, hi];
}

/**
 * Write the spikes among `anomalies` (others are skipped) into `r.values` in place.
 * `intervals[i]` is anomaly i's interval (a spike's is [t, t + 1)). Returns per
 * anomaly whether it is kept (structural anomalies always are).
 * Draw order, per spike in order: global — side (unless counts), size; contextual — side (when both fit), distance.
 */
export function writeSpikes(
  rng: Rng,
  r: Rendered,
  anomalies: readonly { readonly kind: AnomalyKind }[],
  intervals: readonly Interval[],
  kp: Readonly<Record<AnomalyKind, KindParams>>,
): boolean[] {
  const x = r.values;
  const inside = new Uint8Array(x.length);
  for (const [s, e] of intervals) inside.fill(1, s, e);
  const spike = new Uint8Array(x.length);
  anomalies.forEach(({ kind }, i) => {
    if (kind === 'global-spike' || kind === 'contextual-spike') spike[intervals[i][0]] = 1;
  });
  const [gmin, gmax] = range(x, (t) => spike[t] === 0);
  const [lo, hi] = range(x, (t) => inside[t] === 0);
  const q = 10 ** r.gridExponent;
  return anomalies.map(({ kind }, i) => {
    const t = intervals[i][0];
    if (kind === 'global-spike') {
      const up = r.counts || rng.bernoulli(0.5);
      const d = Math.max(q, rng.range(kp[kind].magnitude[0], kp[kind].magnitude[1]) * (gmax - gmin));
      x[t] = up ? onGrid(gmax + d, r.gridExponent, 'ceil') : onGrid(gmin - d, r.gridExponent, 'floor');
      return true;
    }
    if (kind !== 'contextual-spike') return true;
    const { magnitude, sigmas } = kp[kind];
    const mu = r.expected[t];
    const dmin = Math.max(sigmas * r.sigma[t], magnitude[0] * (hi - lo));
    const upRoom = hi - mu,
      downRoom = mu - lo;
    const canUp = upRoom >= dmin,
      canDown = downRoom >= dmin;
    if (!canUp && !canDown) return false;
    const up = canUp && canDown ? rng.bernoulli(0.5) : canUp;
    const room = up ? upRoom : downRoom;
    const d = rng.range(dmin, Math.max(dmin, Math.min(magnitude[1] * (hi - lo), room)));
    const v = up ? onGrid(mu + d, r.gridExponent, 'ceil') : onGrid(mu - d, r.gridExponent, 'floor');
    x[t] = Math.min(hi, Math.max(lo, v));
    return true;
  });
}
