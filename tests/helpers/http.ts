// HTTP GETs in tests against servers in other processes, on a loaded machine. A request there
// can be refused (not listening yet), reset (a keep-alive socket the server closed just as the
// request went out: undici's "fetch failed") or answered late. A GET is safe to repeat, so
// `get` asks again until the outer limit instead of failing the test on the first network
// error. Whatever status and body the server answers are returned as they are: only a missing
// answer is retried, never an answer the test does not like.
import { EVENT_LIMIT_MS } from './wait.js';

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

export interface GetOptions {
  readonly headers?: Record<string, string>;
  /** Outer limit, ms (default EVENT_LIMIT_MS). */
  readonly limitMs?: number;
  /** Asked after each failed attempt: a reason to stop asking (e.g. "the server exited"), or undefined. */
  readonly giveUp?: () => string | undefined;
}

/** Tokens stay out of error messages. */
const shown = (url: string) => url.replace(/token=[^&]*/, 'token=…');

function reason(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  return e.cause === undefined ? e.message : `${e.message}: ${e.cause.code ?? e.cause.message}`;
}

/** GET `url` until some answer arrives (any status), reading the whole body. */
export async function get(url: string, o: GetOptions = {}): Promise<Answer> {
  const limitMs = o.limitMs ?? EVENT_LIMIT_MS;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    const left = Math.max(1, limitMs - (Date.now() - started));
    try {
      const res = await fetch(url, { headers: o.headers, signal: AbortSignal.timeout(left) });
      const body = Buffer.from(await res.arrayBuffer());
      return { status: res.status, headers: res.headers, body, text: () => body.toString('utf8'), json: <T>() => JSON.parse(body.toString('utf8')) as T };
    } catch (err) {
      const stop = o.giveUp?.();
      if (stop !== undefined) throw new Error(`GET ${shown(url)}: ${stop} (last error: ${reason(err)})`);
      if (Date.now() - started >= limitMs)
        throw new Error(`GET ${shown(url)}: no answer within ${limitMs / 1000} s in ${attempt} attempts (last error: ${reason(err)})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The bearer header of `token`. */
export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
