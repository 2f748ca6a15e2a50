/**
 * Flag parsers every command shares: each checks one flag and throws a ConfigError naming it
 * with the allowed range, so `--threads 0` reads the same in every command.
 */
import { ConfigError } from '../../shared/errors.js';

/** An integer flag in [min, max]. */
export function parseIntFlag(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new ConfigError(flag, `must be an integer in [${min}, ${max}], got "${value}"`);
  return n;
}

/** `--threads`: ONNX Runtime intra-op threads per session, 1–64. */
export const parseThreads = (value: string, flag = '--threads'): number => parseIntFlag(flag, value, 1, 64);

/**
 * `--device`: cpu or cuda:N (shared/onnx/runtime parseDevice); returns the name as given. Async
 * because that module loads ONNX Runtime, which `--help` and light commands must not load.
 */
export async function parseDeviceFlag(value: string, flag = '--device'): Promise<string> {
  const { parseDevice } = await import('../../shared/onnx/runtime.js');
  parseDevice(value, flag);
  return value;
}

/** A TCP port flag, 0 = any free port. */
export const parsePortFlag = (flag: string, value: string): number => parseIntFlag(flag, value, 0, 65535);
