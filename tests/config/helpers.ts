// Shared by the config tests (not a test file itself).
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../shared/errors.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Run fn and return the ConfigError it throws; fail when it throws nothing or something else. */
export function configError(fn: () => unknown): ConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  if (caught === undefined) assert.unreachable('expected a ConfigError, nothing was thrown');
  if (!(caught instanceof ConfigError)) throw caught;
  return caught;
}

/** Assert that fn throws a ConfigError for `field` whose message holds every one of `parts`. */
export function throwsConfig(fn: () => unknown, field: string, ...parts: string[]): void {
  const err = configError(fn);
  assert.is(err.field, field, `field of: ${err.message}`);
  assert.ok(err.message.startsWith(`${field}: `), err.message);
  for (const p of parts) assert.ok(err.message.includes(p), `"${err.message}" should contain "${p}"`);
}

/** True when value and everything under it is frozen. */
export function isDeepFrozen(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  return Object.isFrozen(value) && Object.values(value).every(isDeepFrozen);
}
