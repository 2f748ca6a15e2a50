/**
 * Who fetches a weight version from whom (docs/PROTOCOL.md "Relayed broadcast"). The
 * coordinator sends each version's bytes about once; workers relay chunks to each other, each
 * forwarding a chunk as soon as it has it, so the time for a version to reach N workers does
 * not grow with N the way a star (the coordinator sending N copies) does.
 *
 * Rules, for one version:
 *   - A worker that asks (ResolveSource) with a peer address becomes a *source* of the version
 *     at once: it relays what it receives while it receives it.
 *   - The asker gets the first source, in the order they joined, that has a free slot (fewer
 *     than `fanout` children still receiving from it). With fanout 1 — the default — the first
 *     asker gets the coordinator and each later one the previous one: a pipeline chain (the
 *     shape of an NCCL ring broadcast). With fanout 2 it is a binary tree, breadth first.
 *   - A source is skipped when it is the asker, excluded by the asker or reported failed by any
 *     child, silent for `silentAfterMs`, not reachable from the asker (a loopback address
 *     only serves askers seen from the same host), or a descendant of the asker (a worker that
 *     re-resolves after its parent died must never wait on its own children: no cycles).
 *   - No eligible source: the coordinator, whatever its load (the source of last resort).
 *   - A child's slot is freed when it reports its fetch, resolves again, or goes silent.
 *
 * Pure bookkeeping with an injected clock; the Weights service feeds it.
 */

/** The coordinator as a source: empty worker id and address. */
export const COORDINATOR_SOURCE: Readonly<RelaySource> = Object.freeze({ workerId: '', address: '' });

export interface RelaySource {
  /** '' = the coordinator. */
  readonly workerId: string;
  /** PeerWeights host:port; '' = the coordinator. */
  readonly address: string;
}

export interface RelayOptions {
  /** ms since epoch. */
  readonly clock: () => number;
  /** How often workers announce themselves, ms. */
  readonly announceIntervalMs: number;
  /**
   * A peer silent for this long is no longer a source, ms (default max(3 announce intervals,
   * 10 s): a busy worker's announce may be late, and a dead source is found by its children at
   * once anyway — its connection fails — so erring long costs one failed connect).
   */
  readonly silentAfterMs?: number;
  /** Children one source feeds at once (default 1: a chain). */
  readonly fanout?: number;
}

interface Peer {
  address: string;
  /** The host the coordinator saw the worker's calls come from ('' = unknown). */
  seenFrom: string;
  lastSeenMs: number;
  /** version → chunks held and whether complete, as last announced. */
  held: Map<number, { chunks: number; complete: boolean }>;
}

interface VersionRelay {
  /** Sources in the order they joined. */
  readonly order: string[];
  /** child → its source ('' = the coordinator), while the child is receiving. */
  readonly parent: Map<string, string>;
  /** Workers a child reported as failed for this version. */
  readonly failed: Set<string>;
}

const LOOPBACK = /^(127\.|localhost:|\[::1\]:|::1$)/;

/** The host part of a grpc-js peer string ("ipv4:10.0.0.5:4412", "ipv6:[::1]:4412", "unix:…"). */
export function hostOfPeer(peer: string): string {
  const s = peer.replace(/^(ipv4|ipv6|dns):/, '');
  const i = s.lastIndexOf(':');
  return (i > 0 ? s.slice(0, i) : s).replace(/^\[|\]$/g, '');
}

export class WeightRelays {
  readonly #o: RelayOptions;
  readonly fanout: number;
  readonly silentAfterMs: number;
  readonly #peers = new Map<string, Peer>();
  readonly #versions = new Map<number, VersionRelay>();

  constructor(o: RelayOptions) {
    const fanout = o.fanout ?? 1;
    if (!Number.isInteger(fanout) || fanout < 1) throw new RangeError(`relay fanout is ${fanout}; expected an integer >= 1`);
    this.#o = o;
    this.fanout = fanout;
    this.silentAfterMs = o.silentAfterMs ?? Math.max(3 * o.announceIntervalMs, 10_000);
  }

