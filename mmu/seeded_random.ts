/**
 * A small seeded pseudo-random generator for the quizzes: the same seed gives the same numbers
 * on every machine and every JavaScript engine (only 32-bit integer arithmetic, no `Math.random`).
 *
 * @module
 */

/**
 * Mulberry32: a 32-bit state advanced by a Weyl sequence and mixed by two multiplications. Good
 * enough to vary exercises; not for anything secret.
 *
 * @example The same seed, the same numbers
 * ```ts
 * import assert from "node:assert/strict";
 * import { SeededRandom } from "@xenmmu/book";
 * const a = new SeededRandom(7), b = new SeededRandom(7);
 * assert.deepEqual([a.int(100), a.int(100)], [b.int(100), b.int(100)]);
 * ```
 */
export class SeededRandom {
  #state: number;

  /**
   * Start a sequence.
   *
   * @param seed A whole number (taken modulo 2^32).
   * @throws {RangeError} When `seed` is not a safe whole number.
   */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new RangeError(`Seed ${seed} is not a whole number`);
    }
    this.#state = Number(BigInt.asUintN(32, BigInt(seed)));
  }

  /**
   * The next 32-bit unsigned number.
   *
   * @returns A number in `[0, 2^32)`.
   */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /**
   * A whole number below `n`.
   *
   * @param n The bound, at least 1.
   * @returns A number in `[0, n)`.
   * @throws {RangeError} When `n` is not a whole number of at least 1.
   */
  int(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new RangeError(`int(${n}): the bound must be a whole number of at least 1`);
    }
    return Math.floor((this.next() / 2 ** 32) * n);
  }

  /**
   * One element of `items`.
   *
   * @param items A non-empty list.
   * @returns One of them.
   * @throws {RangeError} When the list is empty.
   */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick([]): there is nothing to pick from");
    return items[this.int(items.length)];
  }

  /**
   * True with probability `p`.
   *
   * @param p The probability, 0.5 by default.
   * @returns A coin toss.
   */
  chance(p = 0.5): boolean {
    return this.next() / 2 ** 32 < p;
  }
}
