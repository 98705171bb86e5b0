/**
 * printk's hexadecimal conversions (`%lx`, `%016Lx`, `%#010llx`, `%#lx`), so that the model's
 * log lines are byte-for-byte what the kernel prints.
 *
 * @module
 */

/**
 * Format a non-negative whole number the way printk's `%x` family does.
 *
 * `width` is the field width with zero padding (`%016Lx` is width 16); `alternate` is the `#`
 * flag, which prefixes `0x` and counts the prefix in the width (so `%#010llx` of `0x1000000` is
 * `0x01000000`). Unlike a C library, the kernel's `vsprintf` prints the prefix for zero too
 * (`%#010lx` of 0 is `0x00000000`, as in `[mem 0x00000000-0x000fffff]`).
 *
 * @param value The number, below 2^53.
 * @param width The zero-padded field width, 0 for none.
 * @param alternate Whether the `#` flag is given.
 * @returns The converted text.
 * @throws {RangeError} When the value is not a whole number from 0 to 2^53 - 1.
 */
export function printkHex(value: number, width = 0, alternate = false): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `Value ${value} cannot be printed with %x: it must be a whole number >= 0`,
    );
  }
  const digits = value.toString(16);
  // lib/vsprintf.c's number(): SPECIAL with base 16 always adds "0x", zero included
  const prefix = alternate ? "0x" : "";
  return prefix + digits.padStart(Math.max(0, width - prefix.length), "0");
}
