/**
 * `memblock`, the early boot allocator (`mm/memblock.c`): a sorted list of memory regions, a
 * sorted list of reserved regions, and the top-down searches.
 *
 * Linux 2.6.38 and 2.6.39 search the same way (`memblock_find_in_range` →
 * `memblock_find_base` → `memblock_find_region`: memory regions top-down, stepping below
 * reservations); that is {@linkcode memblock_find_in_range}. Linux 3.9 walks the free ranges
 * (memory minus reserved) top-down instead: {@linkcode memblock_find_in_range_node}. Regions
 * are a few tens of `{ base, size }` pairs in bytes, never per-page state.
 *
 * @module
 */

import { PAGE_SIZE } from "../mmu/mod.ts";
import { printkHex } from "./printk.ts";

/**
 * What `memblock_find_in_range` returns when nothing fits. The kernel's value is
 * `~(phys_addr_t)0`; -1 stands for it because it can never be a byte address.
 */
export const MEMBLOCK_ERROR: number = -1;

/**
 * `MEMBLOCK_ALLOC_ACCESSIBLE`: an `end` of 0 asks for "below `memblock.current_limit`".
 */
export const MEMBLOCK_ALLOC_ACCESSIBLE = 0;

/**
 * `MEMBLOCK_ALLOC_ANYWHERE` (`~(phys_addr_t)0`), the default `current_limit`. The largest exact
 * JavaScript integer stands for it: it is above every byte address the model uses.
 */
export const MEMBLOCK_ALLOC_ANYWHERE: number = Number.MAX_SAFE_INTEGER;

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
  /**
   * The name the caller gave (`"TEXT DATA BSS"`, `"XEN EXTRA"`, …). Linux 3.9 has no named
   * reservations (plain `memblock_reserve`); there the model records the calling function in
   * parentheses, as `memblock=debug` shows it (`"(xen_add_extra_mem)"`), see
   * {@linkcode memblock_reserve_from}.
   */
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
  /**
   * `memblock.current_limit`: what an `end` of {@linkcode MEMBLOCK_ALLOC_ACCESSIBLE} means to
   * {@linkcode memblock_find_in_range_node}. 3.9's `setup_arch` sets it to 1 MiB before
   * `memblock_x86_fill` and raises it after `init_mem_mapping`.
   */
  currentLimit: number = MEMBLOCK_ALLOC_ANYWHERE;
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
 * `memblock_find_base`: the top-down search. An `end` of {@linkcode MEMBLOCK_ALLOC_ACCESSIBLE}
 * means `memblock.current_limit`. Walks `memblock.memory` from its last region down,
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
  // "Pump up max_addr": the caller may ask for "whatever is accessible now"
  if (end === MEMBLOCK_ALLOC_ACCESSIBLE) end = mb.currentLimit;
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
  checkFindArgs(start, end, size, align);
  if (end < start) {
    throw new RangeError(
      `Range end 0x${end.toString(16)} is below its start 0x${start.toString(16)}`,
    );
  }
  return memblock_find_base(mb, size, align, start, end);
}

/**
 * Linux 3.9's `memblock_reserve` with the trace `memblock=debug` gives it: reserve
 * `[base, base + size)` without a name. The kernel prints
 * `memblock_reserve: [%#016llx-%#016llx] %pF` with the calling function; the model writes that
 * line (function name only: the offsets depend on the build) to `mb.debugLog` and records the
 * reservation as `"(" + caller + ")"`. A size of 0 adds nothing, as in 3.9's
 * `memblock_add_region`.
 *
 * @param mb The allocator.
 * @param base The first byte.
 * @param size The length in bytes.
 * @param caller The kernel function that calls `memblock_reserve`.
 * @throws {RangeError} When `base` or `size` is not a whole number of bytes; nothing changes.
 */
export function memblock_reserve_from(
  mb: Memblock,
  base: number,
  size: number,
  caller: string,
): void {
  checkBytes("base", base);
  checkBytes("size", size);
  if (size === 0) return;
  mb.debugLog.push(
    `memblock_reserve: [${printkHex(base, 16, true)}-${
      printkHex(base + size - 1, 16, true)
    }] ${caller}`,
  );
  memblock_add_region(mb.reserved, base, size);
  mb.reservations.push({ start: base, end: base + size, name: `(${caller})` });
}

/**
 * `for_each_free_mem_range_reverse` (3.9, one node): the free ranges — `memblock.memory` minus
 * `memblock.reserved` — from the highest down.
 *
 * @param mb The allocator.
 * @returns The ranges as `[start, end)` pairs in bytes, highest first.
 */
