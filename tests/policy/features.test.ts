// Encoder input features: layout against plain loops, variants, determinism.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../shared/errors.js';
import { hbos, matrixProfile, robustZ } from '../../shared/analysis/index.js';
import { columnOfIndex } from '../../shared/plot/mapping.js';
import { modelRaster } from '../../shared/plot/raster.js';
import { Rng } from '../../shared/rng.js';
import { ANALYSIS_CHANNELS, analysisColumns } from '../../shared/policy/analysis-channels.js';
import { batchFeatures, patchFeatures, resolveFeatureOptions, valueColumns } from '../../shared/policy/features.js';
import { slopeChangeScan } from '../../shared/analysis/slope-change.js';
import { SLOPE_CHANGE_CHANNELS, slopeChangeColumns } from '../../shared/policy/slope-change-channels.js';
import { seasonalResidual } from '../../shared/analysis/seasonal-residual.js';
import { SEASONAL_CHANNELS, seasonalColumns } from '../../shared/policy/seasonal-channels.js';
import { compileJobConfig } from '../../shared/config/job.js';
import { policySpecFromJob } from '../../shared/policy/spec.js';

function series(n: number, seed = 1): Float64Array {
  const rng = new Rng(seed);
  const x = Float64Array.from({ length: n }, (_, i) => Math.sin(2 * Math.PI * 0.03 * i) + 0.05 * rng.normal());
  for (let i = Math.floor(n / 2); i < Math.floor(n / 2) + 5 && i < n; i++) x[i] += 2; // a spike beyond the plot
  return x;
}

test('feature sizes of the three variants: 256, 268, 292 for a 64×256 raster and 4-column patches', () => {
  assert.is(resolveFeatureOptions({ variant: 'plot' }).featureSize, 256);
  assert.is(resolveFeatureOptions({ variant: 'plot+values' }).featureSize, 268);
  assert.is(resolveFeatureOptions({ variant: 'plot+values+analyses' }).featureSize, 292);
  assert.is(resolveFeatureOptions().numPatches, 64);
});

test('the plot part of patch k is its raster columns, column by column (plain loop)', () => {
  const x = series(1000);
  const f = patchFeatures(x, { variant: 'plot+values+analyses' });
  const r = modelRaster(x);
  for (let k = 0; k < 64; k++)
    for (let j = 0; j < 4; j++)
      for (let row = 0; row < 64; row++) {
        assert.is(f.data[k * 292 + j * 64 + row], r.data[row * 256 + k * 4 + j]);
      }
});

test('the values part is mean/min/max (clipped to ±3) of the points each column holds (plain loop)', () => {
  for (const n of [1000, 100]) {
    const x = series(n);
    x[3] = 10; // clipped to 3
    const v = valueColumns(x, 256);
    const groups: number[][] = Array.from({ length: 256 }, () => []);
    for (let i = 0; i < n; i++) groups[columnOfIndex(i, n, 256)].push(Math.min(3, x[i]));
    for (let c = 0; c < 256; c++) {
      const g = groups[c];
      if (g.length === 0) continue;
      const mean = g.reduce((a, b) => a + b, 0) / g.length;
      assert.ok(Math.abs(v[c * 3] - mean) < 1e-6, `n=${n} col ${c}`);
      assert.is(v[c * 3 + 1], Math.fround(Math.min(...g)));
      assert.is(v[c * 3 + 2], Math.fround(Math.max(...g)));
    }
    const f = patchFeatures(x, { variant: 'plot+values' });
    assert.equal(Array.from(f.data.subarray(5 * 268 + 256 + 6, 5 * 268 + 256 + 9)), Array.from(v.subarray(22 * 3, 23 * 3)), 'column 22 = patch 5, j = 2');
  }
});

test('a column without points (n < width) takes the next point to its right, or the last point', () => {
  const x = Float64Array.from([0.1, 0.2, 0.3]);
  const v = valueColumns(x, 256);
  for (let c = 0; c < 256; c++) {
    let want = 2;
    for (let i = 2; i >= 0; i--) if (columnOfIndex(i, 3, 256) >= c) want = i;
    assert.is(v[c * 3], Math.fround(x[want]), `col ${c}`);
  }
});

