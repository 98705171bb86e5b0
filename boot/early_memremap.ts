/**
 * `early_memremap` and `early_iounmap` (Linux 2.6.39 `arch/x86/mm/ioremap.c`, 64-bit): the
 * boot-time fixmap, four slots whose PTEs live in one static L1 page, `bm_pte`.
 *
 * Simplified: each slot maps one page (all early boot needs here), and the fixmap sits at an
 * illustrative address (`FIX_BTMAP_BEGIN` at `0xffffffffff5ff000`; the real one depends on the
 * kernel configuration, but always inside the 2 MiB that `bm_pte` covers).
 *
 * @module
 */

import { PAGE_KERNEL, PAGE_SIZE, pte_index } from "../mmu/mod.ts";
import { type Kernel, makeAlias, type TableAlias } from "./kernel.ts";
import { type BootStep, pfn_pte } from "./paravirt.ts";

/** `FIX_BTMAPS_SLOTS`: how many mappings `early_memremap` can hold at once. */
export const FIX_BTMAPS_SLOTS = 4;
/** `NR_FIX_BTMAPS`: pages per slot. */
export const NR_FIX_BTMAPS = 64;
/** The illustrative virtual address of `FIX_BTMAP_BEGIN` (`0xffffffffff5ff000`, 48-bit form). */
export const FIX_BTMAP_BEGIN_VA: number = 0xffffff5ff000;

/** The virtual address of slot `slot` (its first page). */
export function slotVa(slot: number): number {
  return FIX_BTMAP_BEGIN_VA - slot * NR_FIX_BTMAPS * PAGE_SIZE;
}

/** How the kernel reaches `bm_pte` itself: through its kernel symbol. */
function bmPteAlias(k: Kernel): TableAlias {
  return makeAlias(k, k.bm_pte, k.bmPteVa, -1);
}

/**
 * `early_memremap(phys, PAGE_SIZE)`: map page `pfn` in the first free slot with `PAGE_KERNEL`
 * (`__early_set_fixmap` is a `set_pte` on the slot's entry of `bm_pte`), and return the alias.
 * Whether the alias is writable is for `set_pte` to decide: under Xen, `mask_rw_pte` may have
 * made it read-only.
 *
 * @param k The kernel.
 * @param pfn The page to map.
 * @returns The alias, at the slot's address.
 * @throws {Error} When all four slots are taken (the kernel would `WARN` and return NULL; the
 *   page-table code never nests more than three).
 */
export function early_memremap(k: Kernel, pfn: number): TableAlias {
  const slot = k.fixmapSlots.indexOf(-1);
  if (slot < 0) {
    throw new Error(`early_memremap of pfn 0x${pfn.toString(16)}: all 4 fixmap slots are in use`);
  }
  const va = slotVa(slot);
  const pte = pfn_pte(k, pfn, PAGE_KERNEL);
  k.pv.set_pte(k, bmPteAlias(k), pte_index(va), pte.lo, pte.hi);
  k.fixmapSlots[slot] = pfn;
  return makeAlias(k, pfn, va, slot);
}

/**
 * `early_iounmap(addr, PAGE_SIZE)`: clear the slot's entry (`pte_clear`, which under Xen is an
 * `update_va_mapping` of the address to 0) and free the slot.
 *
 * @param k The kernel.
 * @param alias An alias {@linkcode early_memremap} returned.
 * @returns Nothing; yields the hypercall, if any.
 */
export function* early_iounmap(k: Kernel, alias: TableAlias): BootStep {
  if (alias.slot < 0 || k.fixmapSlots[alias.slot] !== alias.pfn) {
    throw new Error(`early_iounmap of 0x${alias.va.toString(16)}, which is not a mapped slot`);
  }
  yield* k.pv.pte_clear(k, alias.va, pte_index(alias.va));
  k.fixmapSlots[alias.slot] = -1;
}
