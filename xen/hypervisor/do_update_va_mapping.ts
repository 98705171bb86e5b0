/**
 * `HYPERVISOR_update_va_mapping`: update the PTE that maps a virtual address
 * in the current page tables.
 *
 * @module
 */

import type { Entry } from "../../mmu/entry.ts";
import { pte_index } from "../../mmu/virtual_address.ts";
import { checkEntryHalves, checkVirtualAddress } from "./check_args.ts";
import { get_page_from_pagenr, put_page } from "./get_page_type.ts";
import { guest_map_l1e } from "./guest_map_l1e.ts";
import { mod_l1_entry } from "./mod_entry.ts";
import { page_lock, page_unlock } from "./page_lock.ts";
import {
  EINVAL,
  UVMF_FLUSHTYPE_MASK,
  UVMF_INVLPG,
  UVMF_LOCAL,
  UVMF_TLB_FLUSH,
} from "./public_xen.ts";
import { pageTypeOf, PGT_l1_page_table } from "./type_info.ts";
import type { Xen } from "./xen.ts";

/**
 * `do_update_va_mapping(va, val, flags)`: find the L1 for `va` through the
 * current CR3 (`guest_map_l1e`), check that it is a validated L1, and update
 * the entry with `mod_l1_entry`. The flush in `flags` is counted whether or
 * not the update succeeded, as Xen flushes either way.
 *
 * @param xen The hypervisor.
 * @param va The 48-bit virtual address.
 * @param val The new PTE.
 * @param flags `UVMF_NONE`, or `UVMF_TLB_FLUSH` / `UVMF_INVLPG` with `UVMF_LOCAL` / `UVMF_ALL`.
 * @returns 0, or -EINVAL (-22): no CR3, no L1 for `va`, the L1 not a
 *   validated L1, or `mod_l1_entry` refused the entry.
 * @throws {RangeError} Before doing anything, when `va`, `val` or `flags` is malformed.
 */
export function do_update_va_mapping(xen: Xen, va: number, val: Entry, flags: number): number {
  checkVirtualAddress(va, "update_va_mapping va");
  checkEntryHalves(val, "update_va_mapping val");
  // Above bit 2, Xen reads the flags as a pointer to a vCPU mask (UVMF_MULTI): one vCPU here.
  if (!Number.isInteger(flags) || flags < 0 || flags > 7) {
    throw new RangeError(
      `update_va_mapping flags ${flags} are not UVMF_* flags: a flush type (UVMF_NONE 0, ` +
        "UVMF_TLB_FLUSH 1, UVMF_INVLPG 2) plus UVMF_LOCAL 0 or UVMF_ALL 4, so 0 to 7; a vCPU " +
        "mask pointer (UVMF_MULTI) is not modelled",
    );
  }
  let rc = EINVAL;
  const gl1mfn = guest_map_l1e(xen, va);
  if (gl1mfn !== null && get_page_from_pagenr(xen, gl1mfn)) {
    if (page_lock(xen, gl1mfn)) {
      if (pageTypeOf(xen.typeInfo[gl1mfn - xen.firstMfn]) === PGT_l1_page_table) {
        rc = mod_l1_entry(xen, gl1mfn, pte_index(va), val.lo, val.hi) ? 0 : EINVAL;
      }
      page_unlock(xen, gl1mfn);
    }
    put_page(xen, gl1mfn);
  }
  const local = (flags & ~UVMF_FLUSHTYPE_MASK) === UVMF_LOCAL;
  switch (flags & UVMF_FLUSHTYPE_MASK) {
    case UVMF_TLB_FLUSH:
      if (local) xen.flushes.tlbLocal++;
      else xen.flushes.tlbAll++;
      break;
    case UVMF_INVLPG:
      if (local) xen.flushes.invlpgLocal++;
      else xen.flushes.invlpgAll++;
      break;
  }
  return rc;
}
