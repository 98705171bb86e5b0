/**
 * `memblock`, the early boot allocator of Linux 2.6.38 / 2.6.39 (`mm/memblock.c`): a sorted
 * list of memory regions, a sorted list of reserved regions, and the top-down search that
 * `find_early_table_space` uses to place the page-table window.
 *
 * The two releases' search code is the same (`memblock_find_in_range` → `memblock_find_base` →
 * `memblock_find_region`). Regions are a few tens of `{ base, size }` pairs in bytes, never
 * per-page state.
 *
 * @module
 */

import { PAGE_SIZE } from "../mmu/mod.ts";

/**
 * What `memblock_find_in_range` returns when nothing fits. The kernel's value is
 * `~(phys_addr_t)0`; -1 stands for it because it can never be a byte address.
 */
export const MEMBLOCK_ERROR = -1;

/** One `struct memblock_region`: `[base, base + size)`. */
export interface MemblockRegion {
  /** The first byte. */
  base: number;
  /** The length in bytes. */
  size: number;
}

/** One call of `memblock_x86_reserve_range`, remembered with its name. */
export interface NamedReservation {
  /** The first byte. */
  readonly start: number;
  /** One past the last byte. */
  readonly end: number;
  /** The name the caller gave (`"TEXT DATA BSS"`, `"XEN EXTRA"`, …). */
  readonly name: string;
}

/**
 * The state of `struct memblock`: `memory` (what `memblock_x86_fill` added from the e820 RAM
 * entries) and `reserved`, both kept sorted and coalesced as `memblock_add_region` keeps them.
 * The kernel forgets the names of reservations once they are merged; {@linkcode reservations}
 * keeps them, in call order, so the book can show who reserved what.
 */
export class Memblock {
  /** `memblock.memory`: sorted, non-overlapping, touching regions merged. */
  readonly memory: MemblockRegion[] = [];
  /** `memblock.reserved`: sorted, non-overlapping, touching regions merged. */
  readonly reserved: MemblockRegion[] = [];
  /** Every named reservation, in the order it was made. */
  readonly reservations: NamedReservation[] = [];
  /** What the kernel prints with `memblock=debug`: one line per named reservation. */
  readonly debugLog: string[] = [];
}

/**
 * `memblock_add_region`: insert `[base, base + size)` into a sorted region list, merging it with
 * every region it overlaps or touches (x86 lets any two regions coalesce).
 *
 * @param regions The list, changed in place.
 * @param base The first byte.
 * @param size The length in bytes.
 */
export function memblock_add_region(regions: MemblockRegion[], base: number, size: number): void {
  checkBytes("base", base);
  checkBytes("size", size);
  if (size === 0) return;
  let start = base;
  let end = base + size;
  let i = 0;
  while (i < regions.length && regions[i].base + regions[i].size < start) i++;
  let j = i;
  while (j < regions.length && regions[j].base <= end) {
    start = Math.min(start, regions[j].base);
    end = Math.max(end, regions[j].base + regions[j].size);
    j++;
  }
  regions.splice(i, j - i, { base: start, size: end - start });
}

/**
 * `memblock_add`: add RAM to `memblock.memory`.
 *
 * @param mb The allocator.
 * @param base The first byte.
 * @param size The length in bytes.
 */
export function memblock_add(mb: Memblock, base: number, size: number): void {
  memblock_add_region(mb.memory, base, size);
}

/**
 * `memblock_reserve`: add a range to `memblock.reserved` (no name; see
 * `memblock_x86_reserve_range` for the named form the x86 code uses).
 *
 * @param mb The allocator.
 * @param base The first byte.
 * @param size The length in bytes, not 0 (the kernel's `BUG_ON(0 == size)`).
 * @throws {RangeError} When `size` is 0.
 */
export function memblock_reserve(mb: Memblock, base: number, size: number): void {
  if (size === 0) {
    throw new RangeError(`memblock_reserve of 0 bytes at ${base}: the size must not be 0`);
  }
  memblock_add_region(mb.reserved, base, size);
}

/**
 * `memblock_overlaps_region`: the index of the first (lowest) region of `regions` that overlaps
 * `[base, base + size)`, or -1.
 *
 * @param regions A sorted region list.
 * @param base The first byte.
 * @param size The length in bytes.
 * @returns The index, or -1.
 */
export function memblock_overlaps_region(
  regions: readonly MemblockRegion[],
  base: number,
  size: number,
): number {
  return regions.findIndex((r) => base < r.base + r.size && r.base < base + size);
}

