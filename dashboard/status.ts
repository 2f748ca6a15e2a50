/**
 * What the dashboard's cluster table shows, and the provider for a single-process run.
 *
 * The dashboard asks a `StatusProvider` for a `ClusterStatus` once a second while anyone is
 * watching. The coordinator plugs in one that reads its state store; `LocalStatus` describes
 * the one in-process worker of `anomseer train`, from the trainer's own events.
 */
import type { TrainEvent } from '../shared/training/events.js';
import { BroadcastLog } from './broadcast-log.js';

export interface WorkerStatus {
  readonly id: string;
  readonly host: string;
  /** e.g. "cpu", "cuda:0". */
  readonly device: string;
  /** Free text: "idle", "sampling", "warm-start", "evaluating", "done", "lost", … */
  readonly state: string;
  /** Policy version the worker samples with; null before it has weights. */
  readonly weightVersion: number | null;
  /** Rollouts (sampled traces) per second over the worker's recent work. */
  readonly rolloutsPerSecond: number;
  readonly leasesHeld: number;
  /** Last heartbeat, ms since the epoch; null when never seen. */
  readonly lastHeartbeatMs: number | null;
  /** The worker process's CPU seconds per wall second (1 = one core busy); null when not reported or not running. */
  readonly cpuCores: number | null;
  /** The worker process's resident memory, bytes; null when not reported or not running. */
  readonly rssBytes: number | null;
}

export interface ClusterStatus {
  readonly workers: readonly WorkerStatus[];
  readonly prompts: { readonly done: number; readonly inFlight: number; readonly requeued: number };
  /** Prompts waiting for a lease. */
  readonly queueDepth: number;
  /** Accepted groups by staleness (learner version − sampling version): `counts[k]` = groups k versions old. */
  readonly staleness: readonly number[];
  /** Progress of the latest weight broadcast; null when there has been none. */
  readonly broadcast: { readonly version: number; readonly workersAt: number; readonly workersTotal: number } | null;
  /** The last (at most 20) weight versions and how each reached the workers, newest first. */
  readonly broadcasts: readonly BroadcastStatus[];
  /** The learner's current policy version. */
  readonly weightVersion: number;
}

/** One weight version's broadcast (the page's "weights" table). */
export interface BroadcastStatus {
  readonly version: number;
  /** Size of the weight file, bytes (0 in a single-process run: nothing is sent). */
  readonly bytes: number;
  /** Bytes streamed to workers for this version, every fetch counted (a resumed or repeated fetch adds its chunks). */
  readonly bytesSent: number;
  /** Distinct workers that completed a fetch of it. */
  readonly workersUpdated: number;
  /** Workers alive now (not lost, not stopped): the "y" of "x/y". */
  readonly workersTotal: number;
  /** When it was published, ms since the epoch (coordinator clock). */
  readonly publishedAtMs: number;
  /** Seconds from publish to the last completed fetch; null while no worker has it. */
  readonly seconds: number | null;
}

export type StatusProvider = () => ClusterStatus | Promise<ClusterStatus>;

export interface LocalStatusOptions {
  readonly clock: () => number;
  readonly host: string;
  readonly device: string;
  /** Prompts per RL step (in flight while a step runs). */
  readonly promptsPerStep: number;
  /** This process's CPU seconds so far and resident bytes (the in-process worker is this process); absent = not shown. */
  readonly usage?: () => { readonly cpuSeconds: number; readonly rssBytes: number };
}

/**
 * The one in-process worker of a single-machine run. Feed it every TrainEvent (`observe`);
 * `status()` is the provider. Its "heartbeat" is the last event; rollouts/s is over the last
 * step (generate + update seconds), so it reads as throughput of the whole loop.
 */
export class LocalStatus {
  private state = 'starting';
  private weightVersion: number | null = null;
  private lastBeat: number | null = null;
  private rate = 0;
  private done = 0;
  /** CPU seconds and clock at the previous status(), for CPU seconds per second between polls. */
  private cpuMark: { cpuSeconds: number; at: number } | null = null;
  private cpuCores: number | null = null;
  /** One row per version the trainer reached: in-process, the one worker has it at once. */
  private readonly versions: BroadcastLog;

  constructor(private readonly opts: LocalStatusOptions) {
    this.versions = new BroadcastLog({ clock: opts.clock });
  }

  observe(e: TrainEvent): void {
    this.lastBeat = this.opts.clock();
    switch (e.kind) {
      case 'warm-start':
        this.state = 'warm-start';
        break;
      case 'step': {
        this.state = 'sampling';
        this.weightVersion = e.weightVersion;
        // No bytes travel: size and sent are 0, the worker is updated with no delay.
        if (this.versions.published(e.weightVersion, 0)) this.versions.fetched(e.weightVersion, 'local-0');
        const prompts = e.samples.length;
        this.done += prompts;
        const secs = e.seconds.generate + e.seconds.update;
        const traces = e.samples.reduce((a, g) => a + g.length, 0);
        this.rate = secs > 0 ? traces / secs : 0;
        break;
      }
      case 'eval':
        this.state = 'sampling';
        break;
      case 'checkpoint':
        break;
    }
  }

  /** Mark the run ended (the table then shows `state` — "done" by default — and nothing in flight). */
  finish(state: 'done' | 'stopped' = 'done'): void {
    this.state = state;
    this.lastBeat = this.opts.clock();
  }

  /** CPU seconds per second since the previous poll (at least 200 ms apart), and resident bytes now. */
  private usageNow(): { cpuCores: number | null; rssBytes: number | null } {
    if (this.opts.usage === undefined) return { cpuCores: null, rssBytes: null };
    const u = this.opts.usage();
    const at = this.opts.clock();
    if (this.cpuMark === null) this.cpuMark = { cpuSeconds: u.cpuSeconds, at };
    else if (at - this.cpuMark.at >= 200) {
      this.cpuCores = Math.max(0, ((u.cpuSeconds - this.cpuMark.cpuSeconds) * 1000) / (at - this.cpuMark.at));
      this.cpuMark = { cpuSeconds: u.cpuSeconds, at };
    }
    return { cpuCores: this.cpuCores, rssBytes: u.rssBytes };
  }

  readonly status = (): ClusterStatus => {
    const inFlight = this.state === 'sampling' ? this.opts.promptsPerStep : 0;
    const running = this.state !== 'done' && this.state !== 'stopped';
    const usage = running ? this.usageNow() : { cpuCores: null, rssBytes: null };
    return {
      workers: [
        {
          id: 'local-0',
          host: this.opts.host,
          device: this.opts.device,
          state: this.state,
          weightVersion: this.weightVersion,
          rolloutsPerSecond: this.rate,
          leasesHeld: this.state === 'sampling' ? 1 : 0,
          lastHeartbeatMs: this.lastBeat,
          ...usage,
        },
      ],
      prompts: { done: this.done, inFlight, requeued: 0 },
      queueDepth: 0,
      // In one process every group is sampled with the current weights: staleness 0.
      staleness: this.done > 0 ? [this.done] : [],
      broadcast: this.weightVersion === null ? null : { version: this.weightVersion, workersAt: 1, workersTotal: 1 },
      broadcasts: this.versions
        .list()
        .map((b) => ({ version: b.version, bytes: 0, bytesSent: 0, workersUpdated: 1, workersTotal: 1, publishedAtMs: b.publishedAtMs, seconds: b.seconds })),
      weightVersion: this.weightVersion ?? 0,
    };
  };
}
