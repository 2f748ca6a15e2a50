// Length buckets: the cut is the cheapest (checked against every cut of small inputs), the
// packed rows hold each sequence in its slot, and locateRows finds every row.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../shared/rng.js';
import { bucketOverhead, locateRows, packBuckets, planBuckets } from '../../learner/length-buckets.js';
import { countParams, resolveModelConfig } from '../../shared/policy/model-config.js';

const cost = (groups: number[][], lengths: number[], overhead: number) =>
  groups.reduce((t, g) => t + g.length * Math.max(1, ...g.map((r) => lengths[r])) + overhead, 0);

/** Every way to cut the sorted rows into consecutive groups (the plain loop). */
function bruteBest(lengths: number[], overhead: number): number {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  let best = Infinity;
  for (let mask = 0; mask < 1 << (order.length - 1); mask++) {
    const groups: number[][] = [[order[0]]];
    for (let i = 1; i < order.length; i++) {
      if (mask & (1 << (i - 1))) groups.push([]);
      groups[groups.length - 1].push(order[i]);
    }
    best = Math.min(best, cost(groups, lengths, overhead));
  }
  return best;
}

test('the worked example: [10, 11, 12, 100] with overhead 24 cuts before the 100', () => {
  assert.equal(planBuckets([10, 100, 11, 12], 24), [[0, 2, 3], [1]]);
});

test('the cut costs no more than the best of every cut (random lengths, overheads 0–60)', () => {
  const rng = new Rng(3);
  for (let k = 0; k < 40; k++) {
    const lengths = Array.from({ length: 1 + rng.int(9) }, () => 1 + rng.int(120));
    const overhead = rng.int(61);
    const groups = planBuckets(lengths, overhead);
    assert.equal(
      groups.flat().sort((a, b) => a - b),
      lengths.map((_, i) => i),
      'every row exactly once',
    );
    assert.is(cost(groups, lengths, overhead), bruteBest(lengths, overhead));
  }
});

test('packed buckets hold each sequence at its slot, padded only to the bucket’s longest', () => {
  const seqs = [[5, 6, 7], [8], [9, 9, 9, 9, 9, 9, 9, 9, 9, 9]];
  const buckets = packBuckets(seqs, [0, 0, 1], undefined, { bos: 1, pad: 0, outputSize: 12, maxLen: 64, overheadTokens: 1 });
  const at = locateRows(buckets, seqs.length);
  seqs.forEach((s, r) => {
    const b = buckets[at.bucket[r]];
    const slot = at.slot[r];
    const tg = Array.from(b.feeds.targets.data as BigInt64Array, Number).slice(slot * b.T, slot * b.T + s.length);
    assert.equal(tg, s);
    assert.is(b.lengths[slot], s.length);
    assert.is(Number((b.feeds.row_prompt.data as BigInt64Array)[slot]), [0, 0, 1][r]);
  });
  assert.ok(buckets.every((b) => b.T === Math.max(...b.lengths)));
  assert.ok(buckets.length >= 2, 'the long row gets its own bucket');
});

test('the overhead scales inversely with model size: 64 tokens at 1 M parameters, clamped to [8, 1024]', () => {
  const big = resolveModelConfig({ vocabSize: 383 });
  const tiny = resolveModelConfig({ vocabSize: 40, width: 16, heads: 2, encLayers: 1, decLayers: 1, mlpHidden: 32, featureSize: 8, numPatches: 4, maxLen: 16 });
  assert.is(bucketOverhead(big), Math.round((64 * 1e6) / countParams(big)));
  assert.ok(bucketOverhead(big) < 64, 'the 1.5 M default model');
  assert.is(bucketOverhead(tiny), 1024);
});

test('a prompt index per sequence is required', () => {
  assert.throws(() => packBuckets([[1]], [], undefined, { bos: 1, pad: 0, outputSize: 4, maxLen: 8 }), /1 sequences but 0 prompt indices/);
});

test.run();
