/**
 * Checked updates of one entry of a validated table: `mod_l1_entry` ..
 * `mod_l4_entry`. Each takes the references of the new entry before it
 * stores it and gives back those of the old one after, so a refused update
 * changes nothing.
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
  l2DisallowMask,
  L3_DISALLOW_MASK,
  L4_DISALLOW_MASK,
  put_page_from_l1e,
  put_page_from_l2e,
  put_page_from_l3e,
  put_page_from_l4e,
  xenFlags,
} from "./get_page_from_entry.ts";
import { is_guest_l4_slot } from "./alloc_table.ts";
import { formatHex32 } from "./type_info.ts";
import type { Xen } from "./xen.ts";

const P = 0x001;
const RW = 0x002;
const ACCESSED_DIRTY = 0x060;

/**
 * `lNe_has_changed(o, n, flags)`: whether the frame (entry bits 12..51) or
 * one of `flags` differs between two entries.
 */
function has_changed(olo: number, ohi: number, nlo: number, nhi: number, flags: number): boolean {
  return ((olo ^ nlo) & (0xfffff000 | flags)) !== 0 || ((ohi ^ nhi) & 0x000fffff) !== 0;
}

/**
 * The entry bits 0..11 whose change forces the slow path (full checks).
 * Xen 4.1.0 compared `_PAGE_RW | _PAGE_PRESENT` at L1 and `_PAGE_PRESENT`
 * alone at L2..L4, so a read-only linear entry could be made writable
 * without any check (XSA-182), and, since `L2_DISALLOW_MASK` let PSE
 * through, PSE added to a live L2 entry (XSA-148). XSA-148's patch compares
 * `_PAGE_PSE | _PAGE_RW | _PAGE_PRESENT` at L2 only under `allowsuperpage`,
 * so without it the test stays `_PAGE_PRESENT` (its fix is the mask). The
 * XSA-182 fix allows the fast path only when every changed bit is in
 * `FASTPATH_FLAG_WHITELIST` (NX, the available bits, G, D, A, US), at every
 * level; of bits 0..11 that leaves P, RW, PWT, PCD and PSE (0x9b).
 */
function fastPathFlags(xen: Xen, level: 1 | 2 | 3 | 4): number {
  if (xen.xsa182 === "fixed") return 0x09b;
  return level === 1 ? P | RW : P;
}

/** Store an entry, keeping the old A and D bits for `MMU_PT_UPDATE_PRESERVE_AD`. */
function store(w: Uint32Array, index: number, lo: number, hi: number, preserveAd: boolean): void {
  w[2 * index] = preserveAd ? (lo | (w[2 * index] & ACCESSED_DIRTY)) >>> 0 : lo;
  w[2 * index + 1] = hi;
}

/**
 * `mod_l1_entry`: update entry `index` of the validated L1 table `tableMfn`.
 *
 * @param xen The hypervisor.
 * @param tableMfn The L1 table's frame.
 * @param index The entry, 0..511.
 * @param lo The new entry's low half.
 * @param hi The new entry's high half.
 * @param preserveAd Keep the old A and D bits.
 * @returns True when stored; false (after Xen's console lines) when refused.
 */
export function mod_l1_entry(
  xen: Xen,
  tableMfn: number,
  index: number,
  lo: number,
  hi: number,
  preserveAd = false,
): boolean {
  const w = xen.mem.table(tableMfn);
  const olo = w[2 * index];
  const ohi = w[2 * index + 1];
  if ((lo & P) !== 0) {
    const flags = xenFlags(lo, hi) & L1_DISALLOW_MASK;
    if (flags !== 0) {
      xen.console.memLog(MM_C_LINE.badL1FlagsMod, xen.domid, `Bad L1 flags ${flags.toString(16)}`);
      return false;
    }
    // Same frame, and only bits that carry no reference changed: the fast path.
    if (!has_changed(olo, ohi, lo, hi, fastPathFlags(xen, 1))) {
      store(w, index, lo, hi, preserveAd);
      return true;
    }
    if (get_page_from_l1e(xen, lo, hi) === 0) return false;
  }
  store(w, index, lo, hi, preserveAd);
  put_page_from_l1e(xen, olo, ohi);
  return true;
}

/** What differs between the levels of an upper table, for {@linkcode mod_upper_entry}. */
interface UpperLevel {
  readonly level: 2 | 3 | 4;
  readonly disallow: (xen: Xen) => number;
  readonly badFlagsLine: number;
  readonly get: (xen: Xen, lo: number, hi: number, tableMfn: number) => number;
  readonly put: (xen: Xen, lo: number, hi: number, tableMfn: number) => void;
}

