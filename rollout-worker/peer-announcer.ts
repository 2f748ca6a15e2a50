/**
 * Tells the coordinator, now and then every `announce_interval_ms` it answers (its heartbeat
 * interval), where this worker relays weights and which versions it holds (Weights.AnnouncePeer):
 * a relay silent for max(3 intervals, 10 s) is no longer handed out as a source. Announces start
 * once the worker has an id (after RegisterWorker). A failed announce is logged once per outage
 * and tried again at the next tick; a coordinator without AnnouncePeer (UNIMPLEMENTED) ends it.
 */
import { unary } from '../proto/call.js';
import { RpcError } from '../proto/errors.js';
import type { WeightsClient } from '../proto/types.js';
import type { HeldWeights } from './held-weights.js';

export interface PeerAnnouncerOptions {
  readonly weights: WeightsClient;
  readonly held: HeldWeights;
  /** This worker's relay address ('' = it relays nothing; it still announces, to stay a live receiver). */
  readonly peerAddress: () => string;
  /** The worker's id; '' until registered. */
  readonly workerId: () => string;
  readonly logger: (line: string) => void;
  /** Interval before the coordinator has answered once, ms (default 1000). */
  readonly firstIntervalMs?: number;
  readonly rpcDeadlineMs?: number;
}

export class PeerAnnouncer {
  readonly #o: PeerAnnouncerOptions;
  #timer: NodeJS.Timeout | undefined;
  #intervalMs: number;
  #stopped = false;
  #failing = false;

  constructor(o: PeerAnnouncerOptions) {
    this.#o = o;
    this.#intervalMs = o.firstIntervalMs ?? 1000;
  }

  /** Announce now (when registered) and keep announcing until stop(). */
  start(): void {
    this.#tick();
  }

  /** Announce once, now (the worker just registered or fetched a version). */
  async announce(): Promise<void> {
    const id = this.#o.workerId();
    if (id === '' || this.#stopped) return;
    try {
      const r = await unary(
        this.#o.weights,
        this.#o.weights.AnnouncePeer,
        { worker_id: id, peer_address: this.#o.peerAddress(), held: this.#o.held.held() },
        { deadlineMs: Math.min(this.#o.rpcDeadlineMs ?? 30_000, Math.max(1000, this.#intervalMs)) },
      );
      if (r.announce_interval_ms > 0) this.#intervalMs = r.announce_interval_ms;
      if (this.#failing) this.#o.logger(`worker ${id}: peer announces reach the coordinator again`);
      this.#failing = false;
    } catch (err) {
      if (err instanceof RpcError && err.grpcCode === 12) {
        this.stop(); // an older coordinator: no relays
        return;
      }
      if (!this.#failing) this.#o.logger(`worker ${id}: peer announce failed (${(err as Error).message}); trying again every ${this.#intervalMs} ms`);
      this.#failing = true;
    }
  }

  #tick(): void {
    if (this.#stopped) return;
    void this.announce().finally(() => {
      if (this.#stopped) return;
      this.#timer = setTimeout(() => this.#tick(), this.#intervalMs);
      this.#timer.unref();
    });
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}