  #relay(version: number): VersionRelay {
    let r = this.#versions.get(version);
    if (r === undefined) {
      r = { order: [], parent: new Map(), failed: new Set() };
      this.#versions.set(version, r);
    }
    return r;
  }

  #alive(id: string, now: number): boolean {
    const p = this.#peers.get(id);
    return p !== undefined && now - p.lastSeenMs <= this.silentAfterMs;
  }

  /** A worker was heard from: its relay address ('' = relays nothing), where its call came from, and (when announced) what it holds. */
  seen(workerId: string, address: string, seenFrom: string, held?: readonly { version: number; chunks: number; complete: boolean }[]): void {
    const p = this.#peers.get(workerId) ?? { address, seenFrom, lastSeenMs: 0, held: new Map() };
    p.address = address;
    p.seenFrom = seenFrom;
    p.lastSeenMs = this.#o.clock();
    if (held !== undefined) p.held = new Map(held.map((h) => [h.version, { chunks: h.chunks, complete: h.complete }]));
    this.#peers.set(workerId, p);
  }

  /** Children of `source` still receiving `version` from it. */
  #children(r: VersionRelay, source: string, now: number): number {
    let n = 0;
    for (const [child, parent] of r.parent) if (parent === source && this.#alive(child, now) && !r.failed.has(child)) n += 1;
    return n;
  }

  #descendantOf(r: VersionRelay, candidate: string, ancestor: string): boolean {
    const visited = new Set<string>();
    for (let p = r.parent.get(candidate); p !== undefined && p !== '' && !visited.has(p); p = r.parent.get(p)) {
      if (p === ancestor) return true;
      visited.add(p);
    }
    return false;
  }

  /**
   * Pick the source `workerId` fetches `version` from (see the rules above) and record it; the
   * worker becomes a source itself when it gave an address. `exclude` are sources that failed it.
   */
  resolve(o: { workerId: string; version: number; address: string; seenFrom: string; exclude: readonly string[] }): RelaySource {
    const now = this.#o.clock();
    this.seen(o.workerId, o.address, o.seenFrom);
    const r = this.#relay(o.version);
    for (const id of o.exclude) if (id !== '') r.failed.add(id);
    r.parent.delete(o.workerId);
    const candidates = [...r.order];
    // Peers that announced the version complete without ever resolving it here (a coordinator restart) are sources too.
    for (const [id, p] of this.#peers) if (p.held.get(o.version)?.complete === true && !candidates.includes(id)) candidates.push(id);
    const pick = candidates.find((id) => {
      const p = this.#peers.get(id);
      return (
        p !== undefined &&
        id !== o.workerId &&
        p.address !== '' &&
        !r.failed.has(id) &&
        this.#alive(id, now) &&
        (!LOOPBACK.test(p.address) || p.seenFrom === o.seenFrom) &&
        !this.#descendantOf(r, id, o.workerId) &&
        this.#children(r, id, now) < this.fanout
      );
    });
    const chosen: RelaySource = pick === undefined ? COORDINATOR_SOURCE : { workerId: pick, address: this.#peers.get(pick)!.address };
    r.parent.set(o.workerId, chosen.workerId);
    if (o.address !== '' && !r.order.includes(o.workerId)) r.order.push(o.workerId);
    return chosen;
  }

  /** A worker finished fetching `version` (complete or not): its source's slot is free again. */
  finished(workerId: string, version: number, complete: boolean): void {
    const r = this.#versions.get(version);
    if (r === undefined) return;
    r.parent.delete(workerId);
    if (!complete) {
      const i = r.order.indexOf(workerId);
      if (i >= 0) r.order.splice(i, 1);
    }
  }

  /** Forget versions below `oldest` (the registry evicted them). */
  forgetBelow(oldest: number): void {
    for (const v of [...this.#versions.keys()]) if (v < oldest) this.#versions.delete(v);
  }

  /** Forget peers silent for `silentAfterMs` (their held versions go with them). */
  sweep(): void {
    const now = this.#o.clock();
    for (const id of [...this.#peers.keys()]) if (!this.#alive(id, now)) this.#peers.delete(id);
  }

  /** child → source ('' = the coordinator) of the workers receiving `version` now (tests, status). */
  assignments(version: number): Map<string, string> {
    return new Map(this.#versions.get(version)?.parent ?? []);
  }

  /** What `workerId` last announced for `version` (undefined when nothing). */
  held(workerId: string, version: number): { chunks: number; complete: boolean } | undefined {
    return this.#peers.get(workerId)?.held.get(version);
  }
}