const L2: UpperLevel = {
  level: 2,
  disallow: l2DisallowMask,
  badFlagsLine: MM_C_LINE.badL2FlagsMod,
  get: get_page_from_l2e,
  put: put_page_from_l2e,
};
const L3: UpperLevel = {
  level: 3,
  disallow: () => L3_DISALLOW_MASK,
  badFlagsLine: MM_C_LINE.badL3FlagsMod,
  get: get_page_from_l3e,
  put: put_page_from_l3e,
};
const L4: UpperLevel = {
  level: 4,
  disallow: () => L4_DISALLOW_MASK,
  badFlagsLine: MM_C_LINE.badL4FlagsMod,
  get: get_page_from_l4e,
  put: put_page_from_l4e,
};

/**
 * The body `mod_l2_entry`, `mod_l3_entry` and `mod_l4_entry` share in Xen:
 * refuse disallowed flags, take the fast path when no reference changes
 * hands, otherwise get the new entry's references, store it, and put the old
 * entry's.
 */
function mod_upper_entry(
  xen: Xen,
  lv: UpperLevel,
  tableMfn: number,
  index: number,
  lo: number,
  hi: number,
  preserveAd: boolean,
): number {
  const w = xen.mem.table(tableMfn);
  const olo = w[2 * index];
  const ohi = w[2 * index + 1];
  if ((lo & P) !== 0) {
    const flags = xenFlags(lo, hi) & lv.disallow(xen);
    if (flags !== 0) {
      xen.console.memLog(
        lv.badFlagsLine,
        xen.domid,
        `Bad L${lv.level} flags ${flags.toString(16)}`,
      );
      return -22;
    }
    if (!has_changed(olo, ohi, lo, hi, fastPathFlags(xen, lv.level))) {
      store(w, index, lo, hi, preserveAd);
      return 0;
    }
    const rc = lv.get(xen, lo, hi, tableMfn);
    if (rc < 0) return rc;
  }
  store(w, index, lo, hi, preserveAd);
  lv.put(xen, olo, ohi, tableMfn);
  return 0;
}

/**
 * `mod_l2_entry`: update entry `index` of the validated L2 table `tableMfn`
 * (hooking an L1 into it validates that L1 if it is not one yet).
 *
 * @param xen The hypervisor.
 * @param tableMfn The L2 table's frame.
 * @param index The entry, 0..511.
 * @param lo The new entry's low half.
 * @param hi The new entry's high half.
 * @param preserveAd Keep the old A and D bits.
 * @returns True when stored; false when refused.
 */
export function mod_l2_entry(
  xen: Xen,
  tableMfn: number,
  index: number,
  lo: number,
  hi: number,
  preserveAd = false,
): boolean {
  return mod_upper_entry(xen, L2, tableMfn, index, lo, hi, preserveAd) === 0;
}

/**
 * `mod_l3_entry`: update entry `index` of the validated L3 table `tableMfn`.
 *
 * @param xen The hypervisor.
 * @param tableMfn The L3 table's frame.
 * @param index The entry, 0..511.
 * @param lo The new entry's low half.
 * @param hi The new entry's high half.
 * @param preserveAd Keep the old A and D bits.
 * @returns 0, or -EINVAL when refused.
 */
export function mod_l3_entry(
  xen: Xen,
  tableMfn: number,
  index: number,
  lo: number,
  hi: number,
  preserveAd = false,
): number {
  return mod_upper_entry(xen, L3, tableMfn, index, lo, hi, preserveAd);
}

/**
 * `mod_l4_entry`: update entry `index` of the validated L4 table `tableMfn`.
 * Slots 256..271 belong to Xen and are refused.
 *
 * @param xen The hypervisor.
 * @param tableMfn The L4 table's frame.
 * @param index The entry, 0..511.
 * @param lo The new entry's low half.
 * @param hi The new entry's high half.
 * @param preserveAd Keep the old A and D bits.
 * @returns 0, or -EINVAL when refused.
 */
export function mod_l4_entry(
  xen: Xen,
  tableMfn: number,
  index: number,
  lo: number,
  hi: number,
  preserveAd = false,
): number {
  if (!is_guest_l4_slot(index)) {
    xen.console.memLog(
      MM_C_LINE.illegalL4Update,
      xen.domid,
      `Illegal L4 update attempt in Xen-private area ${xenDirectMapPointer(tableMfn, index)}`,
    );
    return -22;
  }
  return mod_upper_entry(xen, L4, tableMfn, index, lo, hi, preserveAd);
}

/**
 * Where Xen sees an entry (`%p` of `pl4e`): its direct map of machine memory
 * starts at `DIRECTMAP_VIRT_START` = 0xffff830000000000 in Xen 4.1 x86-64,
 * and `%p` prints 16 hex digits.
 */
function xenDirectMapPointer(tableMfn: number, index: number): string {
  const ma = tableMfn * 4096 + index * 8;
  return formatHex32(0xffff8300 + Math.floor(ma / 2 ** 32)) + formatHex32(ma % 2 ** 32);
}
