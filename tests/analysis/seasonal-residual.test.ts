// The seasonal residual: finds the period (to a fraction of a sample), stays at the noise on
// normal cycles, stands out over a cycle held flat or a pulse that comes back low — also at the
// window's edge — ignores a trend, and is all zeros without a season.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { seasonalResidual } from '../../shared/analysis/seasonal-residual.js';
import { Rng } from '../../shared/rng.js';

/** A daily-like pulse (high for the middle half of each cycle) + noise, with [s, e) replaced by `replace(t)` when given. */
function pulses(
  n: number,
  o: { period?: number; noise?: number; slope?: number; seed?: number; replace?: [number, number, (t: number) => number] } = {},
): Float64Array {
  const rng = new Rng(o.seed ?? 1);
  const P = o.period ?? 96;
  return Float64Array.from({ length: n }, (_, t) => {
    const phase = (t / P) % 1;
    let v = phase > 0.25 && phase < 0.75 ? 1 : 0;
    if (o.replace !== undefined && t >= o.replace[0] && t < o.replace[1]) v = o.replace[2](t);
    return v + ((o.slope ?? 0) * t) / n + rng.normal(0, o.noise ?? 0.03);
  });
}

const z = (r: ReturnType<typeof seasonalResidual>, lo: number, hi: number): number => {
  let m = 0;
  for (let i = lo; i < hi; i++) m = Math.max(m, Math.abs(r.residual[i]!) / r.scale);
  return m;
};

test('finds the period of a pulse train, whole or fractional', () => {
  assert.ok(Math.abs(seasonalResidual(pulses(1000)).period - 96) < 0.05);
  const frac = seasonalResidual(pulses(1000, { period: 71.4, seed: 2 }));
  assert.ok(Math.abs(frac.period - 71.4) < 0.25, `period ${frac.period}`);
});

test('normal cycles stay near the noise; a cycle held flat stands out over its whole length', () => {
  const quiet = seasonalResidual(pulses(1000));
  assert.ok(z(quiet, 0, 1000) < 8, `normal cycles reach ${z(quiet, 0, 1000)}`);
  // The 6th cycle [480, 576) held at 0.5: every one of its points is 0.5 from the other cycles.
  const flat = seasonalResidual(pulses(1000, { replace: [480, 576, () => 0.5] }));
  assert.ok(z(flat, 490, 566) > 10, `the flat cycle reaches ${z(flat, 490, 566)}`);
  let inside = 0;
  for (let i = 480; i < 576; i++) if (Math.abs(flat.residual[i]!) / flat.scale > 6) inside++;
  assert.ok(inside > 80, `${inside} of 96 flat points stand out`);
  assert.ok(z(flat, 0, 400) < 8, 'cycles away from it stay quiet');
});

test('a pulse that comes back low at the very end of the window is seen (no cycle after it)', () => {
  const low = seasonalResidual(pulses(1000, { replace: [960 - 24, 1000, (t) => ((t / 96) % 1 > 0.25 && (t / 96) % 1 < 0.75 ? 0.3 : 0)] }));
  assert.ok(z(low, 940, 1000) > 10, `the low pulse reaches ${z(low, 940, 1000)}`);
  assert.ok(z(low, 0, 800) < 8);
});

test('a trend does not count: the residual is the same with a line added', () => {
  const a = seasonalResidual(pulses(1000, { seed: 5 }));
  const b = seasonalResidual(pulses(1000, { seed: 5, slope: 4 }));
  assert.is(a.period, b.period);
  for (let i = 0; i < 1000; i++) assert.ok(Math.abs(a.residual[i]! - b.residual[i]!) < 1e-9);
});

test('no season, no residual: noise, a constant, a series too short for two cycles', () => {
  const rng = new Rng(9);
  const noise = Float64Array.from({ length: 1000 }, () => rng.normal(0, 1));
  for (const x of [noise, new Float64Array(500).fill(3), Float64Array.from([1, 2, 3, 1, 2])]) {
    const r = seasonalResidual(x);
    assert.is(r.period, 0);
    assert.is(r.scale, 1);
    assert.ok(r.residual.every((v) => v === 0));
  }
});

test('a noise-free series divides by the floor, not by zero, and the input is left as it was', () => {
  const x = pulses(1000, { noise: 0 });
  const copy = Float64Array.from(x);
  const r = seasonalResidual(x);
  assert.ok(Number.isFinite(r.scale) && r.scale > 0);
  assert.ok(r.residual.every(Number.isFinite));
  assert.equal(x, copy);
  assert.throws(() => seasonalResidual([]), /seasonalResidual/);
});

test.run();
