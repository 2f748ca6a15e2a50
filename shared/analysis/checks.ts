import { ConfigError, ShapeError } from '../errors.js';

/**
 * Argument checks shared by the analyses. A bad parameter (window, order, bins…)
 * is a ConfigError naming `<analysis>.<field>`, because it usually comes from a
 * flag or a config file; a series that is too short for the request is a ShapeError.
 */

/** Throws ShapeError when `x` has fewer than `min` values. */
export function requireLength(fn: string, x: ArrayLike<number>, min = 1): void {
  if (x.length < min) {
    throw new ShapeError(`${fn}: the series has ${x.length} value(s); need at least ${min}`);
  }
}

/** Throws ConfigError unless `value` is an integer in [min, max]. */
export function requireInt(field: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const allowed = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`;
    throw new ConfigError(field, `must be ${allowed}, got ${value}`);
  }
}

/** A Float64Array copy (or the same view when already one and `copy` is false). */
export function asFloat64(x: ArrayLike<number>, copy = false): Float64Array {
  if (x instanceof Float64Array) return copy ? x.slice() : x;
  return Float64Array.from(x);
}
