import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';
import { ConfigError, ShapeError } from '../../shared/errors.js';
import { discord, discordsFromProfile, exclusionZone, matrixProfile, topDiscords } from '../../shared/analysis/matrix-profile.js';

/** A window z-normalised by definition (population std), or marked constant. */
function znorm(v: number[]): { z: number[]; constant: boolean } {
  const m = v.length;
  const mu = v.reduce((s, y) => s + y, 0) / m;
  const sd = Math.sqrt(v.reduce((s, y) => s + (y - mu) ** 2, 0) / m);
  return { z: v.map((y) => (y - mu) / sd), constant: v.every((y) => y === v[0]) };
}

/** z-normalised Euclidean distance; constant windows as documented (0 between two, √m against one). */
function znormDistance(a: { z: number[]; constant: boolean }, b: { z: number[]; constant: boolean }): number {
  if (a.constant && b.constant) return 0;
  if (a.constant || b.constant) return Math.sqrt(a.z.length);
  let s = 0;
  for (let t = 0; t < a.z.length; t++) s += (a.z[t] - b.z[t]) ** 2;
  return Math.sqrt(s);
}

/** Brute force: every pair outside the exclusion zone |i − j| ≤ ⌈m/4⌉. */
function bruteForce(x: number[], m: number): { profile: number[]; index: number[]; dist: (i: number, j: number) => number } {
  const l = x.length - m + 1;
  const excl = Math.ceil(m / 4);
  const subs = Array.from({ length: l }, (_, i) => znorm(x.slice(i, i + m)));
  const dist = (i: number, j: number) => znormDistance(subs[i], subs[j]);
  const profile: number[] = [],
    index: number[] = [];
  for (let i = 0; i < l; i++) {
    let best = Infinity,
      at = -1;
    for (let j = 0; j < l; j++) {
      if (Math.abs(i - j) <= excl) continue;
      const d = dist(i, j);
      if (d < best) {
        best = d;
        at = j;
      }
    }
    profile.push(best);
    index.push(at);
  }
  return { profile, index, dist };
}

function checkAgainstBruteForce(x: number[], m: number, label: string): void {
  const got = matrixProfile(x, m);
  const want = bruteForce(x, m);
  assert.is(got.profile.length, x.length - m + 1, label);
  for (let i = 0; i < want.profile.length; i++) {
    if (!Number.isFinite(want.profile[i])) {
      assert.is(got.profile[i], Infinity, `${label} i=${i}`);
      assert.is(got.index[i], -1, `${label} i=${i}`);
      continue;
    }
    assert.ok(Math.abs(got.profile[i] - want.profile[i]) < 1e-8, `${label} i=${i}: ${got.profile[i]} vs ${want.profile[i]}`);
    // The index must be a valid non-trivial neighbour at the same distance (ties may differ).
    const j = got.index[i];
    assert.ok(Math.abs(i - j) > exclusionZone(m), `${label} i=${i} j=${j} is a trivial match`);
    assert.ok(j === want.index[i] || Math.abs(want.dist(i, j) - want.profile[i]) < 1e-8, `${label} i=${i}: index ${j} vs ${want.index[i]}`);
  }
}

test('the matrix profile equals brute force on random series of several lengths and m', () => {
  const cases: Array<[number, number]> = [
    [10, 3],
    [50, 4],
    [120, 10],
    [200, 25],
    [300, 50],
    [64, 2],
  ];
  for (const [n, m] of cases) {
    const r = new Rng(n * 100 + m);
    const x = Array.from({ length: n }, () => r.normal(0, 1));
    checkAgainstBruteForce(x, m, `random n=${n} m=${m}`);
  }
});

test('the matrix profile equals brute force on a random walk with a large offset', () => {
  const r = new Rng(77);
  let v = 1e4;
  const x = Array.from({ length: 400 }, () => (v += r.normal(0, 1)));
  checkAgainstBruteForce(x, 30, 'random walk');
});

test('the matrix profile stays exact along diagonals longer than the refresh period', () => {
  const r = new Rng(78);
  const x = Array.from({ length: 1400 }, (_, t) => Math.sin(0.05 * t) + r.normal(0, 0.2));
  const got = matrixProfile(x, 16);
  const want = bruteForce(x, 16);
  for (let i = 0; i < want.profile.length; i += 7) assert.ok(Math.abs(got.profile[i] - want.profile[i]) < 1e-8, `i=${i}`);
});

