// cli/commands/progress.ts: an ETA on every progress report; on a terminal one line redrawn in place, off
// a terminal at most one line per 10 % (a manual clock, no sleeping).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { etaText, formatDuration, progressBar } from '../../cli/commands/progress.js';

function collector(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (t: string) => out.push(t) } };
}

test('durations read as s, m+s, h+m', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [9_400, '9s'],
    [59_600, '1m00s'],
    [65_000, '1m05s'],
    [3_599_000, '59m59s'],
    [3_725_000, '1h02m'],
    [-5, '0s'],
  ];
  for (const [ms, text] of cases) assert.is(formatDuration(ms), text, String(ms));
});

test('the ETA is elapsed / done × left, unknown before anything is done', () => {
  assert.is(etaText(0, 10, 5_000), 'ETA --');
  assert.is(etaText(1, 4, 10_000), 'ETA 30s');
  assert.is(etaText(120, 400, 30_000), 'ETA 1m10s');
  assert.is(etaText(400, 400, 30_000), 'ETA 0s');
});

test('off a terminal: one line per 10 % reached, the last with the total time, never a carriage return', () => {
  let t = 0;
  const c = collector(false);
  const bar = progressBar('eval', { stream: c.stream, now: () => t });
  for (let done = 1; done <= 400; done++) {
    t += 250;
    bar(done, 400);
  }
  assert.is(c.out.length, 10);
  assert.is(c.out[0], 'eval: 10% (40/400), ETA 1m30s\n');
  assert.is(c.out[4], 'eval: 50% (200/400), ETA 50s\n');
  assert.is(c.out[9], 'eval: 100% (400/400) in 1m40s\n');
  assert.not.ok(c.out.join('').includes('\r'));
  bar(400, 400);
  assert.is(c.out.length, 10, 'nothing after the end');
});

test('off a terminal: big jumps print one line, not one per 10 % skipped', () => {
  const c = collector(false);
  const bar = progressBar('detect', { stream: c.stream, now: () => 0 });
  bar(3, 10);
  bar(10, 10);
  assert.equal(c.out, ['detect: 30% (3/10), ETA 0s\n', 'detect: 100% (10/10) in 0s\n']);
});

test('on a terminal: one line redrawn at most every redrawMs, with an ETA, and a newline at the end', () => {
  let t = 0;
  const c = collector(true);
  const bar = progressBar('eval', { stream: c.stream, now: () => t, width: 10, redrawMs: 100 });
  bar(1, 4); // t = 0: drawn
  t = 50;
  bar(2, 4); // too soon: skipped
  t = 200;
  bar(3, 4);
  t = 220;
  bar(4, 4); // the end is always drawn
  assert.equal(c.out, [
    '\reval [###-------] 1/4 25%  ETA 0s\x1b[K',
    '\reval [########--] 3/4 75%  ETA 0s\x1b[K',
    '\reval [##########] 4/4 100%  in 0s\x1b[K\n',
  ]);
});

test.run();
