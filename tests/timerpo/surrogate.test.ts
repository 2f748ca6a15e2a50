import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clippedSurrogate, klK3, timerpoLoss } from '../../shared/timerpo/surrogate.js';

const near = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('the surrogate clips a ratio of 1.5 to 1.2 for a positive advantage', () => {
  near(clippedSurrogate(Math.log(1.5), 0, 1, 0.2), 1.2);
});

test('the surrogate keeps the unclipped ratio for a negative advantage when that is the minimum', () => {
  near(clippedSurrogate(Math.log(1.5), 0, -1, 0.2), -1.5);
  near(clippedSurrogate(Math.log(0.5), 0, -1, 0.2), -0.8);
  near(clippedSurrogate(Math.log(0.5), 0, 1, 0.2), 0.5);
});

test('k3 KL: exp(d) − d − 1 with d = logp_ref − logp_new; 0 when equal', () => {
  near(klK3(0, Math.log(2)), 2 - Math.log(2) - 1);
  near(klK3(-1.3, -1.3), 0);
  assert.ok(klK3(-2, -0.5) > 0 && klK3(-0.5, -2) > 0);
});

test('the token-mean loss ignores masked tokens and reports its parts', () => {
  const b = {
    logpNew: [Math.log(1.5), 0, 123],
    logpOld: [0, 0, -50],
    logpRef: [0, Math.log(2), 7],
    entropy: [1, 3, 99],
    advantage: [1, 1, 1],
    mask: [1, 1, 0],
  };
  const p = timerpoLoss(b, { clipEps: 0.2, klCoef: 0.001, entropyCoef: 0.001 });
  near(p.surrogate, (1.2 + 1) / 2);
  near(p.kl, (klK3(Math.log(1.5), 0) + klK3(0, Math.log(2))) / 2);
  near(p.entropy, 2);
  near(p.clipFraction, 0.5);
  assert.is(p.tokens, 2);
  near(p.loss, -p.surrogate + 0.001 * p.kl - 0.001 * p.entropy);
});

test.run();
