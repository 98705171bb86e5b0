/**
 * Page-table entries: 64-bit values kept as two unsigned 32-bit halves, so that
 * no entry ever needs a BigInt.
 *
 * Layout (Intel SDM vol. 3, "4-level paging"): bits 0..11 are flags
 * (`pgtable_types.ts`), bits 12..51 the frame number, bit 63 NX. The low half
 * therefore holds the flags and the frame's low 20 bits, the high half the
 * frame's bits 20..39 and NX in its bit 31.
 *
 * @module
 */

import { _PAGE_NX, PAGE_FLAGS_MASK } from "./pgtable_types.ts";

/** A page-table entry as its two 32-bit halves. */
export interface Entry {
  /** Bits 0..31: flags and frame bits 0..19 (entry bits 12..31). */
  readonly lo: number;
  /** Bits 32..63: frame bits 20..39 (entry bits 32..51) and NX (bit 63). */
  readonly hi: number;
}

/** The largest frame number an entry can hold: 40 bits (entry bits 12..51). */
export const MAX_ENTRY_FRAME: number = 2 ** 40 - 1;

const NX_HI = 0x80000000;

/**
 * Build an entry from a frame number and a flags word.
 *
 * @example Build the entry that maps frame 0x1234 read-write, no-execute
 * ```ts
 * import assert from "node:assert/strict";
 * import { _PAGE_NX, _PAGE_PRESENT, _PAGE_RW, formatEntry, makeEntry } from "@xenmmu/book";
 * const e = makeEntry(0x1234, _PAGE_PRESENT | _PAGE_RW | _PAGE_NX);
 * assert.equal(formatEntry(e), "8000000001234003");
 * ```
 *
 * @param frame The frame number, 0 to {@linkcode MAX_ENTRY_FRAME}.
 * @param flags A flags word (`_PAGE_*` values or'ed together).
 * @returns The entry.
 * @throws {RangeError} When the frame does not fit in an entry or a flag is unknown.
 */
export function makeEntry(frame: number, flags: number): Entry {
  if (!Number.isInteger(frame) || frame < 0 || frame > MAX_ENTRY_FRAME) {
    throw new RangeError(
      `Frame ${
        String(frame)
      } cannot be put in an entry: a frame number is an integer from 0 to 2^40-1`,
    );
  }
  if (!Number.isInteger(flags) || (flags >>> 0 & ~PAGE_FLAGS_MASK) !== 0) {
    throw new RangeError(
      `Flags 0x${
        (flags >>> 0).toString(16)
      } are not a flags word: only bits 0..8 and _PAGE_NX may be set`,
    );
  }
  return { lo: entryLo(frame, flags), hi: entryHi(frame, flags) };
}

/**
 * The low half of the entry for `frame` and `flags`, unchecked: for hot paths
 * that have validated their inputs once.
 *
 * @param frame The frame number.
 * @param flags A flags word.
 * @returns Bits 0..31 of the entry.
 */
export function entryLo(frame: number, flags: number): number {
  return (((frame % 0x100000) << 12) | (flags & 0xfff)) >>> 0;
}

/**
 * The high half of the entry for `frame` and `flags`, unchecked.
 *
 * @param frame The frame number.
 * @param flags A flags word.
 * @returns Bits 32..63 of the entry.
 */
export function entryHi(frame: number, flags: number): number {
  return (Math.floor(frame / 0x100000) | (flags & _PAGE_NX ? NX_HI : 0)) >>> 0;
}

/**
 * The frame number an entry points to (`pte_pfn`, or the mfn under Xen PV).
 *
 * @param lo The entry's low half.
 * @param hi The entry's high half.
 * @returns Entry bits 12..51 as a frame number.
 */
export function entryFrame(lo: number, hi: number): number {
  return (lo >>> 12) + (hi & 0xfffff) * 0x100000;
}

/**
 * The flags word of an entry (`pte_flags`, with NX folded into bit 31).
 *
 * @param lo The entry's low half.
 * @param hi The entry's high half.
 * @returns Its flags word.
 */
export function entryFlags(lo: number, hi: number): number {
  return ((lo & 0x1ff) | (hi & NX_HI)) >>> 0;
}

/**
 * Print an entry as the kernel and Xen print one: 16 hex digits, no prefix
 * (Linux's `%016llx`, Xen's `PRIpte`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatEntry } from "@xenmmu/book";
 * assert.equal(formatEntry({ lo: 0x2067, hi: 0 }), "0000000000002067");
 * ```
 *
 * @param entry The entry.
 * @returns 16 lower-case hex digits.
 */
export function formatEntry(entry: Entry): string {
  return hex8(entry.hi) + hex8(entry.lo);
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}

const FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [0x001, "P"],
  [0x002, "RW"],
  [0x004, "US"],
  [0x008, "PWT"],
  [0x010, "PCD"],
  [0x020, "A"],
  [0x040, "D"],
  [0x080, "PSE"],
  [0x100, "G"],
  [_PAGE_NX, "NX"],
];

/**
 * Name the flags set in a flags word, in bit order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeFlags, PAGE_KERNEL } from "@xenmmu/book";
 * assert.equal(describeFlags(PAGE_KERNEL), "P RW A D G NX");
 * ```
 *
 * @param flags A flags word.
 * @returns The names separated by spaces, or `none` when no flag is set.
 */
export function describeFlags(flags: number): string {
  const names = FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
  return names.length === 0 ? "none" : names.join(" ");
}
