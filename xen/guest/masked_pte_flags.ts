/**
 * `maskedPteFlags`: the flags a pte would get from `xen_set_pte_init` at this moment of the boot,
 * without writing it, so that a chapter or a test can ask `mask_rw_pte` about any page.
 *
 * @module
 */

import type { Kernel } from "../../boot/kernel.ts";
import { pfn_pte } from "../../boot/paravirt.ts";
import { entryFlags } from "../../mmu/mod.ts";
import { mask_rw_pte } from "./xen_mmu_ops.ts";

/**
 * The flags word of `pfn_pte(pfn, prot)` after {@linkcode mask_rw_pte}: what `xen_set_pte_init`
 * would store in a direct-map pte (`inBmPte` false) or in a `bm_pte` entry (`inBmPte` true) for
 * page `pfn`, with the window as it is now. Nothing is written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BootMachine, describeFlags, maskedPteFlags, PAGE_KERNEL } from "@xenmmu/book";
 * const m = new BootMachine({ kernel: "2.6.39", memory: 2 ** 30 });
 * const first = m.runUntilAlloc()!; // the window's first page
 * assert.equal(describeFlags(maskedPteFlags(m.kernel, first, false, PAGE_KERNEL)), "P A D NX");
 * assert.equal(describeFlags(maskedPteFlags(m.kernel, 0x1000, false, PAGE_KERNEL)), "P RW A D NX");
 * ```
 *
 * @param k The kernel.
 * @param pfn The page the pte would map.
 * @param inBmPte Whether the pte is an entry of `bm_pte` (a fixmap slot).
 * @param prot The protection asked for (`PAGE_KERNEL`, ...).
 * @returns The flags word (0 when the page has no machine frame: `pfn_pte` writes an empty pte).
 * @throws {RangeError} When `pfn` is not a whole number >= 0.
 */
export function maskedPteFlags(k: Kernel, pfn: number, inBmPte: boolean, prot: number): number {
  if (!Number.isSafeInteger(pfn) || pfn < 0) {
    throw new RangeError(`pfn ${pfn} is not a whole number >= 0`);
  }
  const pte = pfn_pte(k, pfn, prot);
  return entryFlags(mask_rw_pte(k, inBmPte, pte.lo, pte.hi), pte.hi);
}
