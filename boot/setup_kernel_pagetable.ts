/**
 * The kernel's own page tables before `init_memory_mapping`: `init_level4_pgt` and the level 3
 * and level 2 pages of the kernel image, grafted onto what the domain builder left, as Linux
 * 2.6.39's `xen_setup_kernel_pagetable` and `early_ioremap_init` do it (64-bit).
 *
 * Under Xen: Xen's L2 is copied into `level2_ident_pgt` and `level2_kernel_pgt` (so the direct map
 * first reuses Xen's L1 pages), `xen_map_identity_early` adds up to four `level1_ident_pgt` pages
 * for the 8 MiB after `v_end`, every table page is made read-only (`set_page_prot`), the new L4 is
 * pinned, Xen's is unpinned, and CR3 switches. Then `early_ioremap_init` hooks `bm_pte` into
 * `level2_fixmap_pgt` with `pmd_populate_kernel`, through the alloc hook like any pte page.
 * Natively the same tables are built from the same layout with plain stores.
 *
 * Simplified: the kernel image's table pages sit at illustrative pfns (a real kernel's depend on
 * its link map); `level3_user_vsyscall`, `level1_fixmap_pgt` and `cleanup_highmap` are left out
 * (2.6.38's `init_memory_mapping` also clears the kernel-image PMDs between `_brk_end` and `_end`;
 * with the assumed image there are none);
 * 2.6.38, whose `xen_setup_kernel_pagetable` differs only in how it sets `max_pfn_mapped`, runs
 * the same code.
 *
 * @module
 */

import {
  __START_KERNEL_map,
  _PAGE_TABLE,
  entryFrame,
  PAGE_KERNEL_EXEC,
  PAGE_KERNEL_RO,
  PAGE_OFFSET,
  PAGE_SIZE,
  pgd_index,
  pmd_index,
  pud_index,
} from "../mmu/mod.ts";
import type { StartOfDayLayout } from "../xen/hypervisor/start_of_day_layout.ts";
import {
  do_mmuext_op,
  do_update_va_mapping,
  MMUEXT_NEW_BASEPTR,
  MMUEXT_PIN_L4_TABLE,
  MMUEXT_UNPIN_TABLE,
} from "../xen/hypervisor/mod.ts";
import { pin_pagetable_pfn } from "../xen/guest/xen_mmu_ops.ts";
import { slotVa } from "./early_memremap.ts";
import { KernelBug } from "./kernel_fault.ts";
import { type Kernel, makeAlias } from "./kernel.ts";
import { type BootStep, pfn_pte } from "./paravirt.ts";

/** Where the kernel image keeps its page tables (illustrative pfns inside "TEXT DATA BSS"). */
export const KERNEL_TABLES = {
  init_level4_pgt: 0x1600,
  level3_ident_pgt: 0x1601,
  level2_ident_pgt: 0x1602,
  level3_kernel_pgt: 0x1603,
  level2_kernel_pgt: 0x1604,
  level2_fixmap_pgt: 0x1605,
  /** `bm_pte`, in .bss. */
  bm_pte: 0x1a00,
  /** The four `level1_ident_pgt` pages, extended from BRK (`LEVEL1_IDENT_ENTRIES` = 4 * 512). */
  level1_ident_pgt: 0x1a80,
} as const;

/** `LEVEL1_IDENT_ENTRIES / PTRS_PER_PTE`. */
const LEVEL1_IDENT_PAGES = 4;

/** The kernel-symbol (image map) address of a pfn of the kernel image. */
export function kernelSymbolVa(pfn: number): number {
  return __START_KERNEL_map + pfn * PAGE_SIZE;
}

/** A plain store of one entry into a kernel-image page (still ordinary, writable data). */
function poke(k: Kernel, pfn: number, index: number, child: number, flags: number): void {
  const e = pfn_pte(k, child, flags);
  const words = k.mem.table(k.pfn_to_mfn(pfn));
  words[2 * index] = e.lo;
  words[2 * index + 1] = e.hi;
}

/**
 * Build the kernel's tables and switch to them, then hook `bm_pte` into the fixmap
 * (`early_ioremap_init`).
 *
 * @param k The kernel, with CR3 still on the builder's tables (Xen) or none yet (native).
 * @param layout The start-of-day layout (the builder's tables under Xen; the same shape natively).
 * @param bootstrapL2 The pfn of the L2 that maps `virt_base` (Xen's, or the native copy's).
 * @param nrPages `xen_start_info->nr_pages`, the bound of the identity map.
 * @returns Nothing; yields every hypercall.
 */
