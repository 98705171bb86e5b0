/**
 * Validation and teardown of table contents: `alloc_l1_table` ..
 * `alloc_l4_table` (every entry takes its references, or none is kept) and
 * `free_l1_table` .. `free_l4_table` (every entry gives them back).
 *
 * The loops read the entries' two 32-bit halves straight from machine
 * memory, so validating a big boot's L1 tables costs one pass over typed
 * arrays and a call per present entry.
 *
 * @module
 */

import { MM_C_LINE } from "./console.ts";
import {
  get_page_from_l1e,
  get_page_from_l2e,
  get_page_from_l3e,
  get_page_from_l4e,
  L1_DISALLOW_MASK,
  put_page_from_l1e,
  put_page_from_l2e,
  put_page_from_l3e,
  put_page_from_l4e,
} from "./get_page_from_entry.ts";
import {
  PGT_COUNT_MASK,
  PGT_l1_page_table,
  PGT_l2_page_table,
  PGT_l3_page_table,
  PGT_l4_page_table,
  PGT_VALIDATED,
  PGT_writable_page,
} from "./type_info.ts";
import type { Xen } from "./xen.ts";

/** The first L4 slot Xen keeps for itself on x86-64 (`ROOT_PAGETABLE_FIRST_XEN_SLOT`). */
export const ROOT_PAGETABLE_FIRST_XEN_SLOT = 256;
/** The last L4 slot Xen keeps for itself (`ROOT_PAGETABLE_LAST_XEN_SLOT`). */
export const ROOT_PAGETABLE_LAST_XEN_SLOT = 271;

/**
 * `is_guest_l4_slot` for a 64-bit PV guest: every slot but Xen's 256..271.
 *
 * @param slot An L4 index.
 * @returns True when the guest owns the slot.
 */
export function is_guest_l4_slot(slot: number): boolean {
  return slot < ROOT_PAGETABLE_FIRST_XEN_SLOT || slot > ROOT_PAGETABLE_LAST_XEN_SLOT;
}

/**
 * `alloc_l1_table`: validate an L1 page. On the first entry refused, every
 * reference taken so far is given back.
 *
 * @param xen The hypervisor.
 * @param mfn The frame.
 * @returns 0, or -EINVAL.
 */
export function alloc_l1_table(xen: Xen, mfn: number): number {
  if (!xen.mem.hasTable(mfn)) return 0;
  const w = xen.mem.table(mfn);
  for (let i = takeCommonL1Refs(xen, w, 0); i < 512; i = takeCommonL1Refs(xen, w, i + 1)) {
    if (get_page_from_l1e(xen, w[2 * i], w[2 * i + 1]) === 0) {
      xen.console.memLog(
        MM_C_LINE.allocL1Failure,
        xen.domid,
        `Failure in alloc_l1_table: entry ${i}`,
      );
      while (i-- > 0) put_page_from_l1e(xen, w[2 * i], w[2 * i + 1]);
      return -22;
    }
  }
  return 0;
}

/**
 * `get_page_from_l1e` for the entries of `w` from `from` on, done inline for as long as they are
 * the common case: not present, or allowed flags and a frame the domain owns, and for RW a frame
 * that is writable and validated already, or not in use at all (`get_page_type`'s type change at
 * count 0). The effect on the counts is exactly `get_page_from_l1e`'s; it stops at the first
 * other entry, which the caller hands to `get_page_from_l1e` itself.
 *
 * Int32 arithmetic only (frames below 2^31, i.e. the high half's frame bits below bit 11; others
 * take the slow way): this loop runs once per page of a big boot.
 *
 * @returns The index of the first entry it did not take (512 when it took them all).
 */
