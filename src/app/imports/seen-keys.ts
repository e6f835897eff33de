// The keys (order ids) the rows of one import file have claimed so far, in fixed memory: a Bloom
// filter (16 MiB, seven hashes) instead of a Set of every id, which for a file of millions of
// orders alone would outgrow the import's memory budget (issue 18). A filter can answer "seen" for
// a key it never saw (for a million keys about one in a billion); those answers are only suspects,
// which `confirm` checks exactly against a later read of the file.

const BITS = 1 << 27; // 16 MiB (a power of two)
const HASHES = 7;

/** FNV-1a over the UTF-16 code units, 32 bits, with the given offset basis. */
function fnv1a(s: string, basis: number): number {
  let h = basis;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class SeenKeys {
  readonly #bits: Uint8Array;
  readonly #mask: number;
  /** Keys the filter said it had seen, with the lines of those rows: possible repeats. */
  readonly #suspects = new Map<string, number[]>();

  /** `bits`, a power of two from 8 (tests make a small filter to get false positives). */
  constructor(bits: number = BITS) {
    if (bits < 8 || (bits & (bits - 1)) !== 0) throw new RangeError("bits: a power of two from 8");
    this.#bits = new Uint8Array(bits / 8);
    this.#mask = bits - 1;
  }

  /** Records `key` (of the row on `line`); true when it may have been seen before. */
  add(key: string, line: number): boolean {
    // Double hashing (Kirsch-Mitzenmacher): the k positions are h1 + i*h2.
    const h1 = fnv1a(key, 0x811c9dc5);
    const h2 = fnv1a(key, 0x050c5d1f) | 1;
    let seen = true;
    for (let i = 0; i < HASHES; i++) {
      const bit = ((h1 + Math.imul(i, h2)) >>> 0) & this.#mask;
      const byte = bit >>> 3;
      const mask = 1 << (bit & 7);
      if ((this.#bits[byte]! & mask) === 0) {
        seen = false;
        this.#bits[byte]! |= mask;
      }
    }
    if (seen) {
      const lines = this.#suspects.get(key);
      if (lines === undefined) this.#suspects.set(key, [line]);
      else lines.push(line);
    }
    return seen;
  }

  /** True when some row may repeat an earlier row's key: `confirm` must read the file again. */
  get hasSuspects(): boolean {
    return this.#suspects.size > 0;
  }

  /**
   * The rows that really repeat a key, given the file's rows' keys again in order (`key` and
   * `line` of each): a suspect row whose key appeared on an earlier line. Memory: the suspects.
   */
  async confirm(
    rows: AsyncIterable<{ readonly key: string | undefined; readonly line: number }>,
  ): Promise<{ readonly key: string; readonly line: number }[]> {
    const first = new Map<string, number>();
    for await (const r of rows) {
      if (r.key === undefined || !this.#suspects.has(r.key) || first.has(r.key)) continue;
      first.set(r.key, r.line);
    }
    const repeats: { key: string; line: number }[] = [];
    for (const [key, lines] of this.#suspects) {
      const at = first.get(key);
      for (const line of lines) if (at !== undefined && line > at) repeats.push({ key, line });
    }
    return repeats;
  }
}
