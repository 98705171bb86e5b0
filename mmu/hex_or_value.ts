/**
 * How error messages name a number: in hex when it is a whole number that is not negative (a
 * frame, an address), as itself otherwise, so that a malformed value is shown as it was given.
 *
 * @module
 */

/**
 * `0x`-prefixed hex for a whole number that is not negative, the plain value for anything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hexOrValue } from "@xenmmu/book";
 * assert.equal(hexOrValue(0x3fff3), "0x3fff3");
 * assert.equal(hexOrValue(1.5), "1.5");
 * assert.equal(hexOrValue(-1), "-1");
 * ```
 *
 * @param n The value.
 * @returns Its spelling in a message.
 */
export function hexOrValue(n: number): string {
  return Number.isInteger(n) && n >= 0 ? "0x" + n.toString(16) : String(n);
}
