import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';
import { ConfigError, ShapeError } from '../../shared/errors.js';
import { dominantPeriod, fftComplex, parabolicOffset, powerSpectrum, rfft, slidingDominantFrequency } from '../../shared/analysis/fft.js';

/** O(n²) reference DFT, bins 0…⌊n/2⌋, angles reduced mod n so they stay exact. */
function dft(x: ArrayLike<number>): { re: number[]; im: number[] } {
  const n = x.length;
  const re: number[] = [],
    im: number[] = [];
  for (let k = 0; k <= n >> 1; k++) {
    let sr = 0,
      si = 0;
    for (let t = 0; t < n; t++) {
      const a = (-2 * Math.PI * ((k * t) % n)) / n;
      sr += x[t] * Math.cos(a);
      si += x[t] * Math.sin(a);
    }
    re.push(sr);
    im.push(si);
  }
  return { re, im };
}

const randomSeries = (seed: number, n: number) => {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => r.normal(0, 1));
};

/** Phase-continuous sine: frequency f(t) cycles/sample, x_t = sin(2π·Σ_{s<t} f(s)). */
function chirpedSine(n: number, f: (t: number) => number): number[] {
  const x: number[] = [];
  let phase = 0;
  for (let t = 0; t < n; t++) {
    x.push(Math.sin(2 * Math.PI * phase));
    phase += f(t);
  }
  return x;
}

test('rfft equals the O(n²) DFT to 1e-9 relative on odd, even and power-of-two lengths (1 … 1024)', () => {
  for (const n of [1, 2, 3, 6, 7, 64, 100, 999, 1000, 1024]) {
    const x = randomSeries(n, n);
    const got = rfft(x);
    const want = dft(x);
    assert.is(got.re.length, (n >> 1) + 1);
    let scale = 0,
      err = 0;
    for (let k = 0; k < want.re.length; k++) scale = Math.max(scale, Math.hypot(want.re[k], want.im[k]));
    for (let k = 0; k < want.re.length; k++) err = Math.max(err, Math.hypot(got.re[k] - want.re[k], got.im[k] - want.im[k]));
    assert.ok(err <= 1e-9 * scale, `n=${n}: error ${err} vs scale ${scale}`);
  }
});

test('rfft stays exact after many distinct lengths have cycled through the plan caches', () => {
  for (let n = 101; n < 101 + 2 * 40; n += 2) rfft(randomSeries(n, n));
  for (const n of [101, 998, 1000]) {
    const x = randomSeries(n + 7, n);
    const got = rfft(x),
      want = dft(x);
    for (let k = 0; k < want.re.length; k++) assert.ok(Math.hypot(got.re[k] - want.re[k], got.im[k] - want.im[k]) < 1e-9, `n=${n} k=${k}`);
  }
});

test('the complex FFT equals the DFT on complex input of a non-power-of-two length', () => {
  const n = 45;
  const xr = randomSeries(1, n),
    xi = randomSeries(2, n);
  const got = fftComplex(xr, xi);
  for (let k = 0; k < n; k++) {
    let sr = 0,
      si = 0;
    for (let t = 0; t < n; t++) {
      const a = (-2 * Math.PI * ((k * t) % n)) / n;
      sr += xr[t] * Math.cos(a) - xi[t] * Math.sin(a);
      si += xr[t] * Math.sin(a) + xi[t] * Math.cos(a);
    }
    assert.ok(Math.hypot(got.re[k] - sr, got.im[k] - si) < 1e-11, `k=${k}`);
  }
});

test('rfft does not mutate its input', () => {
  const x = new Float64Array(randomSeries(3, 37));
  const copy = x.slice();
  rfft(x);
  powerSpectrum(x);
  assert.equal(Array.from(x), Array.from(copy));
});

