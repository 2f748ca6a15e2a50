// Answer positions as pointer + offset tokens: exact round trips and the patch geometry.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, ShapeError } from '../../shared/errors.js';
import { intervalOfColumnSpan } from '../../shared/plot/mapping.js';
import { DEFAULT_POSITION_LAYOUT, PositionMap, numPatches } from '../../shared/policy/positions.js';

const layout = DEFAULT_POSITION_LAYOUT;

test('every start 0..n−1 and every end 1..n round trips exactly for n = 1000 and other lengths', () => {
  for (const n of [1, 2, 7, 63, 64, 100, 255, 256, 257, 999, 1000, 1001, 1500, 1984]) {
    const pm = new PositionMap(n, layout);
    assert.is(pm.stride, 1, `n = ${n}`);
    for (let i = 0; i < n; i++) assert.is(pm.decode(...pm.encodeStart(i)), i, `start ${i} of n = ${n}`);
    for (let e = 1; e <= n; e++) assert.is(pm.decode(...pm.encodeEnd(e)), e, `end ${e} of n = ${n}`);
  }
});

test('the pointer of a start is the patch whose columns hold that point (plain loop over columns)', () => {
  const n = 1000;
  const pm = new PositionMap(n, layout);
  for (let i = 0; i < n; i++) {
    let want = -1;
    for (let k = 0; k < numPatches(layout); k++) {
      const [s, e] = intervalOfColumnSpan([k * 4, k * 4 + 4], n, 256);
      if (s <= i && i < e) want = k;
    }
    assert.is(pm.encodeStart(i)[0], want, `index ${i}`);
  }
});

test('the worked example of positions.ts: patch 32 of n = 1000 is [500, 516)', () => {
  const pm = new PositionMap(1000, layout);
  assert.equal(pm.patchRange(32), [500, 516]);
  assert.equal(pm.encodeStart(510), [32, 10]);
  assert.equal(pm.encodeEnd(516), [32, 16]);
  assert.equal(pm.encodeEnd(1000), [63, 16]);
});

test('an end points at the patch of the last anomalous point, with offset >= 1', () => {
  const pm = new PositionMap(1000, layout);
  for (let e = 1; e <= 1000; e++) {
    const [k, j] = pm.encodeEnd(e);
    assert.is(k, pm.patchOf(e - 1));
    assert.ok(j >= 1 && j <= pm.maxEndOffset(k));
  }
});

test('long series round outward: the decoded interval covers the true one', () => {
  const n = 5000;
  const pm = new PositionMap(n, layout);
  assert.ok(pm.stride > 1);
  for (let i = 0; i < n; i += 7) {
    const s = pm.decode(...pm.encodeStart(i));
    assert.ok(s <= i && i - s < pm.stride, `start ${i} → ${s}`);
    const e = pm.decode(...pm.encodeEnd(i + 1));
    assert.ok(e >= i + 1 && e - (i + 1) < pm.stride, `end ${i + 1} → ${e}`);
  }
});

test('bad layouts and out-of-range indices are refused with the field and range', () => {
  assert.throws(
    () => numPatches({ width: 256, patchCols: 3, offsetsPerPatch: 32 }),
    (e: unknown) => e instanceof ConfigError && /patchCols.*dividing width = 256, got 3/.test(e.message),
  );
  const pm = new PositionMap(10, layout);
  assert.throws(
    () => pm.encodeStart(10),
    (e: unknown) => e instanceof ShapeError && /outside \[0, 10\)/.test(e.message),
  );
  assert.throws(
    () => pm.decode(64, 0),
    (e: unknown) => e instanceof ShapeError && /P64 is outside \[0, 64\)/.test(e.message),
  );
});

test('PositionMap.of shares one map per length and layout, answering as a new one does', () => {
  const layout = DEFAULT_POSITION_LAYOUT;
  assert.is(PositionMap.of(1000, layout), PositionMap.of(1000, { ...layout }), 'same length and layout: the same map');
  assert.is.not(PositionMap.of(1000, layout), PositionMap.of(999, layout));
  assert.is.not(PositionMap.of(1000, layout), PositionMap.of(1000, { ...layout, offsetsPerPatch: 16 }));
  for (const n of [17, 256, 1000, 3999]) {
    const shared = PositionMap.of(n, layout);
    const fresh = new PositionMap(n, layout);
    for (let k = 0; k < fresh.numPatches; k++) assert.equal(shared.patchRange(k), fresh.patchRange(k));
    assert.is(shared.stride, fresh.stride);
  }
});

test.run();
