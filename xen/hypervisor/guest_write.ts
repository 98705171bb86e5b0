/**
 * A store the guest kernel makes with an ordinary instruction, and what
 * Xen's page-fault path does with it when the page is read-only: writable
 * page-table emulation (`ptwr_do_page_fault`) for validated L1 pages, a
 * page fault for everything else.
 *
 * @module
 */

import type { Entry } from "../../mmu/entry.ts";
import { entryFrame } from "../../mmu/entry.ts";
import { pgd_index } from "../../mmu/virtual_address.ts";
import { walk, type WalkResult } from "../../mmu/walk.ts";
import { is_guest_l4_slot } from "./alloc_table.ts";
import { checkEntryHalves, checkVirtualAddress } from "./check_args.ts";
import { MM_C_LINE } from "./console.ts";
import { get_page_from_l1e, put_page_from_l1e } from "./get_page_from_entry.ts";
import { get_page_from_pagenr, put_page } from "./get_page_type.ts";
import { page_lock, page_unlock } from "./page_lock.ts";
import { pageTypeOf, PGT_l1_page_table } from "./type_info.ts";
import type { Xen } from "./xen.ts";

/** What became of a guest store. */
export interface GuestWriteResult {
  /**
   * `store`: the page was mapped writable, the 8 bytes were written.
   * `emulated`: the page is a read-only validated L1; Xen checked the new
   * PTE as `mod_l1_entry` would and wrote it.
   * `fault`: the guest takes a page fault; nothing changed.
   */
  readonly kind: "store" | "emulated" | "fault";
  /** The frame written (or that would have been), when the address translated. */
  readonly mfn: number | null;
  /** The 8-byte slot in that frame. */
  readonly index: number | null;
  /** One sentence for people. */
  readonly detail: string;
}

/**
 * The guest writes the 8 bytes `val` at virtual address `va` with a plain
 * `mov`, through the current CR3 (as `mmu/walk` translates it).
 *
 * @param xen The hypervisor.
 * @param va An 8-byte aligned 48-bit virtual address.
 * @param val The 8 bytes, as an entry's two halves.
 * @returns What happened.
 * @throws {RangeError} Before doing anything, when `va` is malformed or misaligned or `val` is
 *   not two 32-bit halves.
 */
export function guestWrite(xen: Xen, va: number, val: Entry): GuestWriteResult {
  checkVirtualAddress(va, "Guest store address");
  if (va % 8 !== 0) {
    throw new RangeError(
      `Guest store address 0x${
        va.toString(16)
      } is not 8-byte aligned: the model stores whole 8-byte words`,
    );
  }
  checkEntryHalves(val, "Guest store value");
  if (xen.cr3 === null) {
    return { kind: "fault", mfn: null, index: null, detail: "no page tables are loaded (no CR3)" };
  }
  if (!is_guest_l4_slot(pgd_index(va))) {
    return { kind: "fault", mfn: null, index: null, detail: "the address is in Xen's own slots" };
  }
  const r = walk(xen.mem, xen.cr3 * 4096, va, { access: "write" });
  if (r.pa === null) {
    return { kind: "fault", mfn: null, index: null, detail: r.fault?.detail ?? "no translation" };
  }
  const mfn = Math.floor(r.pa / 4096);
  const index = (r.pa % 4096) / 8;
  if (r.fault === null) {
    const w = xen.mem.table(mfn);
    w[2 * index] = val.lo;
    w[2 * index + 1] = val.hi;
    return { kind: "store", mfn, index, detail: "the page is mapped writable" };
  }
  const ptwr = ptwr_do_page_fault(xen, r, mfn, index, val);
  if (ptwr === "emulated") {
    return { kind: "emulated", mfn, index, detail: "ptwr emulation of a write to an L1 page" };
  }
  return {
    kind: "fault",
    mfn,
    index,
    detail: ptwr === "refused"
      ? "page fault: the page is an L1, but Xen refused the new entry while emulating the write"
      : `page fault: ${r.fault.detail}, and the page is not an L1 Xen can emulate writes to`,
  };
}

/**
 * `ptwr_do_page_fault`: a write fault on a page whose PTE is present and
 * read-only, where the page is a validated L1 table owned by the domain, is
 * emulated: the new PTE is checked with `get_page_from_l1e` (refused:
 * "ptwr_emulate: could not get_page_from_l1e()", and the fault goes back to
 * the guest), stored, and the old PTE's references are dropped.
 *
 * @param xen The hypervisor.
 * @param r The walk of the faulting address.
 * @param mfn The frame written.
 * @param index The 8-byte slot in it.
 * @param val The value written.
 * @returns `emulated` when the write was checked and done; `refused` when the page is an L1
 *   but the new entry failed `get_page_from_l1e`; `not-ptwr` when the page is not a validated
 *   L1 mapped read-only. In the last two cases the guest takes the fault.
 */
export function ptwr_do_page_fault(
  xen: Xen,
  r: WalkResult,
  mfn: number,
  index: number,
  val: Entry,
): "emulated" | "refused" | "not-ptwr" {
  const pte = r.steps[r.steps.length - 1];
  // Only a read-only 4 KiB mapping can be a mapping of an L1 page.
  if (pte.level !== "pte" || (pte.lo & 3) !== 1) return "not-ptwr";
  if (entryFrame(pte.lo, pte.hi) !== mfn || !get_page_from_pagenr(xen, mfn)) return "not-ptwr";
  if (!page_lock(xen, mfn)) {
    put_page(xen, mfn);
    return "not-ptwr";
  }
  if (pageTypeOf(xen.typeInfo[mfn - xen.firstMfn]) !== PGT_l1_page_table) {
    page_unlock(xen, mfn);
    put_page(xen, mfn);
    return "not-ptwr";
  }
  let emulated = false;
  if (get_page_from_l1e(xen, val.lo, val.hi) === 0) {
    xen.console.memLog(
      MM_C_LINE.ptwrCouldNotGet,
      xen.domid,
      "ptwr_emulate: could not get_page_from_l1e()",
    );
  } else {
    const w = xen.mem.table(mfn);
    const olo = w[2 * index];
    const ohi = w[2 * index + 1];
    w[2 * index] = val.lo;
    w[2 * index + 1] = val.hi;
    put_page_from_l1e(xen, olo, ohi);
    emulated = true;
  }
  page_unlock(xen, mfn);
  put_page(xen, mfn);
  return emulated ? "emulated" : "refused";
}
