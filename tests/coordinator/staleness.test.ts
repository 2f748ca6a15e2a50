// Bounded staleness: a worker holding w may start a rollout iff 0 < w <= V and V − w <= S.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { acceptsSubmission, checkRollout, minWeightVersion, validateMaxStaleness } from '../../coordinator/scheduling/staleness.js';
import { ConfigError } from '../../shared/errors.js';

// [latest V, held w, maxStaleness S, expected verdict]
const CASES: [number, number, number, ReturnType<typeof checkRollout>][] = [
  // S = 0: synchronous — leases for step k only against version k.
  [1, 1, 0, { ok: true, minWeightVersion: 1 }],
  [5, 5, 0, { ok: true, minWeightVersion: 5 }],
  [5, 4, 0, { ok: false, reason: 'stale', fetchVersion: 5 }],
  [5, 0, 0, { ok: false, reason: 'stale', fetchVersion: 5 }],
  // S = 2: versions V-2 .. V may lease.
  [7, 7, 2, { ok: true, minWeightVersion: 5 }],
  [7, 6, 2, { ok: true, minWeightVersion: 5 }],
  [7, 5, 2, { ok: true, minWeightVersion: 5 }],
  [7, 4, 2, { ok: false, reason: 'stale', fetchVersion: 7 }],
  // The minimum never drops below version 1 (0 = no weights at all).
  [2, 1, 5, { ok: true, minWeightVersion: 1 }],
  [2, 0, 5, { ok: false, reason: 'stale', fetchVersion: 2 }],
  // Nothing published yet: nobody may sample.
  [0, 0, 0, { ok: false, reason: 'no-weights', fetchVersion: 0 }],
  [0, 0, 3, { ok: false, reason: 'no-weights', fetchVersion: 0 }],
  // A version the coordinator never published.
  [3, 4, 1, { ok: false, reason: 'ahead', fetchVersion: 3 }],
];

for (const [V, w, S, want] of CASES) {
  test(`V=${V}, w=${w}, S=${S}: ${want.ok ? `may start (min ${want.minWeightVersion})` : want.reason}`, () => {
    assert.equal(checkRollout(V, w, S), want);
    if (V > 0 && w > 0 && w <= V) assert.is(checkRollout(V, w, S).ok, V - w <= S, 'ok iff V − w <= S');
  });
}

test('minWeightVersion is max(1, V − S), or 0 before any version', () => {
  assert.equal([minWeightVersion(0, 0), minWeightVersion(0, 4), minWeightVersion(1, 0), minWeightVersion(10, 3), minWeightVersion(3, 10)], [0, 0, 1, 7, 1]);
});

test('a lease accepts groups sampled with its minimum version or newer', () => {
  assert.equal([acceptsSubmission(4, 5), acceptsSubmission(5, 5), acceptsSubmission(9, 5)], [false, true, true]);
});

test('every version a leasing worker may hold is accepted by the lease it gets', () => {
  for (let V = 1; V <= 12; V++) {
    for (let S = 0; S <= 4; S++) {
      for (let w = 0; w <= V + 1; w++) {
        const v = checkRollout(V, w, S);
        if (v.ok) assert.ok(acceptsSubmission(w, v.minWeightVersion), `V=${V} S=${S} w=${w}`);
      }
    }
  }
});

test('validateMaxStaleness accepts integers in [0, 1000] and names the field otherwise', () => {
  assert.equal([validateMaxStaleness(0), validateMaxStaleness(1000)], [0, 1000]);
  for (const bad of [-1, 1.5, 1001, '2', null]) {
    assert.throws(
      () => validateMaxStaleness(bad),
      (e: unknown) => e instanceof ConfigError && /^cluster\.maxStaleness: must be an integer in \[0, 1000\]/.test((e as Error).message),
    );
  }
});

test.run();
