/**
 * Decode batching across requests. `DecodeBatcher` is a TraceSampler (what detectSeries
 * decodes with): each call's prompts (one per window) wait in a FIFO queue, and ONE decode
 * runs at a time over up to `maxBatchWindows` queued prompts — from several requests when
 * `crossRequest` is on. A decode step costs about as much for 16 rows as for 1 on this CPU
 * (docs/POLICY.md "Speed"), so throughput rises with concurrency.
 *
 * When a decode starts: at once when `maxBatchWindows` prompts are queued; otherwise
 * `maxWaitMs` after the first prompt arrived to an idle batcher (the short wait lets requests
 * that arrive together share a batch); and right after the previous decode when prompts
 * queued up during it (they have waited already).
 *
 * Results are the unbatched ones: every row of a batch decodes independently (causal
 * attention over its own cache, its own grammar state, its own random stream keyed by
 * promptId — shared/policy/sample.ts), and only calls with the same sampling options
 * (group size, greedy, temperature, seed, grammar) share a batch.
 *
 * The clock is injected: `schedule(fn, ms)` returns a cancel function (tests pass a manual one).
 */
import type { RolloutOptions, RolloutPrompt } from '../shared/policy/rollout-policy.js';
import type { TraceSampler } from '../shared/policy/inference.js';
import type { Sample } from '../shared/policy/sample.js';

/** Runs `fn` after `ms` milliseconds; returns a function that cancels it. */
export type Schedule = (fn: () => void, ms: number) => () => void;

export const realSchedule: Schedule = (fn, ms) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
};

/** What one decode held, for metrics and tests. */
export interface BatchInfo {
  /** Calls (requests) with prompts in this batch. */
  readonly calls: number;
  /** Prompts (windows) decoded. */
  readonly windows: number;
  readonly seconds: number;
}

export interface BatcherOptions {
  /** The real sampler (a RolloutPolicy). */
  readonly inner: TraceSampler;
  readonly maxBatchWindows: number;
  readonly maxWaitMs: number;
  /** false = a batch holds prompts of one call only ("batching off"). */
  readonly crossRequest: boolean;
  readonly schedule?: Schedule;
  /** Called after every decode. */
  readonly onBatch?: (b: BatchInfo) => void;
  /** Wall time for BatchInfo.seconds, ms (default performance.now). */
  readonly now?: () => number;
}

interface Call {
  readonly prompts: readonly RolloutPrompt[];
  readonly opts: RolloutOptions;
  readonly key: string;
  readonly results: Sample[][];
  /** Index of the first prompt not yet handed to a decode. */
  next: number;
  /** Prompts handed out whose results have not come back. */
  inFlight: number;
  failed: boolean;
  readonly resolve: (r: Sample[][]) => void;
  readonly reject: (e: unknown) => void;
}

/** The options that must agree for two calls to share a decode. */
const keyOf = (o: RolloutOptions): string =>
  JSON.stringify([o.groupSize, o.greedy === true, o.temperature ?? null, o.rng.seed, o.grammar?.maxThinkTokens ?? null, o.grammar?.maxIntervals ?? null]);

export class DecodeBatcher implements TraceSampler {
  private readonly queue: Call[] = [];
  private running = false;
  private cancelTimer: (() => void) | undefined;
  private readonly schedule: Schedule;
  private readonly now: () => number;
  /** Decodes run so far. */
  batches = 0;

  constructor(private readonly o: BatcherOptions) {
    this.schedule = o.schedule ?? realSchedule;
    this.now = o.now ?? (() => performance.now());
  }

  /** Prompts waiting for a decode (not counting the one running). */
  get queuedWindows(): number {
    return this.queue.reduce((t, c) => t + c.prompts.length - c.next, 0);
  }

  /** Calls with prompts still waiting. */
  get queuedCalls(): number {
    return this.queue.filter((c) => c.next < c.prompts.length).length;
  }

  sample(prompts: readonly RolloutPrompt[], opts: RolloutOptions): Promise<Sample[][]> {
    if (prompts.length === 0) return Promise.resolve([]);
    return new Promise<Sample[][]>((resolve, reject) => {
      this.queue.push({ prompts, opts, key: keyOf(opts), results: [], next: 0, inFlight: 0, failed: false, resolve, reject });
      this.kick();
    });
  }

  /** Start a decode now, or arm the wait timer, or leave it to the running decode's end. */
  private kick(): void {
    if (this.running || this.queuedWindows === 0) return;
    if (this.ready() >= this.o.maxBatchWindows) {
      this.flush();
      return;
    }
    this.cancelTimer ??= this.schedule(() => {
      this.cancelTimer = undefined;
      this.flush();
    }, this.o.maxWaitMs);
  }

  /** Prompts the next decode could take. */
  private ready(): number {
    const head = this.queue.find((c) => c.next < c.prompts.length);
    if (head === undefined) return 0;
    if (!this.o.crossRequest) return head.prompts.length - head.next;
    return this.queue.filter((c) => c.key === head.key).reduce((t, c) => t + c.prompts.length - c.next, 0);
  }

  private flush(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (this.running) return;
    const parts: { call: Call; from: number; to: number }[] = [];
    let room = this.o.maxBatchWindows;
    let key: string | undefined;
    for (const call of this.queue) {
      if (room === 0) break;
      if (call.next >= call.prompts.length || (key !== undefined && call.key !== key)) continue;
      if (!this.o.crossRequest && parts.length === 1) break;
      key = call.key;
      const take = Math.min(room, call.prompts.length - call.next);
      parts.push({ call, from: call.next, to: call.next + take });
      call.next += take;
      call.inFlight += take;
      room -= take;
    }
    if (parts.length === 0) return;
    this.running = true;
    const prompts = parts.flatMap((p) => p.call.prompts.slice(p.from, p.to));
    const started = this.now();
    this.o.inner.sample(prompts, { ...parts[0]!.call.opts, batchPrompts: prompts.length }).then(
      (groups) => {
        let k = 0;
        for (const p of parts) {
          for (let i = p.from; i < p.to; i++) p.call.results[i] = groups[k++]!;
          p.call.inFlight -= p.to - p.from;
        }
        this.finish(parts, prompts.length, started);
      },
      (err: unknown) => {
        for (const p of parts) {
          p.call.inFlight -= p.to - p.from;
          if (!p.call.failed) {
            p.call.failed = true;
            p.call.reject(err);
          }
        }
        this.finish(parts, prompts.length, started);
      },
    );
  }

  private finish(parts: readonly { call: Call }[], windows: number, started: number): void {
    this.batches += 1;
    const calls = new Set(parts.map((p) => p.call));
    for (const call of calls) {
      const done = call.next >= call.prompts.length && call.inFlight === 0;
      if (call.failed || done) this.queue.splice(this.queue.indexOf(call), 1);
      if (!call.failed && done) call.resolve(call.results);
    }
    this.running = false;
    this.o.onBatch?.({ calls: calls.size, windows, seconds: (this.now() - started) / 1000 });
    // Prompts that queued during this decode have waited already: decode them now.
    if (this.queuedWindows > 0) this.flush();
  }
}
