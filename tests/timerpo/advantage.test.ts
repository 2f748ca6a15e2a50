import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { advMain, advGrounded, projectOrthogonal, estimatorByName, ESTIMATORS } from '../../shared/timerpo/advantage.js';
import { ConfigError } from '../../shared/errors.js';
import { Rng } from '../../shared/rng.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-12) => {
  assert.is(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

test('the main advantage is the reward minus its group mean (hand case, G = 5)', () => {
  close(advMain([1, 0, 0.5, 0.5, 0], 5), [0.6, -0.4, 0.1, 0.1, -0.4]);
});

test('groups are centred independently', () => {
  close(advMain([1, 0, 3, 5], 2), [0.5, -0.5, -1, 1]);
});

test('the std-normalised main advantage divides by the group std (population)', () => {
  const sd = Math.sqrt(0.14);
  close(
    advMain([1, 0, 0.5, 0.5, 0], 5, true),
    [0.6, -0.4, 0.1, 0.1, -0.4].map((v) => v / (sd + 1e-6)),
  );
});

test('projection off the main advantage, hand case: [1,0] off [1,-1] is [0.5,0.5] (up to the 1e-8 guard)', () => {
  const k = 1 / (2 + 1e-8);
  close(projectOrthogonal([1, 0], [1, -1], 2), [1 - k, k]);
  close(projectOrthogonal([1, 0], [1, -1], 2), [0.5, 0.5], 1e-8);
});

test('the projected grounded advantage is orthogonal to the main advantage in every group', () => {
  const r = new Rng(5);
  const G = 5;
  const R = Array.from({ length: 40 }, () => r.uniform());
  const s = Array.from({ length: 40 }, () => r.uniform());
  const am = advMain(R, G);
  const ap = projectOrthogonal(advGrounded(s, G), am, G);
  for (let g = 0; g < 8; g++) {
    // Exactly orthogonal but for the 1e-8 guard in the denominator: residual = ⟨Â_TsR, Â_main⟩·1e-8/(‖Â_main‖² + 1e-8).
    let dot = 0,
      nn = 0;
    for (let i = 0; i < G; i++) {
      dot += ap[g * G + i] * am[g * G + i];
      nn += am[g * G + i] ** 2;
    }
    assert.ok(Math.abs(dot) < 1e-7 / nn + 1e-14, `group ${g}: dot ${dot}`);
  }
});

test('a group with equal rewards gets only the grounded term: A = α · Â_TsR', () => {
  const parts = ESTIMATORS.timerpo([0.7, 0.7, 0.7], [0.9, 0.3, 0.6], { groupSize: 3, alpha: 0.3 });
  close(parts.advMain, [0, 0, 0]);
  close(parts.advantage, [0.3 * 0.3, 0.3 * -0.3, 0]);
});

test('grpo uses the main advantage only; timerpo-no-proj adds α·Â_TsR unprojected', () => {
  const R = [1, 0, 0, 1],
    s = [0.2, 0.4, 0.9, 0.1];
  close(ESTIMATORS.grpo(R, s, { groupSize: 2 }).advantage, [0.5, -0.5, -0.5, 0.5]);
  const np = ESTIMATORS['timerpo-no-proj'](R, s, { groupSize: 2, alpha: 0.5 });
  close(np.advantage, [0.5 + 0.5 * -0.1, -0.5 + 0.5 * 0.1, -0.5 + 0.5 * 0.4, 0.5 + 0.5 * -0.4]);
});

test('timerpo: with grounded advantage parallel to the main one, projection removes it entirely', () => {
  const parts = ESTIMATORS.timerpo([1, 0], [0.8, 0.2], { groupSize: 2, alpha: 0.3 });
  close(parts.advProjected, [0, 0], 1e-7);
  close(parts.advantage, parts.advMain, 1e-7);
});

test('an unknown estimator is a ConfigError listing the valid names', () => {
  try {
    estimatorByName('ppo');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.match((e as Error).message, /estimator: unknown estimator "ppo"; valid: grpo, timerpo-no-proj, timerpo/);
  }
});

test('timerpo without grounded rewards is a ConfigError', () => {
  assert.throws(() => ESTIMATORS.timerpo([1, 0], undefined, { groupSize: 2 }), /needs grounded rewards/);
});

test('rewards that do not fill whole groups are rejected', () => {
  assert.throws(() => advMain([1, 2, 3], 2), /not a multiple of groupSize 2/);
});

test.run();