test('analysis channels: max |robust z|, max matrix-profile and max HBOS per column match plain loops', () => {
  const n = 600;
  const x = series(n, 3);
  const a = analysisColumns(x, 256);
  const A = ANALYSIS_CHANNELS.length;
  const z = robustZ(x),
    hb = hbos(x),
    { profile } = matrixProfile(x, 50);
  for (let c = 0; c < 256; c++) {
    let mz = -Infinity,
      mh = -Infinity,
      mmp = -Infinity,
      any = false;
    for (let i = 0; i < n; i++) {
      if (columnOfIndex(i, n, 256) !== c) continue;
      any = true;
      mz = Math.max(mz, Math.abs(z[i]));
      mh = Math.max(mh, hb[i] / 5);
      let d = 0;
      for (let s = Math.max(0, i - 49); s <= Math.min(i, n - 50); s++) d = Math.max(d, profile[s] / (2 * Math.sqrt(50)));
      mmp = Math.max(mmp, d);
    }
    if (!any) continue;
    assert.ok(Math.abs(a[c * A] - Math.log1p(mz)) < 1e-6, `z col ${c}`);
    assert.ok(Math.abs(a[c * A + 4] - mmp) < 1e-6, `mp col ${c}`);
    assert.ok(Math.abs(a[c * A + 5] - mh) < 1e-6, `hbos col ${c}`);
  }
});

test('the spike raises |z| in its columns far above the rest', () => {
  const rng = new Rng(4);
  const x = Float64Array.from({ length: 1000 }, () => 0.05 * rng.normal());
  for (let i = 500; i < 505; i++) x[i] += 2;
  const a = analysisColumns(x, 256);
  const c = columnOfIndex(501, 1000, 256);
  for (let k = 0; k < 256; k++) if (Math.abs(k - c) > 2) assert.ok(a[c * 6] > 2 * a[k * 6], `col ${k}: ${a[c * 6]} vs ${a[k * 6]}`);
});

test('features are deterministic and short series work', () => {
  for (const n of [1000, 5, 1]) {
    const x = series(n);
    const a = patchFeatures(x, { variant: 'plot+values+analyses' });
    const b = patchFeatures(Float64Array.from(x), { variant: 'plot+values+analyses' });
    assert.equal(Buffer.from(a.data.buffer), Buffer.from(b.data.buffer));
    assert.ok(a.data.every(Number.isFinite), `n = ${n}`);
  }
});

test('a batch stacks prompts as (B, P, F), and mismatched prompts are refused', () => {
  const a = patchFeatures(series(200, 1)),
    b = patchFeatures(series(300, 2));
  const batch = batchFeatures([a, b]);
  assert.equal(batch.dims, [2, 64, 256]);
  assert.equal(Array.from(batch.data.subarray(64 * 256, 64 * 256 + 10)), Array.from(b.data.subarray(0, 10)));
  const c = patchFeatures(series(200, 1), { variant: 'plot+values' });
  assert.throws(
    () => batchFeatures([a, c]),
    (e: unknown) => e instanceof ConfigError && /prompt 1 has \(P, F\) = \(64, 268\)/.test(e.message),
  );
  assert.throws(
    () => resolveFeatureOptions({ variant: 'pixels' as never }),
    (e: unknown) => e instanceof ConfigError && /features\.variant/.test(e.message),
  );
});

test('slopeChange adds two channels per column after every other block; without it nothing changes', () => {
  const x = series(1000, 4);
  const variant = 'plot+values+analyses+detector+ordinals' as const;
  const off = resolveFeatureOptions({ variant });
  const on = resolveFeatureOptions({ variant, slopeChange: true });
  assert.is(on.featureSize, off.featureSize + 4 * SLOPE_CHANGE_CHANNELS.length);
  assert.is('slopeChange' in off, false, 'an option left off is not stored (older specs read the same)');
  const a = patchFeatures(x, off);
  const b = patchFeatures(x, on);
  const cols = slopeChangeColumns(x, 256);
  const scan = slopeChangeScan(x);
  for (let k = 0; k < 64; k++) {
    assert.equal(b.data.subarray(k * on.featureSize, k * on.featureSize + off.featureSize), a.data.subarray(k * off.featureSize, (k + 1) * off.featureSize));
    for (let j = 0; j < 4; j++) for (let q = 0; q < 2; q++) assert.is(b.data[k * on.featureSize + off.featureSize + 2 * j + q], cols[(4 * k + j) * 2 + q]);
  }
  // Column c pools the points it holds (max, then log1p / 5): check one column by a plain loop.
  const c = 100;
  let m = 0;
  for (let i = 0; i < 1000; i++) if (columnOfIndex(i, 1000, 256) === c) m = Math.max(m, scan.start[i]!);
  assert.ok(Math.abs(cols[c * 2]! - Math.log1p(m) / 5) < 1e-6);
  assert.throws(
    () => resolveFeatureOptions({ variant: 'plot+values', slopeChange: true }),
    (e: unknown) => e instanceof ConfigError && /analyses/.test((e as Error).message),
  );
  const spec = policySpecFromJob(compileJobConfig({ name: 's', policy: { inputs: { plot: true, values: true, analyses: true, slopeChange: true } } }));
  assert.is(spec.features.slopeChange, true);
  assert.throws(
    () => policySpecFromJob(compileJobConfig({ name: 's', policy: { inputs: { plot: true, values: true, analyses: false, slopeChange: true } } })),
    (e: unknown) => e instanceof ConfigError && /policy\.inputs\.slopeChange/.test((e as Error).message),
  );
});

