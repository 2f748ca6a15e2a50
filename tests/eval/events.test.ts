// Event-level scoring (shared/eval/events.ts): windows found, false alarms, share marked — the
// cases worked out by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventScore } from '../../shared/eval/events.js';

test('a window is found when any answered interval touches it; an interval touching none is a false alarm', () => {
  // Windows [10, 20) and [50, 60); answers: inside the first, straddling the second's end, and two elsewhere.
  assert.equal(
    eventScore(
      [
        [10, 20],
        [50, 60],
      ],
      [
        [12, 13],
        [59, 62],
        [30, 31],
        [80, 90],
      ],
      100,
    ),
    { windowsFound: 2, windows: 2, falseAlarms: 2, markedShare: (1 + 3 + 1 + 10) / 100 },
  );
});

test('half-open intervals: ending where a window starts does not touch it', () => {
  assert.equal(eventScore([[10, 20]], [[5, 10]], 40), { windowsFound: 0, windows: 1, falseAlarms: 1, markedShare: 5 / 40 });
  assert.equal(eventScore([[10, 20]], [[19, 25]], 40), { windowsFound: 1, windows: 1, falseAlarms: 0, markedShare: 6 / 40 });
});

test('silence finds nothing and raises nothing; a normal file has no windows to find', () => {
  assert.equal(eventScore([[3, 7]], [], 10), { windowsFound: 0, windows: 1, falseAlarms: 0, markedShare: 0 });
  assert.equal(eventScore([], [[0, 4]], 10), { windowsFound: 0, windows: 0, falseAlarms: 1, markedShare: 0.4 });
  assert.equal(eventScore([], [], 0), { windowsFound: 0, windows: 0, falseAlarms: 0, markedShare: 0 });
});

test('one interval covering two windows finds both; marking is clipped to the series', () => {
  assert.equal(
    eventScore(
      [
        [10, 20],
        [30, 40],
      ],
      [[0, 120]],
      100,
    ),
    { windowsFound: 2, windows: 2, falseAlarms: 0, markedShare: 1 },
  );
});

test.run();