export function* setup_kernel_pagetable(
  k: Kernel,
  layout: StartOfDayLayout,
  bootstrapL2: number,
  nrPages: number,
): BootStep {
  const t = KERNEL_TABLES;
  for (const pfn of [t.init_level4_pgt, t.level3_ident_pgt, t.level3_kernel_pgt]) {
    k.mem.table(k.pfn_to_mfn(pfn)).fill(0);
  }
  poke(k, t.init_level4_pgt, pgd_index(PAGE_OFFSET), t.level3_ident_pgt, _PAGE_TABLE);
  poke(k, t.init_level4_pgt, pgd_index(__START_KERNEL_map), t.level3_kernel_pgt, _PAGE_TABLE);
  poke(k, t.level3_ident_pgt, 0, t.level2_ident_pgt, _PAGE_TABLE);
  poke(k, t.level3_kernel_pgt, pud_index(__START_KERNEL_map), t.level2_kernel_pgt, _PAGE_TABLE);
  poke(k, t.level3_kernel_pgt, 511, t.level2_fixmap_pgt, _PAGE_TABLE);
  // memcpy(level2_ident_pgt, l2, PAGE_SIZE); memcpy(level2_kernel_pgt, l2, PAGE_SIZE); and
  // level2_fixmap_pgt gets the L2 of __START_KERNEL_map + PMD_SIZE, which is the same L2: a third
  // copy (a quirk later kernels fixed)
  const l2 = k.mem.table(k.pfn_to_mfn(bootstrapL2));
  k.mem.table(k.pfn_to_mfn(t.level2_ident_pgt)).set(l2);
  k.mem.table(k.pfn_to_mfn(t.level2_kernel_pgt)).set(l2);
  k.mem.table(k.pfn_to_mfn(t.level2_fixmap_pgt)).set(l2);
  // 3.9 has no xen_map_identity_early on 64-bit: the direct map starts as the builder's 1:1 map
  const identPages = k.rules.code === "3.9" ? 0 : xen_map_identity_early(k, nrPages);
  // the level1_ident_pgt pages are taken from BRK (extend_brk); the other tables are static
  k.stats.tablePages += identPages;

  if (k.xen !== null) {
    const xen = k.xen;
    // xen_map_identity_early makes the level1_ident_pgt pages it used and level2_ident_pgt RO;
    // then xen_setup_kernel_pagetable the rest (level3_user_vsyscall is not modelled)
    const roPages: number[] = [];
    for (let i = 0; i < identPages; i++) roPages.push(t.level1_ident_pgt + i);
    roPages.push(
      t.level2_ident_pgt,
      t.init_level4_pgt,
      t.level3_ident_pgt,
      t.level3_kernel_pgt,
      t.level2_kernel_pgt,
      t.level2_fixmap_pgt,
    );
    for (const pfn of roPages) yield* set_page_prot(k, pfn);
    yield* pin_pagetable_pfn(k, MMUEXT_PIN_L4_TABLE, t.init_level4_pgt);
    yield* pin_pagetable_pfn(k, MMUEXT_UNPIN_TABLE, layout.pageTables.start);
    // __xen_write_cr3 goes through a multicall: a failure would be a WARN, not a BUG
    const base = { cmd: MMUEXT_NEW_BASEPTR, mfn: k.pfn_to_mfn(t.init_level4_pgt) };
    const rc = do_mmuext_op(xen, [base]);
    k.stats.hypercalls++;
    if (k.events) yield { kind: "hypercall", call: "mmuext_op", rc, args: base };
    if (rc !== 0) k.stats.warnings++;
  }

  // early_ioremap_init: pmd_populate_kernel(&init_mm, pmd, bm_pte)
  k.mem.table(k.pfn_to_mfn(t.bm_pte)).fill(0);
  const fixmapPmd = makeAlias(k, t.level2_fixmap_pgt, kernelSymbolVa(t.level2_fixmap_pgt), -1);
  yield* k.pv.alloc_pte(k, t.bm_pte);
  const e = pfn_pte(k, t.bm_pte, _PAGE_TABLE);
  yield* k.pv.set_pmd(k, fixmapPmd, pmd_index(slotVa(0)), e.lo, e.hi);
}

/**
 * `xen_map_identity_early(level2_ident_pgt, max_pfn)`: keep the pte pages the copied L2 already
 * has, take `level1_ident_pgt` pages for the next empty pmd slots (four at most), and fill every
 * empty pte below `max_pfn` with `PAGE_KERNEL_EXEC`.
 */
function xen_map_identity_early(k: Kernel, maxPfn: number): number {
  const t = KERNEL_TABLES;
  const pmd = k.mem.table(k.pfn_to_mfn(t.level2_ident_pgt));
  let identPages = 0;
  let pfn = 0;
  for (let pmdidx = 0; pmdidx < 512 && pfn < maxPfn; pmdidx++) {
    let ptePfn: number;
    if ((pmd[2 * pmdidx] & 1) !== 0) {
      ptePfn = k.mfn_to_pfn(entryFrame(pmd[2 * pmdidx], pmd[2 * pmdidx + 1]));
    } else {
      if (identPages === LEVEL1_IDENT_PAGES) break;
      ptePfn = t.level1_ident_pgt + identPages++;
      k.mem.table(k.pfn_to_mfn(ptePfn)).fill(0);
      poke(k, t.level2_ident_pgt, pmdidx, ptePfn, _PAGE_TABLE);
    }
    const pte = k.mem.table(k.pfn_to_mfn(ptePfn));
    for (let i = 0; i < 512; i++, pfn++) {
      if (pte[2 * i] !== 0 || pte[2 * i + 1] !== 0) continue;
      if (pfn >= maxPfn) continue;
      const e = pfn_pte(k, pfn, PAGE_KERNEL_EXEC);
      pte[2 * i] = e.lo;
      pte[2 * i + 1] = e.hi;
    }
  }
  return identPages;
}

/** `set_page_prot(addr, PAGE_KERNEL_RO)`: `update_va_mapping` of the kernel symbol, or `BUG()`. */
function* set_page_prot(k: Kernel, pfn: number): BootStep {
  const e = pfn_pte(k, pfn, PAGE_KERNEL_RO);
  const va = kernelSymbolVa(pfn);
  const rc = do_update_va_mapping(k.xen!, va, e, 0);
  k.stats.hypercalls++;
  if (k.events) {
    yield { kind: "hypercall", call: "update_va_mapping", rc, args: { va, lo: e.lo, hi: e.hi } };
  }
  if (rc !== 0) {
    throw new KernelBug(
      "arch/x86/xen/mmu.c (set_page_prot; line not verified)",
      `set_page_prot of pfn 0x${pfn.toString(16)}`,
    );
  }
}
