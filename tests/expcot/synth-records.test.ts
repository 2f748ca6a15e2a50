// ExpCoT is built for series off the protocol too: a periodic fit whose phase rate is not a
// number (a dominant period about as long as the series) must not crash the Reasoning part.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDataSpec } from '../../shared/datasets/spec.js';
import { blindExpCot, buildExpCot } from '../../shared/expcot/build.js';

test('the level-shift record whose periodic phase rate was NaN gets an ExpCoT and a blind ExpCoT', async () => {
  const [r] = (await loadDataSpec('synth:eval?tasks=level-shift&count=36')).filter((x) => x.id === 'eval/level-shift/0035');
  assert.ok(r, 'eval/level-shift/0035 exists');
  assert.match(buildExpCot(r!).text, /^<think> Observation: /);
  assert.match(blindExpCot(r!.series).text, /<\/think>/);
});

test('every record of two synth tasks per split builds both ExpCoTs', async () => {
  for (const split of ['train', 'eval']) {
    for (const r of await loadDataSpec(`synth:${split}?tasks=level-shift,seasonal-change&count=60`)) {
      if (r.type !== 'unknown') buildExpCot(r);
      blindExpCot(r.series);
    }
  }
});

test.run();