test('seasonal adds two channels per column after every other block (the slope-change scan included); without it nothing changes', () => {
  const x = series(1000, 6);
  const variant = 'plot+values+analyses+detector+ordinals' as const;
  const off = resolveFeatureOptions({ variant, slopeChange: true });
  const on = resolveFeatureOptions({ variant, slopeChange: true, seasonal: true });
  assert.is(on.featureSize, off.featureSize + 4 * SEASONAL_CHANNELS.length);
  assert.is('seasonal' in off, false, 'an option left off is not stored (older specs read the same)');
  const a = patchFeatures(x, off);
  const b = patchFeatures(x, on);
  const cols = seasonalColumns(x, 256);
  for (let k = 0; k < 64; k++) {
    assert.equal(b.data.subarray(k * on.featureSize, k * on.featureSize + off.featureSize), a.data.subarray(k * off.featureSize, (k + 1) * off.featureSize));
    for (let j = 0; j < 4; j++) for (let q = 0; q < 2; q++) assert.is(b.data[k * on.featureSize + off.featureSize + 2 * j + q], cols[(4 * k + j) * 2 + q]);
  }
  // Column c: the largest |z| (log1p / 5) and the signed mean z of the points it holds, by a plain loop.
  const r = seasonalResidual(x);
  assert.ok(r.period > 30 && r.period < 36, `the series' period is 1 / 0.03, got ${r.period}`);
  for (const c of [10, 125, 200]) {
    let most = 0,
      sum = 0,
      count = 0;
    for (let i = 0; i < 1000; i++) {
      if (columnOfIndex(i, 1000, 256) !== c) continue;
      const zi = r.residual[i]! / r.scale;
      [most, sum, count] = [Math.max(most, Math.abs(zi)), sum + zi, count + 1];
    }
    assert.ok(Math.abs(cols[c * 2]! - Math.log1p(most) / 5) < 1e-6);
    assert.ok(Math.abs(cols[c * 2 + 1]! - (Math.sign(sum) * Math.log1p(Math.abs(sum / count))) / 5) < 1e-6);
  }
  // The spike at 500..504 is off its cycle's phase: its column is the largest.
  const at = columnOfIndex(502, 1000, 256);
  assert.ok(cols[at * 2]! > 0.5 && cols[at * 2]! === Math.max(...Array.from({ length: 256 }, (_, c) => cols[c * 2]!)));
  assert.throws(
    () => resolveFeatureOptions({ variant: 'plot+values', seasonal: true }),
    (e: unknown) => e instanceof ConfigError && /analyses/.test((e as Error).message),
  );
  const spec = policySpecFromJob(compileJobConfig({ name: 's', policy: { inputs: { plot: true, values: true, analyses: true, seasonal: true } } }));
  assert.is(spec.features.seasonal, true);
  assert.is(spec.features.featureSize, resolveFeatureOptions({ variant: 'plot+values+analyses', seasonal: true }).featureSize);
  assert.throws(
    () => policySpecFromJob(compileJobConfig({ name: 's', policy: { inputs: { plot: true, values: true, analyses: false, seasonal: true } } })),
    (e: unknown) => e instanceof ConfigError && /policy\.inputs\.seasonal/.test((e as Error).message),
  );
});

test.run();
