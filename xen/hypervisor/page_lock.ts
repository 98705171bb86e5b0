/**
 * `page_lock` and `page_unlock`: how Xen 4.1 holds a page-table page still
 * while it edits one of its entries (`do_mmu_update`, `update_va_mapping`,
 * writable page-table emulation).
 *
 * @module
 */

import { PGT_COUNT_MASK, PGT_LOCKED, PGT_VALIDATED } from "./type_info.ts";
import type { Xen } from "./xen.ts";

/**
 * `page_lock`: take the lock of a frame in use as a validated page (a page
 * table, or a writable page), which adds `PGT_locked` and one type count.
 * Both show in any "Bad type" line printed while the lock is held: an entry
 * that would map the locked table itself writable is refused with
 * `saw 1480000000000002` where the table alone reads `1400000000000001`.
 *
 * @param xen The hypervisor.
 * @param mfn A frame the domain owns.
 * @returns False, and nothing changed, when the frame is not validated or not in use.
 */
export function page_lock(xen: Xen, mfn: number): boolean {
  const i = mfn - xen.firstMfn;
  const x = xen.typeInfo[i];
  const nx = x + 1;
  if ((x & PGT_VALIDATED) === 0 || (x & PGT_COUNT_MASK) === 0 || (nx & PGT_COUNT_MASK) === 0) {
    return false;
  }
  // One vCPU: the lock is never contended, so Xen's wait loop has nothing to wait for.
  xen.typeInfo[i] = (nx | PGT_LOCKED) >>> 0;
  return true;
}

/**
 * `page_unlock`: drop the lock and the type count `page_lock` took.
 *
 * @param xen The hypervisor.
 * @param mfn A frame locked with {@linkcode page_lock}.
 * @throws {Error} When the frame is not locked (Xen's `BUG_ON`).
 */
export function page_unlock(xen: Xen, mfn: number): void {
  const i = mfn - xen.firstMfn;
  const x = xen.typeInfo[i];
  if ((x & PGT_LOCKED) === 0) {
    throw new Error(`page_unlock of mfn ${mfn.toString(16)}, which is not locked`);
  }
  xen.typeInfo[i] = ((x & ~PGT_LOCKED) - 1) >>> 0;
}
