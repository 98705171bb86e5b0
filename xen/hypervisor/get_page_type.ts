/**
 * Reference counting of frames, as `xen/arch/x86/mm.c` does it: the general
 * count (`get_page` / `put_page`) and the type count with its one type at a
 * time (`get_page_type` / `put_page_type`), validation on the first
 * promotion to a page-table type and teardown when the last type reference
 * goes.
 *
 * @module
 */

import { alloc_page_type, free_page_type } from "./alloc_table.ts";
import { MM_C_LINE } from "./console.ts";
import {
  formatHex32,
  formatPageType,
  formatTypeInfo,
  pageTypeOf,
  PGT_COUNT_MASK,
  PGT_l1_page_table,
  PGT_l2_page_table,
  PGT_l3_page_table,
  PGT_l4_page_table,
  PGT_VALIDATED,
  PGT_writable_page,
} from "./type_info.ts";
import type { Xen } from "./xen.ts";

/**
 * `get_page`: take a general reference on a frame the domain owns.
 *
 * Xen also prints an `XENLOG_INFO` line ("Error pfn %lx: rd=%p, od=%p, ...")
 * when the owner differs; its pointers mean nothing outside a real Xen, so
 * the model leaves that line out.
 *
 * @param xen The hypervisor.
 * @param mfn The frame.
 * @returns True when the reference was taken.
 */
export function get_page(xen: Xen, mfn: number): boolean {
  if (!xen.owns(mfn)) return false;
  xen.countInfo[mfn - xen.firstMfn]++;
  return true;
}

/**
 * `put_page`: drop a general reference. An allocated page keeps its
 * allocation reference, so the count never reaches 0 here.
 *
 * @param xen The hypervisor.
 * @param mfn The frame.
 */
export function put_page(xen: Xen, mfn: number): void {
  xen.countInfo[mfn - xen.firstMfn]--;
}

/**
 * `get_page_from_pagenr`: a general reference on a valid frame the domain owns.
 *
 * @param xen The hypervisor.
 * @param mfn The frame.
 * @returns True when the reference was taken; false after the console line.
 */
export function get_page_from_pagenr(xen: Xen, mfn: number): boolean {
  if (!xen.mfnValid(mfn) || !get_page(xen, mfn)) {
    xen.console.memLog(
      MM_C_LINE.couldNotGetPageRef,
      xen.domid,
      `Could not get page ref for pfn ${mfn.toString(16)}`,
    );
    return false;
  }
  return true;
}

/**
 * `get_page_type` (Xen's `__get_page_type`, not preemptible): take a type
 * reference of `type` on an owned frame.
 *
 * At type count 0 the frame may change type (losing `PGT_validated`;
 * writable pages are valid at once). At a count above 0 a different type is
 * refused with "Bad type", except the three silent cases a linear page table
 * produces (an L2 asked for as L1, L3 as L2, L4 as L3). A page-table type
 * that is not validated yet is validated now (`alloc_page_type`); if that
 * fails, the frame is left untyped (`type_info = 0`) as Xen leaves it.
 *
 * @param xen The hypervisor.
 * @param mfn An owned frame.
 * @param type The `PGT_*` type wanted.
 * @returns True when the reference was taken.
 */
