/**
 * `lookup_address`, as in Linux 2.6.39 `arch/x86/mm/pageattr.c` (unchanged in 3.9).
 *
 * @module
 */

import { entryFlags, entryFrame } from "./entry.ts";
import type { EntryRef, PageTableMemory } from "./page_table_memory.ts";
import {
  _PAGE_PRESENT,
  _PAGE_PSE,
  PG_LEVEL_1G,
  PG_LEVEL_2M,
  PG_LEVEL_4K,
  PG_LEVEL_NONE,
  type PgLevel,
} from "./pgtable_types.ts";
import { pgd_index, pmd_index, pte_index, pud_index } from "./virtual_address.ts";

/** The part of `struct mm_struct` a walk needs: where its top-level table is. */
export interface MmStruct {
  /** The memory holding the tables. */
  readonly mem: PageTableMemory;
  /** The frame of the PGD (for `init_mm`, `swapper_pg_dir` = `init_level4_pgt`). */
  readonly pgd: number;
}

/** What {@linkcode lookup_address} returns: the kernel's pointer and its `*level`. */
export interface LookupResult {
  /**
   * The entry found, or null (the kernel's NULL). With `level` 4K it is the PTE
   * slot, present or not; with 2M or 1G it is the PMD or PUD entry itself.
   */
  readonly pte: EntryRef | null;
  /** The `PG_LEVEL_*` the kernel stores through its `level` pointer. */
  readonly level: PgLevel;
}

/**
 * Find the entry that maps `address` in the kernel's own page tables.
 *
 * The kernel's rules, step by step: `level` starts at `PG_LEVEL_NONE`; a PGD
 * or PUD entry that is none (all zero) gives NULL; then `level` becomes 1G and
 * a PUD entry that is large or not present is returned as it is; a PMD entry
 * that is none gives NULL (with `level` left at 1G, as the kernel leaves it);
 * `level` becomes 2M and a large or not-present PMD
 * entry is returned; otherwise `level` is 4K and the result points at the PTE
 * slot, which may well be empty.
 *
 * It walks `mm` (the kernel passes `init_mm`) and nothing else: not CR3, not
 * the fixmap. A page whose PTE sits in a table not yet hooked into `init_mm`
 * is invisible to it, however real that PTE is. Like the kernel, it follows a
 * PGD entry that is not present but not zero.
 *
 * Deviation: the kernel reads the global `init_mm`; here it is a parameter,
 * since one program can hold several machines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   _KERNPG_TABLE, lookup_address, makeEntry, PageTableMemory, PG_LEVEL_4K, PG_LEVEL_NONE, virt,
 * } from "@xenmmu/book";
 * const mem = new PageTableMemory(16);
 * const init_mm = { mem, pgd: 1 };
 * const a = virt("0xffff880000005000");
 * assert.deepEqual(lookup_address(init_mm, a), { pte: null, level: PG_LEVEL_NONE });
 * mem.write(1, 272, makeEntry(2, _KERNPG_TABLE));
 * mem.write(2, 0, makeEntry(3, _KERNPG_TABLE));
 * mem.write(3, 0, makeEntry(4, _KERNPG_TABLE));
 * // The PTE slot is returned although it is empty.
 * assert.deepEqual(lookup_address(init_mm, a), { pte: { table: 4, index: 5 }, level: PG_LEVEL_4K });
 * ```
 *
 * @param mm The address space to walk (`init_mm`).
 * @param address A 48-bit kernel virtual address.
 * @returns The entry pointer (or null) and the level.
 */
export function lookup_address(mm: MmStruct, address: number): LookupResult {
  const { mem } = mm;
  const pgd: EntryRef = { table: mm.pgd, index: pgd_index(address) };
  const pgdEntry = mem.read(pgd.table, pgd.index);
  if (isNone(pgdEntry.lo, pgdEntry.hi)) return { pte: null, level: PG_LEVEL_NONE };

  const pud: EntryRef = { table: entryFrame(pgdEntry.lo, pgdEntry.hi), index: pud_index(address) };
  const pudEntry = mem.read(pud.table, pud.index);
  if (isNone(pudEntry.lo, pudEntry.hi)) return { pte: null, level: PG_LEVEL_NONE };
  if (isLargeOrNotPresent(entryFlags(pudEntry.lo, pudEntry.hi))) {
    return { pte: pud, level: PG_LEVEL_1G };
  }

  const pmd: EntryRef = { table: entryFrame(pudEntry.lo, pudEntry.hi), index: pmd_index(address) };
  const pmdEntry = mem.read(pmd.table, pmd.index);
  if (isNone(pmdEntry.lo, pmdEntry.hi)) return { pte: null, level: PG_LEVEL_1G };
  if (isLargeOrNotPresent(entryFlags(pmdEntry.lo, pmdEntry.hi))) {
    return { pte: pmd, level: PG_LEVEL_2M };
  }

  const pte: EntryRef = { table: entryFrame(pmdEntry.lo, pmdEntry.hi), index: pte_index(address) };
  return { pte, level: PG_LEVEL_4K };
}

/** `pgd_none`, `pud_none`, `pmd_none`: the whole entry is zero. */
function isNone(lo: number, hi: number): boolean {
  return lo === 0 && hi === 0;
}

/** `pud_large(x) || !pud_present(x)`, and the same for a PMD entry. */
function isLargeOrNotPresent(flags: number): boolean {
  return (flags & _PAGE_PRESENT) === 0 || (flags & _PAGE_PSE) !== 0;
}
