// The decode loop's host buffers: growing keeps every filled slot, writes land in their slot,
// moving a row copies all of it, and feeds are views of the first n rows (plain-loop checks).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KvBuffer, RowTensors } from '../../shared/policy/kv-cache.js';

const [L, H, dh, rows] = [2, 2, 3, 4];
const at = (r: number, h: number, t: number, e: number, C: number) => ((r * H + h) * C + t) * dh + e;
/** The value written for (layer, row, head, slot, element), distinct for every index. */
const val = (i: number, r: number, h: number, t: number, e: number) => 1 + i * 10000 + r * 1000 + h * 100 + t * 10 + e;

function fill(kv: KvBuffer, steps: number, n = rows) {
  for (let t = 0; t < steps; t++) {
    kv.reserve(t);
    for (let i = 0; i < L; i++) {
      const k = new Float32Array(n * H * dh),
        v = new Float32Array(n * H * dh);
      for (let r = 0; r < n; r++)
        for (let h = 0; h < H; h++)
          for (let e = 0; e < dh; e++) ((k[(r * H + h) * dh + e] = val(i, r, h, t, e)), (v[(r * H + h) * dh + e] = -val(i, r, h, t, e)));
      kv.write(i, k, v, n, t);
    }
  }
}

test('slots written before and after growing hold their values; capacity grows past the slot asked for', () => {
  const kv = new KvBuffer(L, H, dh, rows, 2, 100);
  fill(kv, 37);
  assert.ok(kv.capacity >= 37 && kv.capacity <= 100);
  const C = kv.capacity;
  const f = kv.feeds(rows);
  assert.equal(f['cache.1.k'].dims, [rows, H, C, dh]);
  for (let r = 0; r < rows; r++)
    for (let h = 0; h < H; h++)
      for (let t = 0; t < 37; t++)
        for (let e = 0; e < dh; e++) {
          assert.is(f['cache.1.k'].data[at(r, h, t, e, C)], val(1, r, h, t, e));
          assert.is(f['cache.0.v'].data[at(r, h, t, e, C)], -val(0, r, h, t, e));
        }
});

test('moving a row copies every layer and slot; feeds(n) are views of the first n rows', () => {
  const kv = new KvBuffer(L, H, dh, rows, 8, 8);
  fill(kv, 5);
  kv.move(3, 1);
  const f = kv.feeds(2);
  assert.equal(f['cache.0.k'].dims, [2, H, 8, dh]);
  for (let h = 0; h < H; h++) for (let t = 0; t < 5; t++) assert.is(f['cache.0.k'].data[at(1, h, t, 0, 8)], val(0, 3, h, t, 0));
  assert.is(f['cache.0.k'].data.length, 2 * H * 8 * dh);
});

test('a slot past the largest capacity is refused', () => {
  const kv = new KvBuffer(L, H, dh, rows, 4, 4);
  assert.throws(() => kv.reserve(4), /slot 4 is past the largest capacity 4/);
});

test('row tensors move whole rows and feed the first n', () => {
  const t = new RowTensors({ a: { data: Float32Array.from({ length: 12 }, (_, i) => i), dims: [3, 2, 2] } });
  t.move(2, 0);
  const f = t.feeds(2).a;
  assert.equal(f.dims, [2, 2, 2]);
  assert.equal(Array.from(f.data as Float32Array), [8, 9, 10, 11, 4, 5, 6, 7]);
});

test.run();
