/**
 * Who scales a series before the policy reads it: the policy itself, or the caller.
 *
 * A policy's own setting is `policy.normalize` (stored in its checkpoint as
 * `spec.features.normalize`; checkpoints made before the setting hold `none`). Every path that
 * shows the policy a series — warm start, rollouts, scoring, training evals, `eval`, `detect`,
 * `serve` — builds the prompt with `patchFeatures(values, spec.features)` and
 * `grammarFor(spec, …)`, which apply that setting to each prompt (each window) they are given.
 *
 * `detect`, `serve` and `eval` on real data also scale the *whole* series before cutting it into
 * windows (`--normalize`, default `robust`), because a policy trained on raw protocol values
 * (`none`, the shipped checkpoint) needs data near [-1, 1]. For a policy that scales each window
 * itself, that whole-series step would be a second normalisation the policy never saw in
 * training, so it defaults to `none`, and asking for it is a ConfigError.
 *
 *   policy none,   --normalize unset  → whole series robust, windows as they are (today's detect)
 *   policy none,   --normalize minmax → whole series minmax
 *   policy robust, --normalize unset  → whole series as it is, each window robust (as trained)
 *   policy robust, --normalize robust → ConfigError (double normalisation)
 */
import { ConfigError } from '../errors.js';
import type { NormalizeMode } from '../plot/normalize.js';

/** The whole-series scaling before windowing for a policy whose own setting is `policyMode`. */
export function seriesNormalization(policyMode: NormalizeMode, requested: NormalizeMode | undefined, field = 'normalize'): NormalizeMode {
  if (policyMode === 'none') return requested ?? 'robust';
  if (requested === undefined || requested === 'none') return 'none';
  throw new ConfigError(
    field,
    `is ${requested}, but this policy scales every window itself (policy.normalize: ${policyMode} in its checkpoint); ` +
      'leave it unset or pass none — scaling the whole series first would show the policy data it was not trained on',
  );
}
