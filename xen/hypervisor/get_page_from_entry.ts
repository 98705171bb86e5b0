/**
 * What one present entry of a validated table holds, and the checks before
 * it may hold it: `get_page_from_l1e` .. `get_page_from_l4e` and their
 * `put_page_from_l*e`, with the flag masks of Xen 4.1 x86-64
 * (`asm-x86/x86_64/page.h`) and linear page tables.
 *
 * Entries are passed as their two 32-bit halves so that validating a table
 * of 512 entries never builds an object per entry.
 *
 * @module
 */

import { entryFrame } from "../../mmu/entry.ts";
import { MM_C_LINE } from "./console.ts";
import {
  get_page_and_type_from_pagenr,
  get_page_from_pagenr,
  get_page_type,
  put_page,
  put_page_and_type,
} from "./get_page_type.ts";
import {
  formatHex32,
  pageTypeOf,
  PGT_COUNT_MASK,
  PGT_l1_page_table,
  PGT_l2_page_table,
  PGT_l3_page_table,
  PGT_VALIDATED,
  PGT_writable_page,
} from "./type_info.ts";
import type { Xen } from "./xen.ts";

/** `_PAGE_PRESENT` in Xen's flags word. */
const P = 0x001;
/** `_PAGE_RW`. */
const RW = 0x002;
/** `_PAGE_PSE`. */
const PSE = 0x080;

/**
 * `BASE_DISALLOW_MASK` of Xen 4.1 x86-64, `0xFF800198 & ~_PAGE_NX`: PWT, PCD,
 * PSE/PAT and GLOBAL, plus flag bits 24..31 that no 64-bit entry can set.
 */
export const BASE_DISALLOW_MASK = 0xff000198;
/** `L1_DISALLOW_MASK`: the base mask plus `_PAGE_GNTTAB` (entry bit 62), minus GLOBAL. */
export const L1_DISALLOW_MASK = 0xff400098;
/**
 * `L2_DISALLOW_MASK` of Xen 4.1.0: the base mask minus PSE (superpages are
 * refused later, by name, in `get_page_from_l2e`). The XSA-148 fix keeps PSE
 * in the mask unless Xen runs with `allowsuperpage`: see {@linkcode l2DisallowMask}.
 */
export const L2_DISALLOW_MASK = 0xff000118;

/**
 * The `L2_DISALLOW_MASK` a hypervisor applies: 4.1.0's, or with the XSA-148
 * fix (`unlikely(opt_allow_superpage) ? base & ~_PAGE_PSE : base`, and the
 * model runs without `allowsuperpage`) the whole base mask.
 *
 * @param xen The hypervisor.
 * @returns The mask, in Xen's flags word.
 */
export function l2DisallowMask(xen: Xen): number {
  return xen.xsa148 === "fixed" ? BASE_DISALLOW_MASK : L2_DISALLOW_MASK;
}
/** `L3_DISALLOW_MASK` (a 64-bit guest's `l3_disallow_mask`). */
export const L3_DISALLOW_MASK = 0xff000198;
/** `L4_DISALLOW_MASK`. */
export const L4_DISALLOW_MASK = 0xff000198;

/**
 * `l1e_get_flags` and friends: Xen's 24-bit flags word, entry bits 0..11 in
 * bits 0..11 and entry bits 52..63 in bits 12..23 (so NX is bit 23).
 *
 * @param lo The entry's low half.
 * @param hi The entry's high half.
 * @returns The flags as Xen's `%x` prints them.
 */
export function xenFlags(lo: number, hi: number): number {
  return ((lo & 0xfff) | ((hi >>> 20) << 12)) >>> 0;
}

/**
 * `get_page_from_l1e(l1e, d, d)`: the references a present L1 entry holds, a
 * general one on its frame and, if the entry is RW, a `PGT_writable_page`
 * type reference (which a frame that is a page table refuses).
 *
 * @param xen The hypervisor.
 * @param lo The entry's low half.
 * @param hi The entry's high half.
 * @returns 1 when the entry is fine (references taken), 0 when refused (none taken).
 */