function takeCommonL1Refs(xen: Xen, w: Uint32Array, from: number): number {
  const { countInfo, typeInfo, firstMfn, nrPages } = xen;
  for (let i = from; i < 512; i++) {
    const lo = w[2 * i];
    if ((lo & 1) === 0) continue;
    const hi = w[2 * i + 1];
    if ((((lo & 0xfff) | ((hi >>> 20) << 12)) & DISALLOW) !== 0) return i;
    if ((hi & 0xff800) !== 0) return i;
    const j = ((lo >>> 12) | ((hi & 0x7ff) << 20)) - firstMfn;
    if (j < 0 || j >= nrPages) return i;
    if ((lo & 2) === 0) {
      countInfo[j]++;
      continue;
    }
    const x = typeInfo[j];
    const count = x & COUNT_MASK;
    if (count === 0 && x >>> 28 !== WRITABLE) { // pageTypeOf(x)
      typeInfo[j] = WRITABLE_VALIDATED | 1;
    } else if ((x & 0xf4000000) === WRITABLE_VALIDATED && count < COUNT_MASK) {
      typeInfo[j] = x + 1;
    } else {
      return i;
    }
    countInfo[j]++;
  }
  return 512;
}

// Module-local copies of the constants the loop above uses: V8 folds a module's own constants into
// the code it compiles, but reads an imported one from its binding each time, which made the
// loop a third slower per entry (measured December 2026, Deno 2.9).
const DISALLOW = L1_DISALLOW_MASK;
const COUNT_MASK = PGT_COUNT_MASK;
const WRITABLE = PGT_writable_page;
const WRITABLE_VALIDATED = (PGT_writable_page << 28) | PGT_VALIDATED;

/**
 * `alloc_l2_table`: validate an L2 page (each present entry makes its frame
 * an L1, validating it if it was not one yet).
 *
 * @param xen The hypervisor.
 * @param mfn The frame.
 * @returns 0, or -EINVAL.
 */
export function alloc_l2_table(xen: Xen, mfn: number): number {
  if (!xen.mem.hasTable(mfn)) return 0;
  const w = xen.mem.table(mfn);
  for (let i = 0; i < 512; i++) {
    if (get_page_from_l2e(xen, w[2 * i], w[2 * i + 1], mfn) < 0) {
      xen.console.memLog(
        MM_C_LINE.allocL2Failure,
        xen.domid,
        `Failure in alloc_l2_table: entry ${i}`,
      );
      while (i-- > 0) put_page_from_l2e(xen, w[2 * i], w[2 * i + 1], mfn);
      return -22;
    }
  }
  return 0;
}

/**
 * `alloc_l3_table`: validate an L3 page.
 *
 * @param xen The hypervisor.
 * @param mfn The frame.
 * @returns 0, or -EINVAL.
 */
export function alloc_l3_table(xen: Xen, mfn: number): number {
  if (!xen.mem.hasTable(mfn)) return 0;
  const w = xen.mem.table(mfn);
  for (let i = 0; i < 512; i++) {
    if (get_page_from_l3e(xen, w[2 * i], w[2 * i + 1], mfn) < 0) {
      xen.console.memLog(
        MM_C_LINE.allocL3Failure,
        xen.domid,
        `Failure in alloc_l3_table: entry ${i}`,
      );
      while (i-- > 0) put_page_from_l3e(xen, w[2 * i], w[2 * i + 1], mfn);
      return -22;
    }
  }
  return 0;
}

/**
 * `alloc_l4_table`: validate an L4 page's guest slots. On success Xen writes
 * its own mappings into slots 256..271; the model does not model them and
 * clears those slots instead, so nothing the guest left there can be walked.
 *
 * @param xen The hypervisor.
 * @param mfn The frame.
 * @returns 0, or -EINVAL.
 */