/**
 * `memblock_find_region`: the highest `align`-aligned base in `[start, end)` where `size` bytes
 * are free of reservations. It starts at `align_down(end - size)` and, whenever the candidate
 * overlaps a reserved region, moves just below that region.
 *
 * @param mb The allocator (its `reserved` list is searched).
 * @param start The lowest byte allowed; 0 is bumped to `PAGE_SIZE` because the kernel uses 0 to
 *   mean failure.
 * @param end One past the highest byte allowed.
 * @param size The length in bytes.
 * @param align The alignment, a power of two.
 * @returns The base, or {@linkcode MEMBLOCK_ERROR}.
 */
export function memblock_find_region(
  mb: Memblock,
  start: number,
  end: number,
  size: number,
  align: number,
): number {
  if (end < size) return MEMBLOCK_ERROR;
  let base = alignDown(end - size, align);
  if (start === 0) start = PAGE_SIZE;
  while (start <= base) {
    const j = memblock_overlaps_region(mb.reserved, base, size);
    if (j < 0) return base;
    const resBase = mb.reserved[j].base;
    if (resBase < size) break;
    base = alignDown(resBase - size, align);
  }
  return MEMBLOCK_ERROR;
}

/**
 * `memblock_find_base`: the top-down search. Walks `memblock.memory` from its last region down,
 * skipping regions smaller than `size`, stopping at the first region that ends at or below
 * `start`, and tries {@linkcode memblock_find_region} on each region clipped to
 * `[start, end)`.
 *
 * @param mb The allocator.
 * @param size The length in bytes, not 0.
 * @param align The alignment, a power of two.
 * @param start The lowest byte allowed.
 * @param end One past the highest byte allowed.
 * @returns The base, or {@linkcode MEMBLOCK_ERROR}.
 */
export function memblock_find_base(
  mb: Memblock,
  size: number,
  align: number,
  start: number,
  end: number,
): number {
  for (let i = mb.memory.length - 1; i >= 0; i--) {
    const { base: memBase, size: memSize } = mb.memory[i];
    if (memSize < size) continue;
    if (memBase + memSize <= start) break;
    const bottom = Math.max(memBase, start);
    const top = Math.min(memBase + memSize, end);
    if (bottom >= top) continue;
    const found = memblock_find_region(mb, bottom, top, size, align);
    if (found !== MEMBLOCK_ERROR) return found;
  }
  return MEMBLOCK_ERROR;
}

/**
 * `memblock_find_in_range`: find (but do not reserve) `size` free bytes, `align`-aligned, in
 * `[start, end)`, as high as possible.
 *
 * @example A reservation at the top pushes the search below it
 * ```ts
 * import assert from "node:assert/strict";
 * import { Memblock, memblock_add, memblock_find_in_range, memblock_reserve } from "@xenmmu/book";
 * const mb = new Memblock();
 * memblock_add(mb, 0x100000, 0x3ff00000); // RAM [1 MiB, 1 GiB)
 * memblock_reserve(mb, 0x3ff00000, 0x100000); // the last MiB is taken
 * assert.equal(memblock_find_in_range(mb, 0, 0x40000000, 0x2000, 0x1000), 0x3fefe000);
 * ```
 *
 * @param mb The allocator.
 * @param start The lowest byte allowed.
 * @param end One past the highest byte allowed.
 * @param size The length in bytes.
 * @param align The alignment, a power of two.
 * @returns The base, or {@linkcode MEMBLOCK_ERROR}.
 * @throws {RangeError} When an argument is not a whole number of bytes, `size` is 0, `align`
 *   is not a power of two, or `end` is below `start`; nothing is searched.
 */
export function memblock_find_in_range(
  mb: Memblock,
  start: number,
  end: number,
  size: number,
  align: number,
): number {
  checkBytes("start", start);
  checkBytes("end", end);
  checkBytes("size", size);
  checkBytes("align", align);
  if (size === 0) throw new RangeError("Size 0 cannot be searched for: memblock BUG()s on it");
  if (!isPowerOfTwo(align)) {
    throw new RangeError(`Alignment ${align} is not a power of two`);
  }
  if (end < start) {
    throw new RangeError(
      `Range end 0x${end.toString(16)} is below its start 0x${start.toString(16)}`,
    );
  }
  return memblock_find_base(mb, size, align, start, end);
}

function alignDown(addr: number, align: number): number {
  return addr - (addr % align);
}

function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

/**
 * Throw unless `value` is a whole number of bytes a JavaScript number holds exactly.
 *
 * @param name What the value is, for the message.
 * @param value The value.
 * @throws {RangeError} When it is not a whole number from 0 to 2^53 - 1.
 */
export function checkBytes(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} ${value} is not a whole number of bytes from 0 to 2^53 - 1`);
  }
}