test('powerSpectrum removes the mean and obeys Parseval', () => {
  for (const n of [10, 33, 128]) {
    const x = randomSeries(n + 1, n).map((v) => v + 7);
    const p = powerSpectrum(x);
    assert.ok(p[0] < 1e-18 * n * n);
    const m = x.reduce((a, b) => a + b, 0) / n;
    const energy = x.reduce((a, b) => a + (b - m) ** 2, 0);
    let spec = p[0];
    for (let k = 1; k < p.length; k++) spec += n % 2 === 0 && k === n / 2 ? p[k] : 2 * p[k];
    assert.ok(Math.abs(spec / n - energy) < 1e-9 * energy, `n=${n}`);
  }
});

test('dominantPeriod finds the 33.33-sample period of sin(2π·0.03·t) within 1%', () => {
  const x = Array.from({ length: 1000 }, (_, t) => Math.sin(2 * Math.PI * 0.03 * t));
  const d = dominantPeriod(x);
  assert.ok(Math.abs(d.period - 100 / 3) / (100 / 3) < 0.01, `period ${d.period}`);
  assert.ok(Math.abs(d.frequency - 0.03) < 1e-6);
  assert.ok(d.share > 0.99, `share ${d.share}`);
});

test('dominantPeriod refines off-grid frequencies to well within a bin, also under noise', () => {
  const r = new Rng(4);
  for (const f of [0.0213, 0.0377, 0.05, 0.1234, 0.2718]) {
    for (const n of [500, 777]) {
      const x = Array.from({ length: n }, (_, t) => Math.sin(2 * Math.PI * f * t + 0.3) + r.normal(0, 0.1));
      const d = dominantPeriod(x);
      // A bin is 1/n; the refinement stays within 0.01 bin of a clean sine, noise adds a little.
      assert.ok(Math.abs(d.frequency - f) * n < 0.05, `f=${f} n=${n}: got ${d.frequency}, ${(Math.abs(d.frequency - f) * n).toFixed(3)} bins off`);
      assert.ok(Math.abs(1 / d.period - d.frequency) < 1e-15);
    }
  }
});

test('dominantPeriod locates clean off-grid sines to within 0.01 bin', () => {
  for (const n of [100, 1000]) {
    for (let f = 5 / n; f < 0.45; f += 0.0371) {
      const x = Array.from({ length: n }, (_, t) => Math.cos(2 * Math.PI * f * t - 0.7));
      const err = Math.abs(dominantPeriod(x).frequency - f) * n;
      assert.ok(err < 0.01, `n=${n} f=${f.toFixed(4)}: ${err.toFixed(4)} bins off`);
    }
  }
});

test('parabolicOffset recovers the vertex of a sampled parabola and clamps to half a bin', () => {
  for (const v of [-0.4, -0.1, 0, 0.25, 0.49]) {
    const p = (u: number) => 3 - 2 * (u - v) ** 2;
    assert.ok(Math.abs(parabolicOffset(p(-1), p(0), p(1)) - v) < 1e-12);
  }
  assert.is(parabolicOffset(1, 2, 1e9), 0); // not a peak
  // Vertex at +1.5 and −1.5 bins: clamped.
  assert.is(parabolicOffset(0, 1, 1.5), 0.5);
  assert.is(parabolicOffset(1.5, 1, 0), -0.5);
});

test('dominantPeriod of a constant series reports no period, even when mean removal leaves residue; white noise has a small share', () => {
  assert.equal(dominantPeriod([2, 2, 2, 2]), { period: Infinity, frequency: 0, share: 0 });
  assert.equal(dominantPeriod(new Array(999).fill(0.1)), { period: Infinity, frequency: 0, share: 0 });
  const d = dominantPeriod(randomSeries(5, 1000));
  assert.ok(d.share < 0.03, `share ${d.share}`);
});

