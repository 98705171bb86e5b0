/**
 * `HYPERVISOR_mmuext_op`: pinning, unpinning, loading CR3 and TLB flushes.
 *
 * @module
 */

import { checkBatch, checkMfn, checkVirtualAddress } from "./check_args.ts";
import { MM_C_LINE } from "./console.ts";
import {
  get_page_and_type_from_pagenr,
  get_page_from_pagenr,
  put_page,
  put_page_and_type,
} from "./get_page_type.ts";
import {
  EINVAL,
  MMUEXT_INVLPG_ALL,
  MMUEXT_INVLPG_LOCAL,
  MMUEXT_INVLPG_MULTI,
  MMUEXT_NEW_BASEPTR,
  MMUEXT_NEW_USER_BASEPTR,
  MMUEXT_PIN_L1_TABLE,
  MMUEXT_TLB_FLUSH_ALL,
  MMUEXT_TLB_FLUSH_LOCAL,
  MMUEXT_TLB_FLUSH_MULTI,
  MMUEXT_UNPIN_TABLE,
} from "./public_xen.ts";
import { PGT_l4_page_table, PGT_PINNED } from "./type_info.ts";
import type { Xen } from "./xen.ts";

/** One `mmuext_op`. */
export interface MmuextOp {
  /** `MMUEXT_*` command. */
  readonly cmd: number;
  /** `arg1.mfn`: the frame to pin, unpin or load (a PV guest passes machine frames). */
  readonly mfn?: number;
  /** `arg1.linear_addr`: the address to flush, for the `INVLPG` commands. */
  readonly linearAddr?: number;
}

/**
 * `do_mmuext_op`: run the operations in order, stopping at the first one
 * refused; those before it stay done.
 *
 * - `MMUEXT_PIN_L1_TABLE` .. `MMUEXT_PIN_L4_TABLE`: a general and a type
 *   reference (validating the frame at its first promotion), then
 *   `PGT_pinned`; a frame already pinned is refused and keeps one pin.
 * - `MMUEXT_UNPIN_TABLE`: clear `PGT_pinned` and drop the pin's references
 *   (the last one tears the table down).
 * - `MMUEXT_NEW_BASEPTR`: `new_guest_cr3`, an L4 type reference on the new
 *   base, then the old base's dropped. `MMUEXT_NEW_USER_BASEPTR` does the
 *   same for the user-mode L4 (`mfn` 0 clears it, as in Xen).
 * - TLB flushes are counted in `xen.flushes`.
 *
 * @example A frame with a writable mapping cannot be pinned
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   do_mmuext_op,
 *   get_page_type,
 *   MMUEXT_PIN_L1_TABLE,
 *   PGT_writable_page,
 *   Xen,
 * } from "@xenmmu/book";
 * const xen = new Xen({ nrPages: 0x40000 });
 * const mfn = xen.pfnToMfn(0x3fff3);
 * get_page_type(xen, mfn, PGT_writable_page); // what an RW PTE in a validated L1 holds
 * assert.equal(do_mmuext_op(xen, [{ cmd: MMUEXT_PIN_L1_TABLE, mfn }]), -22);
 * assert.deepEqual(xen.console.lines, [
 *   "(XEN) mm.c:2424:d1 Bad type (saw 7400000000000001 != exp 1000000000000000) " +
 *   "for mfn 13fff3 (pfn 3fff3)",
 *   "(XEN) mm.c:2985:d1 Error while pinning mfn 13fff3",
 * ]);
 * ```
 *
 * @param xen The hypervisor.
 * @param ops The operations.
 * @returns 0, or -EINVAL (-22) when an operation was refused.
 * @throws {RangeError} Before doing anything, when an operation is
 *   malformed: a command the model does not have, a frame outside the
 *   machine, a missing argument.
 * @throws {TypeError} Before doing anything, when the batch is not an array of objects.
 */
export function do_mmuext_op(xen: Xen, ops: readonly MmuextOp[]): number {
  checkBatch(ops, "mmuext_op", "{ cmd, ... }");
  for (const op of ops) checkOp(xen, op);
  for (const op of ops) {
    if (!mmuext_one(xen, op)) return EINVAL;
  }
  return 0;
}

function checkOp(xen: Xen, op: MmuextOp): void {
  const cmd = op?.cmd;
  if (
    !Number.isInteger(cmd) ||
    (cmd !== MMUEXT_NEW_USER_BASEPTR && (cmd < MMUEXT_PIN_L1_TABLE || cmd > MMUEXT_INVLPG_ALL))
  ) {
    throw new RangeError(
      `Invalid extended pt command ${
        String(cmd)
      }: the model has MMUEXT_PIN_L1_TABLE (0) .. MMUEXT_INVLPG_ALL (11) and ` +
        "MMUEXT_NEW_USER_BASEPTR (15)",
    );
  }
  if (cmd <= MMUEXT_NEW_BASEPTR || cmd === MMUEXT_NEW_USER_BASEPTR) {
    checkMfn(xen, op.mfn as number, `mmuext_op ${cmd} mfn`);
  }
  if (cmd === MMUEXT_INVLPG_LOCAL || cmd === MMUEXT_INVLPG_MULTI || cmd === MMUEXT_INVLPG_ALL) {
    checkVirtualAddress(op.linearAddr as number, `mmuext_op ${cmd} linear_addr`);
  }
}

