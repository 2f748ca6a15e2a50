/**
 * A double-ended queue on a growable ring buffer: push and pop at both ends in O(1) amortized,
 * without the O(n) copy of `Array.prototype.shift`/`unshift` or of `[...front, ...rest]`.
 * The memory store's prompt queue (front = next to lease; expired and released items go back
 * to the front). Capacity is a power of two and doubles when full; it never shrinks.
 */
export class Deque<T> {
  #buf: (T | undefined)[];
  #head = 0;
  #size = 0;

  constructor(initialCapacity = 16) {
    let cap = 1;
    while (cap < initialCapacity) cap *= 2;
    this.#buf = new Array<T | undefined>(cap);
  }

  get length(): number {
    return this.#size;
  }

  #grow(): void {
    const old = this.#buf;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) & (old.length - 1)];
    this.#buf = next;
    this.#head = 0;
  }

  pushBack(x: T): void {
    if (this.#size === this.#buf.length) this.#grow();
    this.#buf[(this.#head + this.#size) & (this.#buf.length - 1)] = x;
    this.#size += 1;
  }

  pushFront(x: T): void {
    if (this.#size === this.#buf.length) this.#grow();
    this.#head = (this.#head - 1) & (this.#buf.length - 1);
    this.#buf[this.#head] = x;
    this.#size += 1;
  }

  /** The front element, removed; undefined when empty. */
  popFront(): T | undefined {
    if (this.#size === 0) return undefined;
    const x = this.#buf[this.#head];
    this.#buf[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#buf.length - 1);
    this.#size -= 1;
    return x;
  }

  /** Front to back (for tests and snapshots; O(n)). */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.#size; i++) out.push(this.#buf[(this.#head + i) & (this.#buf.length - 1)] as T);
    return out;
  }
}
