/**
 * The x86 wrappers around memblock in Linux 2.6.38 / 2.6.39: named reservations
 * (`arch/x86/mm/memblock.c`) and filling `memblock.memory` from the e820 map
 * (`memblock_x86_fill` in `arch/x86/kernel/e820.c`).
 *
 * @module
 */

import { E820_RAM, E820_RESERVED_KERN, type E820Map } from "./e820.ts";
import { checkBytes, Memblock, memblock_add, memblock_reserve } from "./memblock.ts";
import { printkHex } from "./printk.ts";

/**
 * `memblock_x86_reserve_range(start, end, name)`: reserve `[start, end)`. An empty range is
 * ignored, as in the kernel.
 *
 * With `memblock=debug` the kernel prints
 * `    memblock_x86_reserve_range: [%#010llx-%#010llx] %16s`; that line goes to
 * `mb.debugLog`.
 *
 * @param mb The allocator.
 * @param start The first byte.
 * @param end One past the last byte.
 * @param name Who reserves it.
 * @throws {RangeError} When `end` is below `start` (the kernel `WARN`s and reserves nothing;
 *   here that is an input error) or a bound is not a whole number of bytes. Nothing changes.
 */
export function memblock_x86_reserve_range(
  mb: Memblock,
  start: number,
  end: number,
  name: string,
): void {
  checkBytes("start", start);
  checkBytes("end", end);
  if (start === end) return;
  if (start > end) {
    throw new RangeError(
      `Reservation "${name}" ends at 0x${end.toString(16)}, below its start 0x${
        start.toString(16)
      }: a range must not end before it starts`,
    );
  }
  mb.debugLog.push(
    `    memblock_x86_reserve_range: [${printkHex(start, 10, true)}-${
      printkHex(end - 1, 10, true)
    }] ${name.padStart(16)}`,
  );
  memblock_reserve(mb, start, end - start);
  mb.reservations.push({ start, end, name });
}

/**
 * `memblock_x86_fill`: add every `E820_RAM` and `E820_RESERVED_KERN` entry to `memblock.memory`.
 *
 * @param mb The allocator.
 * @param e820 The (sanitized) map.
 */
export function memblock_x86_fill(mb: Memblock, e820: E820Map): void {
  for (const ei of e820.entries) {
    if (ei.type !== E820_RAM && ei.type !== E820_RESERVED_KERN) continue;
    memblock_add(mb, ei.addr, ei.size);
  }
}