export function for_each_free_mem_range_reverse(mb: Memblock): [number, number][] {
  const free: [number, number][] = [];
  for (let i = mb.memory.length - 1; i >= 0; i--) {
    const memBase = mb.memory[i].base;
    let top = memBase + mb.memory[i].size;
    for (let j = mb.reserved.length - 1; j >= 0 && top > memBase; j--) {
      const r = mb.reserved[j];
      const rEnd = r.base + r.size;
      if (r.base >= top) continue;
      if (rEnd < top) free.push([Math.max(rEnd, memBase), top]);
      top = Math.min(top, r.base);
    }
    if (top > memBase) free.push([memBase, top]);
  }
  return free;
}

/**
 * `memblock_find_in_range_node` of Linux 3.9 (one node, so also 3.9's `memblock_find_in_range`,
 * which only adds `MAX_NUMNODES`): find (but do not reserve) `size` free bytes,
 * `align`-aligned, in `[start, end)`, as high as possible.
 *
 * 1. `end` {@linkcode MEMBLOCK_ALLOC_ACCESSIBLE} (0) becomes `memblock.current_limit`;
 * 2. `start = max(start, PAGE_SIZE)` ("avoid allocating the first page"), `end = max(start,
 *    end)` — so a start of 0 never yields page 0 and an inverted range simply finds nothing;
 * 3. for each free range, highest first ({@linkcode for_each_free_mem_range_reverse}), clamp
 *    it to `[start, end)`; skip it if `this_end < size`; else `cand = round_down(this_end -
 *    size, align)` and return `cand` if `cand >= this_start`.
 *
 * Unlike 2.6.3x's {@linkcode memblock_find_in_range}, which walks memory regions and skips any
 * region smaller than `size` before looking at reservations, this looks only at free ranges:
 * a hole between two reservations is tried on its own merits.
 *
 * The kernel returns 0 when nothing fits (safe, because page 0 is never returned); the model
 * returns {@linkcode MEMBLOCK_ERROR} like its 2.6.3x search.
 *
 * @example The top of the highest free 2 MiB, past a reservation at the end of RAM
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   Memblock,
 *   memblock_add,
 *   memblock_find_in_range_node,
 *   memblock_reserve,
 * } from "@xenmmu/book";
 * const mb = new Memblock();
 * memblock_add(mb, 0x100000, 0x40700000); // RAM [1 MiB, 1 GiB + 8 MiB)
 * memblock_reserve(mb, 0x40000000, 0x800000); // the balloon region
 * const addr = memblock_find_in_range_node(mb, 0x100000, 0x40800000, 0x200000, 0x200000);
 * assert.equal(addr + 0x200000, 0x40000000); // init_mem_mapping's real_end
 * ```
 *
 * @param mb The allocator.
 * @param start The lowest byte allowed.
 * @param end One past the highest byte allowed, or {@linkcode MEMBLOCK_ALLOC_ACCESSIBLE}.
 * @param size The length in bytes, not 0.
 * @param align The alignment, a power of two.
 * @returns The base, or {@linkcode MEMBLOCK_ERROR}.
 * @throws {RangeError} When an argument is not a whole number of bytes, `size` is 0 (no caller
 *   asks for nothing; the kernel would hand out an empty area) or `align` is not a power of
 *   two; nothing is searched.
 */
export function memblock_find_in_range_node(
  mb: Memblock,
  start: number,
  end: number,
  size: number,
  align: number,
): number {
  checkFindArgs(start, end, size, align);
  if (end === MEMBLOCK_ALLOC_ACCESSIBLE) end = mb.currentLimit;
  start = Math.max(start, PAGE_SIZE);
  end = Math.max(start, end);
  for (const [freeStart, freeEnd] of for_each_free_mem_range_reverse(mb)) {
    const thisStart = Math.min(Math.max(freeStart, start), end);
    const thisEnd = Math.min(Math.max(freeEnd, start), end);
    if (thisEnd < size) continue;
    const cand = alignDown(thisEnd - size, align);
    if (cand >= thisStart) return cand;
  }
  return MEMBLOCK_ERROR;
}

/** The checks both searches make before looking: whole byte counts, a size, a power of two. */
function checkFindArgs(start: number, end: number, size: number, align: number): void {
  checkBytes("start", start);
  checkBytes("end", end);
  checkBytes("size", size);
  checkBytes("align", align);
  if (size === 0) throw new RangeError("Size 0 cannot be searched for: it must be at least 1");
  if (!isPowerOfTwo(align)) {
    throw new RangeError(`Alignment ${align} is not a power of two`);
  }
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
