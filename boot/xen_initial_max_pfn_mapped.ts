/**
 * `max_pfn_mapped` as a 64-bit Xen PV domU enters `setup_arch`, before any
 * `init_memory_mapping`: the one value in which 2.6.38 and 2.6.39 differ most for the window
 * (3.9 sets it as 2.6.39 does, and `init_mem_mapping` then discards it).
 *
 * @module
 */

import { PAGE_SIZE, PMD_SIZE, PTRS_PER_TABLE } from "../mmu/mod.ts";
import type { StartOfDayLayout } from "../xen/hypervisor/mod.ts";
import { checkKernelVersion, type KernelVersion } from "./kernel_version.ts";

/**
 * The L1 pages `xen_map_identity_early` may take from the BRK array `level1_ident_pgt` to extend
 * the identity map past the builder's tables (`xen_setup_kernel_pagetable`, 2.6.39 `arch/x86/xen/mmu.c`).
 */
export const LEVEL1_IDENT_PAGES = 4;

/**
 * `max_pfn_mapped` at the first `init_memory_mapping` of a 64-bit PV domU.
 *
 * - 2.6.38: `xen_map_identity_early(level2_ident_pgt, nr_pages)` visits PMD slots 0, 1, 2, …
 *   while `pfn < nr_pages`: the slots the builder filled (one per 2 MiB of `v_end`) and then up
 *   to {@linkcode LEVEL1_IDENT_PAGES} more with L1 pages of its own; for every PTE index it visits
 *   it raises `max_pfn_mapped` to that pfn. So the value is the **last** pfn (not one past) of
 *   slot `k - 1`: `512 * k - 1` with `k = min(512, v_end / 2 MiB + 4, ceil(nr_pages / 512))`.
 * - 2.6.39: `xen_setup_kernel_pagetable` sets `max_pfn_mapped = PFN_DOWN(__pa(mfn_list))`, the
 *   first pfn of the P2M list (what lies above it "doesn't exist in pfn space" for
 *   `cleanup_highmap`).
 * - 3.9: the same assignment (`arch/x86/xen/mmu.c`); `init_mem_mapping` resets
 *   `max_pfn_mapped` to 0 before its first step, so the value only matters until then.
 *
 * @param kernel Which release.
 * @param layout The domain builder's layout.
 * @param nrPages `xen_start_info->nr_pages`.
 * @returns The pfn.
 * @throws {RangeError} When the version is unknown or `nrPages` is not a whole number >= 1.
 */
export function xenInitialMaxPfnMapped(
  kernel: KernelVersion,
  layout: StartOfDayLayout,
  nrPages: number,
): number {
  checkKernelVersion(kernel);
  if (!Number.isSafeInteger(nrPages) || nrPages < 1) {
    throw new RangeError(`nrPages ${nrPages} is not a whole number of pages of at least 1`);
  }
  if (kernel !== "2.6.38") return layout.p2m.start;
  const builderSlots = layout.vEnd * PAGE_SIZE / PMD_SIZE;
  const slots = Math.min(
    PTRS_PER_TABLE,
    builderSlots + LEVEL1_IDENT_PAGES,
    Math.ceil(nrPages / PTRS_PER_TABLE),
  );
  return PTRS_PER_TABLE * slots - 1;
}