export function alloc_l4_table(xen: Xen, mfn: number): number {
  if (!xen.mem.hasTable(mfn)) return 0;
  const w = xen.mem.table(mfn);
  for (let i = 0; i < 512; i++) {
    if (!is_guest_l4_slot(i)) continue;
    if (get_page_from_l4e(xen, w[2 * i], w[2 * i + 1], mfn) < 0) {
      xen.console.memLog(
        MM_C_LINE.allocL4Failure,
        xen.domid,
        `Failure in alloc_l4_table: entry ${i}`,
      );
      while (i-- > 0) {
        if (is_guest_l4_slot(i)) put_page_from_l4e(xen, w[2 * i], w[2 * i + 1], mfn);
      }
      return -22;
    }
  }
  w.fill(0, 2 * ROOT_PAGETABLE_FIRST_XEN_SLOT, 2 * (ROOT_PAGETABLE_LAST_XEN_SLOT + 1));
  return 0;
}

/**
 * `free_l1_table`: give back every reference the entries of an L1 hold.
 *
 * @param xen The hypervisor.
 * @param mfn The frame.
 */
export function free_l1_table(xen: Xen, mfn: number): void {
  if (!xen.mem.hasTable(mfn)) return;
  const w = xen.mem.table(mfn);
  for (let i = 0; i < 512; i++) put_page_from_l1e(xen, w[2 * i], w[2 * i + 1]);
}

/**
 * `free_l2_table`: give back every reference the entries of an L2 hold
 * (Xen walks from the last entry down).
 *
 * @param xen The hypervisor.
 * @param mfn The frame.
 */
export function free_l2_table(xen: Xen, mfn: number): void {
  if (!xen.mem.hasTable(mfn)) return;
  const w = xen.mem.table(mfn);
  for (let i = 511; i >= 0; i--) put_page_from_l2e(xen, w[2 * i], w[2 * i + 1], mfn);
}

/**
 * `free_l3_table`: as {@linkcode free_l2_table}, one level up.
 *
 * @param xen The hypervisor.
 * @param mfn The frame.
 */
export function free_l3_table(xen: Xen, mfn: number): void {
  if (!xen.mem.hasTable(mfn)) return;
  const w = xen.mem.table(mfn);
  for (let i = 511; i >= 0; i--) put_page_from_l3e(xen, w[2 * i], w[2 * i + 1], mfn);
}

/**
 * `free_l4_table`: as {@linkcode free_l2_table}, over the guest slots.
 *
 * @param xen The hypervisor.
 * @param mfn The frame.
 */
export function free_l4_table(xen: Xen, mfn: number): void {
  if (!xen.mem.hasTable(mfn)) return;
  const w = xen.mem.table(mfn);
  for (let i = 511; i >= 0; i--) {
    if (is_guest_l4_slot(i)) put_page_from_l4e(xen, w[2 * i], w[2 * i + 1], mfn);
  }
}

/**
 * `alloc_page_type`: validate a frame for a page-table type.
 *
 * @param xen The hypervisor.
 * @param mfn The frame.
 * @param type `PGT_l1_page_table` .. `PGT_l4_page_table`.
 * @returns 0, or -EINVAL.
 */
export function alloc_page_type(xen: Xen, mfn: number, type: number): number {
  switch (type) {
    case PGT_l1_page_table:
      return alloc_l1_table(xen, mfn);
    case PGT_l2_page_table:
      return alloc_l2_table(xen, mfn);
    case PGT_l3_page_table:
      return alloc_l3_table(xen, mfn);
    case PGT_l4_page_table:
      return alloc_l4_table(xen, mfn);
    default:
      throw new Error(`Bad type in alloc_page_type ${type}: only page-table types are validated`);
  }
}

/**
 * `free_page_type`: tear a page-table frame down.
 *
 * @param xen The hypervisor.
 * @param mfn The frame.
 * @param type Its page-table type.
 */
export function free_page_type(xen: Xen, mfn: number, type: number): void {
  switch (type) {
    case PGT_l1_page_table:
      return free_l1_table(xen, mfn);
    case PGT_l2_page_table:
      return free_l2_table(xen, mfn);
    case PGT_l3_page_table:
      return free_l3_table(xen, mfn);
    case PGT_l4_page_table:
      return free_l4_table(xen, mfn);
  }
}