test('slidingDominantFrequency sees a sine whose middle third runs 3× faster', () => {
  const n = 1000;
  const x = chirpedSine(n, (t) => (t >= 333 && t < 666 ? 0.09 : 0.03));
  for (const w of [64, 100]) {
    const f = slidingDominantFrequency(x, w);
    assert.is(f.length, n);
    for (let t = 0; t < n; t++) {
      const far = t < 333 - w / 2 || t >= 666 + w / 2;
      const inside = t >= 333 + w / 2 && t < 666 - w / 2;
      if (far) assert.ok(Math.abs(f[t] - 0.03) < 0.005, `w=${w} t=${t}: ${f[t]}`);
      if (inside) assert.ok(Math.abs(f[t] - 0.09) < 0.005, `w=${w} t=${t}: ${f[t]}`);
    }
  }
});

/** Reference: each window's Hann-tapered, mean-removed periodogram peak by a direct loop. */
function refSliding(x: number[], w: number): number[] {
  const n = x.length;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = Math.min(n - w, Math.max(0, i - (w >> 1)));
    const win = x.slice(s, s + w);
    const m = win.reduce((a, b) => a + b, 0) / w;
    const tapered = win.map((v, t) => (v - m) * (0.5 - 0.5 * Math.cos((2 * Math.PI * t) / w)));
    const { re, im } = dft(tapered);
    const mag = re.map((r, k) => Math.hypot(r, im[k]));
    let best = 1;
    for (let k = 2; k <= w >> 1; k++) if (mag[k] > mag[best]) best = k;
    let off = 0;
    if (best > 1 && best < w >> 1) {
      const [a, b, c] = [Math.log(mag[best - 1]), Math.log(mag[best]), Math.log(mag[best + 1])];
      off = Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / (a - 2 * b + c)));
    }
    out.push((best + off) / w);
  }
  return out;
}

test('slidingDominantFrequency equals a per-window tapered periodogram, odd and even windows', () => {
  for (const [seed, n, w] of [
    [1, 300, 64],
    [2, 257, 51],
    [3, 40, 100],
    [4, 600, 2],
  ]) {
    const r = new Rng(seed);
    const x = Array.from({ length: n }, (_, t) => Math.sin(0.3 * t + 0.001 * t * t) + r.normal(0, 0.3));
    const got = slidingDominantFrequency(x, w);
    const want = refSliding(x, Math.min(w, n));
    for (let i = 0; i < n; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-9, `n=${n} w=${w} i=${i}: ${got[i]} vs ${want[i]}`);
  }
});

test('slidingDominantFrequency with step holds the nearest searched value', () => {
  const x = chirpedSine(500, (t) => 0.02 + 0.0002 * t);
  const full = slidingDominantFrequency(x, 64);
  const stepped = slidingDominantFrequency(x, 64, 10);
  for (let i = 0; i < 500; i++) {
    const lo = Math.floor(i / 10) * 10;
    const hi = Math.min(lo + 10, 499);
    const nearest = i - lo <= hi - i ? lo : hi;
    assert.is(stepped[i], full[nearest], `i=${i}`);
  }
});

test('slidingDominantFrequency gives 0 on flat stretches', () => {
  const x = new Array<number>(300).fill(1.5);
  for (let t = 200; t < 300; t++) x[t] = 1.5 + Math.sin(0.5 * t);
  const f = slidingDominantFrequency(x, 50);
  for (let t = 0; t < 170; t++) assert.is(f[t], 0, `t=${t}`);
  assert.ok(f[280] > 0);
});

test('bad arguments are rejected with errors naming the field', () => {
  assert.throws(
    () => rfft([]),
    (e: unknown) => e instanceof ShapeError && /rfft/.test((e as Error).message),
  );
  assert.throws(
    () => slidingDominantFrequency([1, 2, 3], 1),
    (e: unknown) => e instanceof ConfigError && /slidingDominantFrequency\.window.*got 1/.test((e as Error).message),
  );
  assert.throws(
    () => slidingDominantFrequency([1, 2, 3], 8, 0),
    (e: unknown) => e instanceof ConfigError && /step/.test((e as Error).message),
  );
});

test.run();