export function get_page_from_l1e(xen: Xen, lo: number, hi: number): number {
  if ((lo & P) === 0) return 1;
  const flags = xenFlags(lo, hi);
  if ((flags & L1_DISALLOW_MASK) !== 0) {
    xen.console.memLog(
      MM_C_LINE.badL1FlagsGet,
      xen.domid,
      `Bad L1 flags ${((flags & L1_DISALLOW_MASK) >>> 0).toString(16)}`,
    );
    return 0;
  }
  const mfn = entryFrame(lo, hi);
  if (!xen.mfnValid(mfn)) {
    // Beyond the frame table Xen treats the frame as I/O memory, which an
    // unprivileged domain may not map.
    xen.console.memLog(
      MM_C_LINE.nonPrivilegedIo,
      xen.domid,
      `Non-privileged (${xen.domid}) attempt to map I/O space ${mfn.toString(16).padStart(8, "0")}`,
    );
    return 0;
  }
  if (!xen.owns(mfn)) return could_not_pin(xen, lo, hi, mfn);
  xen.countInfo[mfn - xen.firstMfn]++;
  if ((flags & RW) !== 0 && !get_page_type(xen, mfn, PGT_writable_page)) {
    put_page(xen, mfn);
    return could_not_pin(xen, lo, hi, mfn);
  }
  return 1;
}

function could_not_pin(xen: Xen, lo: number, hi: number, mfn: number): number {
  xen.console.memLog(
    MM_C_LINE.errorGettingMfn,
    xen.domid,
    `Error getting mfn ${mfn.toString(16)} (pfn ${xen.formatPfn(mfn)}) from L1 entry ${
      formatHex32(hi)
    }${formatHex32(lo)} for l1e_owner=${xen.domid}, pg_owner=${xen.domid}`,
  );
  return 0;
}

/**
 * `put_page_from_l1e`: drop what {@linkcode get_page_from_l1e} took.
 *
 * @param xen The hypervisor.
 * @param lo The entry's low half.
 * @param hi The entry's high half.
 */
export function put_page_from_l1e(xen: Xen, lo: number, hi: number): void {
  if ((lo & P) === 0) return;
  const mfn = entryFrame(lo, hi);
  if (!xen.owns(mfn)) return;
  if ((lo & RW) !== 0) put_page_and_type(xen, mfn);
  else put_page(xen, mfn);
}

/**
 * `get_lN_linear_pagetable`: accept an entry that points at a table of its
 * own level (a "linear" or recursive mapping) if it is read-only and that
 * table is already validated; a table pointing at itself takes no reference.
 */
function get_linear_pagetable(
  xen: Xen,
  level: number,
  line: number,
  lo: number,
  hi: number,
  tableMfn: number,
): boolean {
  if ((lo & RW) !== 0) {
    xen.console.memLog(line, xen.domid, "Attempt to create linear p.t. with write perms");
    return false;
  }
  const mfn = entryFrame(lo, hi);
  if (mfn === tableMfn) return true;
  if (!get_page_from_pagenr(xen, mfn)) return false;
  const i = mfn - xen.firstMfn;
  const x = xen.typeInfo[i];
  if (
    (x & PGT_COUNT_MASK) === PGT_COUNT_MASK || pageTypeOf(x) !== level || (x & PGT_VALIDATED) === 0
  ) {
    put_page(xen, mfn);
    return false;
  }
  xen.typeInfo[i] = x + 1;
  return true;
}

/**
 * `get_page_from_l2e`: a present L2 entry holds an `PGT_l1_page_table`
 * reference on its frame (validating it on first use), or is a read-only
 * linear entry. Superpages are refused: Xen 4.1 runs without `allowsuperpage`.
 *
 * @param xen The hypervisor.
 * @param lo The entry's low half.
 * @param hi The entry's high half.
 * @param tableMfn The frame of the L2 table that holds the entry.
 * @returns 1 when not present, 0 when references were taken, -EINVAL when refused.
 */
export function get_page_from_l2e(xen: Xen, lo: number, hi: number, tableMfn: number): number {
  if ((lo & P) === 0) return 1;
  const flags = xenFlags(lo, hi);
  const disallow = l2DisallowMask(xen);
  if ((flags & disallow) !== 0) {
    xen.console.memLog(
      MM_C_LINE.badL2FlagsGet,
      xen.domid,
      `Bad L2 flags ${((flags & disallow) >>> 0).toString(16)}`,
    );
    return -22;
  }
  if ((flags & PSE) === 0) {
    let rc = get_page_and_type_from_pagenr(xen, entryFrame(lo, hi), PGT_l1_page_table);
    if (
      rc === -22 && get_linear_pagetable(xen, 2, MM_C_LINE.linearWriteL2, lo, hi, tableMfn)
    ) {
      rc = 0;
    }
    return rc;
  }
  xen.console.memLog(
    MM_C_LINE.superpage,
    xen.domid,
    "Attempt to map superpage without allowsuperpage flag in hypervisor",
  );
  return -22;
}

