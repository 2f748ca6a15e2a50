// Waiting in tests: on events, with generous outer limits. A limit here is never the thing
// a test measures: it only turns a hang into a clear failure. On a healthy run nothing gets
// close to it, even on a loaded 2-core machine (the per-file limit of scripts/run-tests.mjs is
// 600 s; these stay well below it). Raise them all with TEST_EVENT_LIMIT_S.

/** Outer limit for one awaited event (a log line, a process exit, a page change), ms. */
export const EVENT_LIMIT_MS = Number(process.env.TEST_EVENT_LIMIT_S ?? 240) * 1000;

/** Resolves with `p`, or rejects with "<what>: not within N s" once `limitMs` has passed. */
export function within<T>(p: Promise<T>, what: string, limitMs = EVENT_LIMIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${limitMs / 1000} s`)), limitMs);
    timer.unref();
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/**
 * Like within(), for a promise that settles when a process that shows its progress (lines it
 * prints) is done: rejects only once `limitMs` has passed with no progress since the call or the
 * latest progress, so however slowly a loaded machine lets the process work, only a silent one
 * is given up on. `lastProgressMs` tells when the latest progress came (ms since the epoch).
 */
export function withinProgress<T>(p: Promise<T>, what: string, lastProgressMs: () => number, limitMs = EVENT_LIMIT_MS): Promise<T> {
  const since = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const quiet = new Promise<never>((_, reject) => {
    const check = () => {
      const idle = Date.now() - Math.max(since, lastProgressMs());
      if (idle >= limitMs) return reject(new Error(`${what}: no progress for ${limitMs / 1000} s`));
      timer = setTimeout(check, limitMs - idle);
      timer.unref();
    };
    check();
  });
  return Promise.race([p, quiet]).finally(() => clearTimeout(timer));
}

/**
 * Polls `probe` until it returns something other than undefined (a thrown error counts as "not
 * yet", unless `stopOn` says it is final: then it is rethrown at once), then returns it; rejects
 * with the last error once `limitMs` has passed.
 */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  opts: { limitMs?: number; everyMs?: number; stopOn?: (err: unknown) => boolean } = {},
): Promise<T> {
  const limit = opts.limitMs ?? EVENT_LIMIT_MS;
  const started = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      if (opts.stopOn?.(err) === true) throw err;
      last = err;
    }
    if (Date.now() - started > limit)
      throw new Error(`${what}: not within ${limit / 1000} s${last === undefined ? '' : ` (last error: ${(last as Error).message})`}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 100));
  }
}
