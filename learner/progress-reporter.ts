/**
 * The learner's side of `Coordinator.ReportProgress` (docs/PROTOCOL.md): sends its training
 * events to the coordinator's dashboard in order, in the background, never blocking or failing
 * training. The encoding is shared/training/progress-codec.ts.
 */
import { withRetry } from '../proto/retry.js';
import type { RetryPolicy } from '../proto/retry.js';
import type { ReportProgressRequest, ReportProgressResponse } from '../proto/types.js';
import { PROGRESS_MAX_BYTES, encodeProgress } from '../shared/training/progress-codec.js';
import type { DashboardEvent } from '../shared/training/events.js';

/** The default: one retry, 500 ms later. */
const ONE_RETRY: RetryPolicy = (attempt) => (attempt === 1 ? 500 : null);

export interface ProgressReporterOptions {
  /** One ReportProgress call (the learner wires the gRPC client, deadline and token). */
  readonly send: (req: ReportProgressRequest) => Promise<ReportProgressResponse>;
  /** Unique per learner process, e.g. `learner-<hostname>-<pid>-<random>`. */
  readonly learnerId: string;
  readonly log: (line: string) => void;
  /** Events waiting to be sent before new ones are dropped (default 32). */
  readonly maxPending?: number;
  readonly maxBytes?: number;
  /** Backoff for a failed call (default: one retry after 500 ms); only retryable errors are retried. */
  readonly retry?: RetryPolicy;
  /** Which errors may be retried (default proto/status isRetryable). */
  readonly retryable?: (err: unknown) => boolean;
  /** Waits `ms` (default setTimeout). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Sends the learner's events to the coordinator in order, one call at a time, in the
 * background: `report(e)` encodes at once (the event is not kept) and returns. The dashboard
 * is for watching; it never slows or fails training: a call that fails is retried once when
 * the error is retryable (after the retry policy's wait), then skipped (logged once per kind of failure); a coordinator that
 * does not know ReportProgress (UNIMPLEMENTED) or refuses the token turns reporting off; when
 * more than `maxPending` events wait, new ones are dropped.
 */
export class ProgressReporter {
  readonly #o: ProgressReporterOptions;
  #sequence = 0;
  #pending = 0;
  #chain: Promise<void> = Promise.resolve();
  #off = false;
  readonly #logged = new Set<string>();
  dropped = 0;

  constructor(o: ProgressReporterOptions) {
    this.#o = o;
  }

  readonly report = (e: DashboardEvent): void => {
    if (this.#off) return;
    if (this.#pending >= (this.#o.maxPending ?? 32)) {
      this.dropped += 1;
      this.#once('backlog', `dashboard progress: ${this.#pending} events waiting; dropping new ones until the coordinator catches up`);
      return;
    }
    const limit = this.#o.maxBytes ?? PROGRESS_MAX_BYTES;
    let json = encodeProgress(e);
    // A step with huge series: send its metrics without traces rather than nothing.
    if (Buffer.byteLength(json, 'utf8') > limit && e.kind === 'step') json = encodeProgress(e, 0);
    if (Buffer.byteLength(json, 'utf8') > limit) {
      this.dropped += 1;
      this.#once(
        `large-${e.kind}`,
        `dashboard progress: a ${e.kind} event is ${Buffer.byteLength(json, 'utf8')} bytes, over the ${limit}-byte limit; not sent`,
      );
      return;
    }
    const req: ReportProgressRequest = { learner_id: this.#o.learnerId, sequence: ++this.#sequence, event_json: json };
    this.#pending += 1;
    this.#chain = this.#chain
      .then(() => this.#deliver(req))
      .finally(() => {
        this.#pending -= 1;
      });
  };

  /**
   * Resolves when everything reported so far was sent (or given up on), or after `timeoutMs`
   * (then reporting turns off: a coordinator that hangs must not hold the learner's exit).
   */
  async flush(timeoutMs = Number.POSITIVE_INFINITY): Promise<void> {
    if (!Number.isFinite(timeoutMs)) return this.#chain;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), timeoutMs);
    });
    const r = await Promise.race([this.#chain, late]);
    clearTimeout(timer);
    if (r === 'late') {
      this.#off = true;
      this.#o.log(`dashboard progress: ${this.#pending} event(s) still unsent after ${timeoutMs} ms; giving up on them`);
    }
  }

  async #deliver(req: ReportProgressRequest): Promise<void> {
    if (this.#off) return;
    const sleep = this.#o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    try {
      await withRetry(() => this.#o.send(req), this.#o.retry ?? ONE_RETRY, sleep, { retryable: this.#o.retryable });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // An older coordinator (UNIMPLEMENTED, 12) or another token: no later call can succeed.
      if ((err as { grpcCode?: number }).grpcCode === 12 || (err as { code?: string }).code === 'E_UNAUTHENTICATED') {
        this.#off = true;
        this.#o.log(`dashboard progress: turned off (${message})`);
        return;
      }
      this.dropped += 1;
      this.#once(message.slice(0, 60), `dashboard progress: event ${req.sequence} not delivered (${message}); training goes on`);
    }
  }

  #once(key: string, line: string): void {
    if (this.#logged.has(key)) return;
    this.#logged.add(key);
    this.#o.log(line);
  }
}
