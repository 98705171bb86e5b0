/**
 * `HYPERVISOR_mmu_update`: a batch of `(ptr, val)` requests, each a checked
 * `*ptr = val` on a machine address, or an M2P update.
 *
 * @module
 */

import type { Entry } from "../../mmu/entry.ts";
import { MM_C_LINE } from "./console.ts";
import { get_page_from_pagenr, get_page_type, put_page, put_page_type } from "./get_page_type.ts";
import { mod_l1_entry, mod_l2_entry, mod_l3_entry, mod_l4_entry } from "./mod_entry.ts";
import { page_lock, page_unlock } from "./page_lock.ts";
import {
  EINVAL,
  MMU_MACHPHYS_UPDATE,
  MMU_NORMAL_PT_UPDATE,
  MMU_PT_UPDATE_PRESERVE_AD,
} from "./public_xen.ts";
import {
  pageTypeOf,
  PGT_l1_page_table,
  PGT_l2_page_table,
  PGT_l3_page_table,
  PGT_l4_page_table,
  PGT_writable_page,
} from "./type_info.ts";
import { checkBatch, checkEntryHalves, checkMachineAddress } from "./check_args.ts";
import type { Xen } from "./xen.ts";

/** One `mmu_update_t`. */
export interface MmuUpdate {
  /**
   * The machine address of the entry, with the command in bits 0..1
   * (`MMU_NORMAL_PT_UPDATE` is 0, so a plain entry address is a normal update);
   * for `MMU_MACHPHYS_UPDATE`, the address of the frame.
   */
  readonly ptr: number;
  /** The new entry; for `MMU_MACHPHYS_UPDATE`, the pfn in `lo` (and `hi` 0). */
  readonly val: Entry;
}

/**
 * `do_mmu_update`: apply the requests in order, stopping at the first one
 * refused. Requests before it stay applied, as in Xen.
 *
 * A `MMU_NORMAL_PT_UPDATE` into a validated L1..L4 table goes through
 * `mod_l1_entry` .. `mod_l4_entry`; into any other frame it is a plain store
 * (the frame takes, for the moment of the store, a writable type reference,
 * which a frame in use as a page table refuses).
 *
 * @param xen The hypervisor.
 * @param requests The batch.
 * @returns 0, or -EINVAL (-22) when a request was refused.
 * @throws {RangeError} Before doing anything, when a request is malformed: a
 *   command Xen does not have, a misaligned or out-of-machine address, an
 *   entry half that is not an unsigned 32-bit number.
 * @throws {TypeError} Before doing anything, when the batch is not an array of objects.
 */
export function do_mmu_update(xen: Xen, requests: readonly MmuUpdate[]): number {
  checkBatch(requests, "mmu_update", "{ ptr, val }");
  for (const req of requests) checkRequest(xen, req);
  for (const req of requests) {
    if (!mmu_update_one(xen, req)) return EINVAL;
  }
  return 0;
}

function checkRequest(xen: Xen, req: MmuUpdate): void {
  checkMachineAddress(xen, req.ptr, "mmu_update ptr");
  const cmd = req.ptr % 4;
  if (
    cmd !== MMU_NORMAL_PT_UPDATE && cmd !== MMU_MACHPHYS_UPDATE && cmd !== MMU_PT_UPDATE_PRESERVE_AD
  ) {
    throw new RangeError(
      `Invalid page update command ${cmd} in ptr 0x${
        req.ptr.toString(16)
      }: ptr bits 0..1 must be MMU_NORMAL_PT_UPDATE (0), MMU_MACHPHYS_UPDATE (1) ` +
        "or MMU_PT_UPDATE_PRESERVE_AD (2)",
    );
  }
  checkEntryHalves(req.val, "mmu_update val");
  if (cmd !== MMU_MACHPHYS_UPDATE && (req.ptr - cmd) % 8 !== 0) {
    throw new RangeError(
      `Machine address 0x${
        (req.ptr - cmd).toString(16)
      } is not 8-byte aligned: an mmu_update ptr names one 8-byte entry`,
    );
  }
  if (cmd === MMU_MACHPHYS_UPDATE && req.val.hi !== 0) {
    throw new RangeError(
      `Pfn 0x${req.val.hi.toString(16)}${
        req.val.lo.toString(16).padStart(8, "0")
      } does not fit the model's M2P: a pfn is below 2^32`,
    );
  }
}

function mmu_update_one(xen: Xen, req: MmuUpdate): boolean {
  const cmd = req.ptr % 4;
  if (cmd === MMU_MACHPHYS_UPDATE) {
    const mfn = Math.floor(req.ptr / 4096);
    if (!get_page_from_pagenr(xen, mfn)) {
      xen.console.memLog(
        MM_C_LINE.couldNotGetPageForMachphys,
        xen.domid,
        "Could not get page for mach->phys update",
      );
      return false;
    }
    xen.set_gpfn_from_mfn(mfn, req.val.lo);
    put_page(xen, mfn);
    return true;
  }
  const ma = req.ptr - cmd;
  const mfn = Math.floor(ma / 4096);
  const index = (ma % 4096) / 8;
  const preserveAd = cmd === MMU_PT_UPDATE_PRESERVE_AD;
  const { lo, hi } = req.val;
  if (!get_page_from_pagenr(xen, mfn)) {
    xen.console.memLog(
      MM_C_LINE.couldNotGetPageForUpdate,
      xen.domid,
      "Could not get page for normal update",
    );
    return false;
  }
  let okay = false;
  // page_lock() succeeds only on a validated frame in use, and holds it (one more type count and
  // PGT_locked) while the entry is checked.
  if (page_lock(xen, mfn)) {
    switch (pageTypeOf(xen.typeInfo[mfn - xen.firstMfn])) {
      case PGT_l1_page_table:
        okay = mod_l1_entry(xen, mfn, index, lo, hi, preserveAd);
        break;
      case PGT_l2_page_table:
        okay = mod_l2_entry(xen, mfn, index, lo, hi, preserveAd);
        break;
      case PGT_l3_page_table:
        okay = mod_l3_entry(xen, mfn, index, lo, hi, preserveAd) === 0;
        break;
      case PGT_l4_page_table:
        okay = mod_l4_entry(xen, mfn, index, lo, hi, preserveAd) === 0;
        break;
      case PGT_writable_page:
        plainStore(xen, mfn, index, lo, hi);
        okay = true;
        break;
    }
    page_unlock(xen, mfn);
  } else if (get_page_type(xen, mfn, PGT_writable_page)) {
    plainStore(xen, mfn, index, lo, hi);
    put_page_type(xen, mfn);
    okay = true;
  }
  put_page(xen, mfn);
  return okay;
}

/** `paging_write_guest_entry` on a frame that is not a page table: just data. */
function plainStore(xen: Xen, mfn: number, index: number, lo: number, hi: number): void {
  const w = xen.mem.table(mfn);
  w[2 * index] = lo;
  w[2 * index + 1] = hi;
}