export function get_page_type(xen: Xen, mfn: number, type: number): boolean {
  const i = mfn - xen.firstMfn;
  const x = xen.typeInfo[i];
  const count = x & PGT_COUNT_MASK;
  let nx: number;
  if (count === PGT_COUNT_MASK) {
    xen.console.memLog(
      MM_C_LINE.typeCountOverflow,
      xen.domid,
      `Type count overflow on pfn ${mfn.toString(16)}`,
    );
    return false;
  }
  if (count === 0) {
    nx = x + 1;
    if (pageTypeOf(x) !== type) {
      // A new use: the old type and its validation are lost. (Xen flushes
      // stale TLB entries here; the model has no TLB.)
      nx = ((type << 28) | (type === PGT_writable_page ? PGT_VALIDATED : 0) | 1) >>> 0;
    }
  } else if (pageTypeOf(x) !== type) {
    const saw = pageTypeOf(x);
    // Possibly a linear page table: the caller retries that way, silently.
    if (
      (saw === PGT_l2_page_table && type === PGT_l1_page_table) ||
      (saw === PGT_l3_page_table && type === PGT_l2_page_table) ||
      (saw === PGT_l4_page_table && type === PGT_l3_page_table)
    ) {
      return false;
    }
    xen.console.memLog(
      MM_C_LINE.badType,
      xen.domid,
      `Bad type (saw ${formatTypeInfo(x)} != exp ${formatPageType(type)}) for mfn ${
        mfn.toString(16)
      } (pfn ${xen.formatPfn(mfn)})`,
    );
    return false;
  } else if ((x & PGT_VALIDATED) === 0) {
    // Only reachable while this very frame is being validated (Xen would
    // wait for the other validator, here that would be ourselves): refuse.
    return false;
  } else {
    nx = x + 1;
  }
  xen.typeInfo[i] = nx;
  if ((nx & PGT_VALIDATED) === 0) {
    return alloc_page_type_logged(xen, mfn, type);
  }
  return true;
}

/** `alloc_page_type` and its failure path: log, then leave the frame untyped. */
function alloc_page_type_logged(xen: Xen, mfn: number, type: number): boolean {
  const i = mfn - xen.firstMfn;
  if (alloc_page_type(xen, mfn, type) === 0) {
    xen.typeInfo[i] |= PGT_VALIDATED;
    return true;
  }
  xen.console.memLog(
    MM_C_LINE.errorWhileValidating,
    xen.domid,
    `Error while validating mfn ${mfn.toString(16)} (pfn ${xen.formatPfn(mfn)}) for type ${
      formatPageType(type)
    }: caf=80000000${formatHex32(xen.countInfo[i])} taf=${formatTypeInfo(xen.typeInfo[i])}`,
  );
  // "Noone else can get a reference. We hold the only ref."
  xen.typeInfo[i] = 0;
  return false;
}

/**
 * `put_page_type`: drop a type reference. When the last reference of a
 * validated page-table type goes, the table is torn down (`free_page_type`
 * drops every reference its entries hold) and `PGT_validated` is cleared;
 * the type itself stays, as in Xen, so a later `get_page_type` of the same
 * type revalidates and of another type simply replaces it.
 *
 * @param xen The hypervisor.
 * @param mfn An owned frame with a type reference.
 */
export function put_page_type(xen: Xen, mfn: number): void {
  const i = mfn - xen.firstMfn;
  const x = xen.typeInfo[i];
  const type = pageTypeOf(x);
  if (
    (x & PGT_COUNT_MASK) === 1 && type >= PGT_l1_page_table && type <= PGT_l4_page_table &&
    (x & PGT_VALIDATED) !== 0
  ) {
    // Clear the valid bit first, keeping the count at 1 while the entries'
    // references are dropped, exactly as __put_page_type does.
    xen.typeInfo[i] = (x & ~PGT_VALIDATED) >>> 0;
    free_page_type(xen, mfn, type);
    xen.typeInfo[i]--;
    return;
  }
  xen.typeInfo[i] = x - 1;
}

/**
 * `get_page_and_type_from_pagenr`: a general and a type reference.
 *
 * @param xen The hypervisor.
 * @param mfn The frame.
 * @param type The `PGT_*` type wanted.
 * @returns 0, or -EINVAL with no reference kept.
 */
export function get_page_and_type_from_pagenr(xen: Xen, mfn: number, type: number): number {
  if (!get_page_from_pagenr(xen, mfn)) return -22;
  if (!get_page_type(xen, mfn, type)) {
    put_page(xen, mfn);
    return -22;
  }
  return 0;
}

/**
 * `put_page_and_type`: drop a type reference, then a general one.
 *
 * @param xen The hypervisor.
 * @param mfn The frame.
 */
export function put_page_and_type(xen: Xen, mfn: number): void {
  put_page_type(xen, mfn);
  put_page(xen, mfn);
}