test('constant subsequences: 0 between two constant windows, √m against a non-constant one, never NaN', () => {
  const r = new Rng(5);
  const x = Array.from({ length: 120 }, () => r.normal(0, 1));
  for (let t = 10; t < 30; t++) x[t] = 2;
  for (let t = 70; t < 85; t++) x[t] = -1;
  const { profile } = matrixProfile(x, 8);
  assert.ok(profile.every((v) => !Number.isNaN(v)));
  checkAgainstBruteForce(x, 8, 'with flat stretches');
  // Windows inside the first flat stretch have a constant neighbour in the second: distance 0.
  assert.is(profile[12], 0);
  // A single flat stretch: its windows' only constant neighbours are trivial matches.
  const y = Array.from({ length: 80 }, () => r.normal(0, 1));
  for (let t = 30; t < 40; t++) y[t] = 0.5;
  const py = matrixProfile(y, 8).profile;
  assert.ok(Math.abs(py[31] - Math.sqrt(8)) < 1e-12, `${py[31]}`);
});

test('a fully constant series has an all-zero profile', () => {
  const { profile, index } = matrixProfile(new Array(40).fill(3), 5);
  assert.ok(profile.every((v) => v === 0));
  assert.ok(index.every((j, i) => Math.abs(i - j) > exclusionZone(5)));
});

test('subsequences with no non-trivial neighbour get Infinity and index −1', () => {
  // n = 12, m = 8: l = 5 starts, exclusion 2 — only starts 0↔3, 0↔4, 1↔4 are allowed pairs.
  const r = new Rng(6);
  const x = Array.from({ length: 12 }, () => r.normal(0, 1));
  const { profile, index } = matrixProfile(x, 8);
  assert.is(profile[2], Infinity);
  assert.is(index[2], -1);
  assert.ok(Number.isFinite(profile[0]) && Number.isFinite(profile[4]));
  checkAgainstBruteForce(x, 8, 'short');
});

test('a planted discord in a noisy sine is found', () => {
  const r = new Rng(9);
  const n = 1000,
    m = 50;
  const x = Array.from({ length: n }, (_, t) => Math.sin(2 * Math.PI * 0.02 * t) + r.normal(0, 0.05));
  // Replace one period by a sawtooth: a shapelet anomaly.
  for (let t = 600; t < 650; t++) x[t] = ((t - 600) / 50) * 2 - 1;
  const d = discord(x, m);
  assert.ok(d.start > 600 - m && d.start < 650, `discord at ${d.start}`);
  const { profile } = matrixProfile(x, m);
  assert.is(d.distance, Math.max(...profile));
});

test('topDiscords are ordered by distance and never overlap', () => {
  const r = new Rng(10);
  const x = Array.from({ length: 800 }, (_, t) => Math.sin(2 * Math.PI * 0.025 * t) + r.normal(0, 0.05));
  for (let t = 200; t < 230; t++) x[t] += 0.8;
  for (let t = 550; t < 570; t++) x[t] = -x[t];
  const top = topDiscords(x, 40, 3);
  assert.is(top.length, 3);
  for (let a = 0; a < top.length; a++) {
    if (a > 0) assert.ok(top[a].distance <= top[a - 1].distance);
    for (let b = a + 1; b < top.length; b++) assert.ok(Math.abs(top[a].start - top[b].start) >= 40);
  }
  const hits = top
    .slice(0, 2)
    .map((d) => d.start)
    .sort((a, b) => a - b);
  assert.ok(hits[0] > 200 - 40 && hits[0] < 230, `${hits}`);
  assert.ok(hits[1] > 550 - 40 && hits[1] < 570, `${hits}`);
});

test('discordsFromProfile skips Infinity entries and returns fewer than k when the profile runs out', () => {
  assert.equal(discordsFromProfile([1, Infinity, 3, 2, 0.5], 2, 5), [
    { start: 2, distance: 3 },
    { start: 0, distance: 1 },
    { start: 4, distance: 0.5 },
  ]);
  assert.equal(discordsFromProfile([1, 2], 2, 0), []);
});

test('bad m, a too-short series and one without any discord are rejected', () => {
  assert.throws(
    () => matrixProfile([1, 2, 3], 1),
    (e: unknown) => e instanceof ConfigError && /matrixProfile\.m.*got 1/.test((e as Error).message),
  );
  assert.throws(
    () => matrixProfile([1, 2, 3], 4),
    (e: unknown) => e instanceof ShapeError && /need at least m = 4/.test((e as Error).message),
  );
  assert.throws(
    () => discord([1, 2, 3, 4, 5, 6, 7, 8], 8),
    (e: unknown) => e instanceof ShapeError && /at least 11/.test((e as Error).message),
  );
});

test.run();
