/**
 * The memory store's live leases by deadline: a binary min-heap ordered by (deadline, lease id
 * as a string) — the order of a Redis sorted set, which the Redis store's expiry follows.
 *
 * Renewals cost nothing here: a heartbeat only moves the row's `deadlineMs`. Each live lease has
 * one entry holding the deadline it was pushed with; `popDue(now)` drops entries of leases that
 * are no longer live, pushes an entry whose lease was renewed again under its new deadline, and
 * returns the rows that are really due, earliest first. So the heap holds about one entry per
 * live lease, and a sweep with nothing due is O(1).
 */

/** What the heap needs of a lease row. */
export interface DeadlineRow {
  readonly leaseId: string;
  /** The lease's current deadline, ms since epoch (heartbeats move it later). */
  readonly deadlineMs: number;
  readonly live: boolean;
}

interface Entry<R> {
  readonly d: number;
  readonly row: R;
}

function before<R extends DeadlineRow>(a: Entry<R>, b: Entry<R>): boolean {
  return a.d < b.d || (a.d === b.d && a.row.leaseId < b.row.leaseId);
}

export class DeadlineHeap<R extends DeadlineRow> {
  readonly #h: Entry<R>[] = [];

  get entries(): number {
    return this.#h.length;
  }

  push(row: R): void {
    const h = this.#h;
    h.push({ d: row.deadlineMs, row });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  #pop(): Entry<R> {
    const h = this.#h;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1,
          r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }

  /** Live rows whose deadline <= now, removed from the heap, by (deadline, lease id). */
  popDue(now: number): R[] {
    const out: R[] = [];
    const h = this.#h;
    while (h.length > 0 && h[0]!.d <= now) {
      const e = this.#pop();
      if (!e.row.live) continue;
      if (e.row.deadlineMs > e.d) this.push(e.row);
      else out.push(e.row);
    }
    return out;
  }
}
