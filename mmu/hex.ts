/**
 * `hex`: a number as the book writes pfns and addresses in prose, `0x` and lower-case digits.
 *
 * @module
 */

/**
 * Write a whole number in hex as the chapters do (`0x3fdfe`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hex } from "@xenmmu/book";
 * assert.equal(hex(0x3fdfe), "0x3fdfe");
 * assert.equal(hex(0), "0x0");
 * assert.throws(() => hex(-1), /-1 is not a whole number >= 0/);
 * ```
 *
 * @param n A whole number, 0 or more.
 * @returns `0x` and its hex digits.
 * @throws {RangeError} For a negative or fractional number.
 */
export function hex(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`${n} is not a whole number >= 0: hex() writes pfns and addresses`);
  }
  return "0x" + n.toString(16);
}
