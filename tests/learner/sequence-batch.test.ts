import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { packSequences } from '../../learner/sequence-batch.js';

const feat = (v: number) => ({ numPatches: 2, featureSize: 3, data: Float32Array.from({ length: 6 }, () => v) });
const opts = { bos: 1, pad: 0, outputSize: 4, maxLen: 16 };

test('inputs are <bos> + ids[:-1], targets are ids, both right-padded with <pad>', () => {
  const b = packSequences([[5, 6, 7], [8]], [feat(1), feat(2)], undefined, opts);
  assert.is(b.T, 3);
  assert.equal(Array.from(b.feeds.inputs.data as BigInt64Array, Number), [1, 5, 6, 1, 0, 0]);
  assert.equal(Array.from(b.feeds.targets.data as BigInt64Array, Number), [5, 6, 7, 8, 0, 0]);
  assert.equal(Array.from(b.feeds.response_mask.data as Float32Array), [1, 1, 1, 1, 0, 0]);
  assert.equal(Array.from(b.feeds.positions.data as BigInt64Array, Number), [0, 1, 2]);
  assert.equal(b.lengths, [3, 1]);
});

test('features stack in row order and the mask is all zeros without grammars', () => {
  const b = packSequences([[5], [6]], [feat(1), feat(2)], undefined, opts);
  assert.equal(b.feeds.features.dims, [2, 2, 3]);
  assert.is((b.feeds.features.data as Float32Array)[6], 2);
  assert.equal(b.feeds.mask_add.dims, [2, 1, 4]);
  assert.ok((b.feeds.mask_add.data as Float32Array).every((x) => x === 0));
});

test('sequences longer than maxLen are cut to maxLen', () => {
  const b = packSequences([[2, 3, 4, 5, 6]], [feat(0)], undefined, { ...opts, maxLen: 3 });
  assert.is(b.T, 3);
  assert.equal(b.lengths, [3]);
  assert.equal(Array.from(b.feeds.targets.data as BigInt64Array, Number), [2, 3, 4]);
});

test('a row count that differs from the feature count is an error', () => {
  assert.throws(() => packSequences([[1]], [], undefined, opts), /1 sequences but 0 feature rows/);
});

test.run();
