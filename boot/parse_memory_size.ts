/**
 * Memory sizes as people write them (`768MiB`, `4.5GiB`), for the command line, scenarios and the
 * web explorer alike.
 *
 * @module
 */

const UNITS: Readonly<Record<string, number>> = {
  "": 1,
  B: 1,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
};

/**
 * Read a memory size: a number of bytes, or a number with `KiB`, `MiB`, `GiB` or `TiB`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMemorySize } from "@xenmmu/book";
 * assert.equal(parseMemorySize("4.5GiB"), 4.5 * 2 ** 30);
 * assert.equal(parseMemorySize("1073741824"), 2 ** 30);
 * assert.throws(() => parseMemorySize("4GB"), /Memory size "4GB" is not/);
 * ```
 *
 * @param text The size as written.
 * @returns Bytes.
 * @throws {RangeError} When the text is not such a size, is too large to be held exactly, or is
 *   not a whole number of 4 KiB pages.
 */
export function parseMemorySize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(B|KiB|MiB|GiB|TiB)?$/.exec(text.trim());
  if (m === null) {
    throw new RangeError(
      `Memory size "${text}" is not a number of bytes or a number with KiB, MiB, GiB or TiB`,
    );
  }
  const bytes = Number(m[1]) * UNITS[m[2] ?? ""];
  if (bytes > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(
      `Memory size "${text}" is too large: sizes go up to 2^53 - 1 bytes (8 PiB), and no ` +
        "2.6.39 x86-64 machine has more than 64 TiB",
    );
  }
  if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes % 4096 !== 0) {
    throw new RangeError(`Memory size "${text}" is not a whole number of 4 KiB pages`);
  }
  return bytes;
}
