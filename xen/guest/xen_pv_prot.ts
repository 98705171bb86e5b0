/**
 * The protection bits a 64-bit Xen PV domU can put in its entries: `xen_start_kernel` clears
 * `_PAGE_GLOBAL` from `__supported_pte_mask` (and, in a domU, `_PAGE_PWT | _PAGE_PCD`), and every
 * `pfn_pte` masks with it. So `PAGE_KERNEL`, `0x8000000000000163` natively, is `…063` in a PV
 * guest's ptes.
 *
 * @module
 */

import { _PAGE_GLOBAL, _PAGE_PCD, _PAGE_PWT, PAGE_FLAGS_MASK } from "../../mmu/pgtable_types.ts";

/** `__supported_pte_mask` of a 2.6.39 PV domU, as a flags word: all but G, PWT and PCD. */
export const XEN_DOMU_SUPPORTED_PTE_MASK: number =
  (PAGE_FLAGS_MASK & ~(_PAGE_GLOBAL | _PAGE_PWT | _PAGE_PCD)) >>> 0;

/**
 * A protection as a PV domU's `pfn_pte` writes it (`massage_pgprot` with the domU's mask).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PAGE_KERNEL, xenPvProt } from "@xenmmu/book";
 * assert.equal(PAGE_KERNEL, 0x80000163);
 * assert.equal(xenPvProt(PAGE_KERNEL), 0x80000063);
 * ```
 *
 * @param prot A flags word (`PAGE_KERNEL`, `PAGE_KERNEL_RO`, ...).
 * @returns The flags a PV guest's entry gets.
 */
export function xenPvProt(prot: number): number {
  return (prot & 1) !== 0 ? (prot & XEN_DOMU_SUPPORTED_PTE_MASK) >>> 0 : prot;
}
