/**
 * Numbers collected one at a time when the count is not known in advance (rows of a CSV being
 * streamed). Stored in fixed blocks of BLOCK values, so appending never copies what is already
 * there and the spare room is at most one block; `toArray()` copies once into an exact-length
 * array. Peak memory: 8 bytes a value while collecting, 16 during the final copy — against
 * ~3× for a doubling array at its last growth.
 */
const BLOCK = 1 << 16;

type TypedArray = Float64Array | Uint8Array;

class Blocks<T extends TypedArray> {
  private readonly blocks: T[] = [];
  private used = BLOCK;
  private count = 0;

  constructor(private readonly make: (n: number) => T) {}

  get length(): number {
    return this.count;
  }

  push(v: number): void {
    if (this.used === BLOCK) {
      this.blocks.push(this.make(BLOCK));
      this.used = 0;
    }
    this.blocks[this.blocks.length - 1]![this.used++] = v;
    this.count++;
  }

  /** The values in order, in a new array of exactly `length`; the blocks are released. */
  toArray(): T {
    const out = this.make(this.count);
    let at = 0;
    for (const b of this.blocks) {
      const take = Math.min(BLOCK, this.count - at);
      out.set(b.subarray(0, take), at);
      at += take;
    }
    this.blocks.length = 0;
    this.used = BLOCK;
    this.count = 0;
    return out;
  }
}

/** Growable Float64Array (values). */
export class Float64Growable extends Blocks<Float64Array> {
  constructor() {
    super((n) => new Float64Array(n));
  }
}

/** Growable Uint8Array (0/1 labels). */
export class Uint8Growable extends Blocks<Uint8Array> {
  constructor() {
    super((n) => new Uint8Array(n));
  }
}