function mmuext_one(xen: Xen, op: MmuextOp): boolean {
  const mfn = op.mfn as number;
  switch (op.cmd) {
    case MMUEXT_TLB_FLUSH_LOCAL:
      xen.flushes.tlbLocal++;
      return true;
    case MMUEXT_INVLPG_LOCAL:
      xen.flushes.invlpgLocal++;
      return true;
    case MMUEXT_TLB_FLUSH_MULTI:
    case MMUEXT_TLB_FLUSH_ALL:
      xen.flushes.tlbAll++;
      return true;
    case MMUEXT_INVLPG_MULTI:
    case MMUEXT_INVLPG_ALL:
      xen.flushes.invlpgAll++;
      return true;
    case MMUEXT_UNPIN_TABLE:
      return unpin(xen, mfn);
    case MMUEXT_NEW_BASEPTR:
      return new_guest_cr3(xen, mfn);
    case MMUEXT_NEW_USER_BASEPTR:
      return new_user_baseptr(xen, mfn);
    default:
      // MMUEXT_PIN_Ln_TABLE asks for type Ln, and PGT_ln_page_table is n.
      return pin(xen, mfn, op.cmd - MMUEXT_PIN_L1_TABLE + 1);
  }
}

function pin(xen: Xen, mfn: number, type: number): boolean {
  if (get_page_and_type_from_pagenr(xen, mfn, type) !== 0) {
    xen.console.memLog(
      MM_C_LINE.errorWhilePinning,
      xen.domid,
      `Error while pinning mfn ${mfn.toString(16)}`,
    );
    return false;
  }
  const i = mfn - xen.firstMfn;
  if ((xen.typeInfo[i] & PGT_PINNED) !== 0) {
    xen.console.memLog(
      MM_C_LINE.alreadyPinned,
      xen.domid,
      `Mfn ${mfn.toString(16)} already pinned`,
    );
    put_page_and_type(xen, mfn);
    return false;
  }
  xen.typeInfo[i] = (xen.typeInfo[i] | PGT_PINNED) >>> 0;
  return true;
}

function unpin(xen: Xen, mfn: number): boolean {
  if (!get_page_from_pagenr(xen, mfn)) {
    xen.console.memLog(MM_C_LINE.badDomain, xen.domid, `Mfn ${mfn.toString(16)} bad domain`);
    return false;
  }
  const i = mfn - xen.firstMfn;
  if ((xen.typeInfo[i] & PGT_PINNED) === 0) {
    put_page(xen, mfn);
    xen.console.memLog(MM_C_LINE.notPinned, xen.domid, `Mfn ${mfn.toString(16)} not pinned`);
    return false;
  }
  xen.typeInfo[i] = (xen.typeInfo[i] & ~PGT_PINNED) >>> 0;
  put_page_and_type(xen, mfn);
  put_page(xen, mfn);
  return true;
}

/**
 * `new_guest_cr3`: make `mfn` the vCPU's L4. The new base takes its L4 type
 * reference (validating the tree if it is new) before the old one drops its.
 *
 * @param xen The hypervisor.
 * @param mfn The new L4.
 * @returns True when loaded; false (after "Error while installing new baseptr") when refused.
 */
export function new_guest_cr3(xen: Xen, mfn: number): boolean {
  if (get_page_and_type_from_pagenr(xen, mfn, PGT_l4_page_table) !== 0) {
    xen.console.memLog(
      MM_C_LINE.errorInstallingBaseptr,
      xen.domid,
      `Error while installing new baseptr ${mfn.toString(16)}`,
    );
    return false;
  }
  const old = xen.cr3;
  xen.cr3 = mfn;
  if (old !== null) put_page_and_type(xen, old);
  return true;
}

/** `MMUEXT_NEW_USER_BASEPTR`: as {@linkcode new_guest_cr3} for `guest_table_user`. */
function new_user_baseptr(xen: Xen, mfn: number): boolean {
  if (mfn !== 0 && get_page_and_type_from_pagenr(xen, mfn, PGT_l4_page_table) !== 0) {
    xen.console.memLog(
      MM_C_LINE.errorInstallingUserBaseptr,
      xen.domid,
      `Error while installing new mfn ${mfn.toString(16)}`,
    );
    return false;
  }
  const old = xen.userCr3;
  xen.userCr3 = mfn === 0 ? null : mfn;
  if (old !== null) put_page_and_type(xen, old);
  return true;
}