/**
 * `get_page_from_l3e`: a `PGT_l2_page_table` reference, or a linear entry.
 *
 * @param xen The hypervisor.
 * @param lo The entry's low half.
 * @param hi The entry's high half.
 * @param tableMfn The frame of the L3 table that holds the entry.
 * @returns 1 when not present, 0 when references were taken, -EINVAL when refused.
 */
export function get_page_from_l3e(xen: Xen, lo: number, hi: number, tableMfn: number): number {
  if ((lo & P) === 0) return 1;
  const flags = xenFlags(lo, hi);
  if ((flags & L3_DISALLOW_MASK) !== 0) {
    xen.console.memLog(
      MM_C_LINE.badL3FlagsGet,
      xen.domid,
      `Bad L3 flags ${((flags & L3_DISALLOW_MASK) >>> 0).toString(16)}`,
    );
    return -22;
  }
  let rc = get_page_and_type_from_pagenr(xen, entryFrame(lo, hi), PGT_l2_page_table);
  if (rc === -22 && get_linear_pagetable(xen, 3, MM_C_LINE.linearWriteL3, lo, hi, tableMfn)) {
    rc = 0;
  }
  return rc;
}

/**
 * `get_page_from_l4e`: a `PGT_l3_page_table` reference, or a linear entry.
 *
 * @param xen The hypervisor.
 * @param lo The entry's low half.
 * @param hi The entry's high half.
 * @param tableMfn The frame of the L4 table that holds the entry.
 * @returns 1 when not present, 0 when references were taken, -EINVAL when refused.
 */
export function get_page_from_l4e(xen: Xen, lo: number, hi: number, tableMfn: number): number {
  if ((lo & P) === 0) return 1;
  const flags = xenFlags(lo, hi);
  if ((flags & L4_DISALLOW_MASK) !== 0) {
    xen.console.memLog(
      MM_C_LINE.badL4FlagsGet,
      xen.domid,
      `Bad L4 flags ${((flags & L4_DISALLOW_MASK) >>> 0).toString(16)}`,
    );
    return -22;
  }
  let rc = get_page_and_type_from_pagenr(xen, entryFrame(lo, hi), PGT_l3_page_table);
  if (rc === -22 && get_linear_pagetable(xen, 4, MM_C_LINE.linearWriteL4, lo, hi, tableMfn)) {
    rc = 0;
  }
  return rc;
}

/**
 * `put_page_from_l2e`: drop the general and type reference a present L2
 * entry holds; an entry pointing at its own table holds none.
 *
 * @param xen The hypervisor.
 * @param lo The entry's low half.
 * @param hi The entry's high half.
 * @param tableMfn The frame of the table that holds the entry.
 */
export function put_page_from_l2e(xen: Xen, lo: number, hi: number, tableMfn: number): void {
  put_table_reference(xen, lo, hi, tableMfn);
}

/**
 * `put_page_from_l3e`: as {@linkcode put_page_from_l2e}, one level up.
 *
 * @param xen The hypervisor.
 * @param lo The entry's low half.
 * @param hi The entry's high half.
 * @param tableMfn The frame of the table that holds the entry.
 */
export function put_page_from_l3e(xen: Xen, lo: number, hi: number, tableMfn: number): void {
  put_table_reference(xen, lo, hi, tableMfn);
}

/**
 * `put_page_from_l4e`: as {@linkcode put_page_from_l2e}, for the root.
 *
 * @param xen The hypervisor.
 * @param lo The entry's low half.
 * @param hi The entry's high half.
 * @param tableMfn The frame of the table that holds the entry.
 */
export function put_page_from_l4e(xen: Xen, lo: number, hi: number, tableMfn: number): void {
  put_table_reference(xen, lo, hi, tableMfn);
}

function put_table_reference(xen: Xen, lo: number, hi: number, tableMfn: number): void {
  if ((lo & P) === 0) return;
  const mfn = entryFrame(lo, hi);
  if (mfn === tableMfn) return;
  put_page_and_type(xen, mfn);
}
