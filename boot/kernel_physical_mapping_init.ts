/**
 * `kernel_physical_mapping_init` and `phys_pud_init`, `phys_pmd_init`, `phys_pte_init` (Linux
 * 2.6.38 / 2.6.39 `arch/x86/mm/init_64.c`, 64-bit, 4 KiB pages as under Xen PV): the direct map
 * of `[start, end)`, table page by table page.
 *
 * The order is the kernel's: a new table page is allocated, mapped through the fixmap, cleared,
 * filled completely, unmapped, and only then handed to the paravirt alloc hook and hooked into its
 * parent (`pmd_populate_kernel` = `paravirt_alloc_pte` then `set_pmd`). Hooking is therefore
 * bottom-up: a new pmd page is hooked into its pud only after its whole GiB is done. Entries that
 * already hold a mapping are kept ("Xen for example has some special requirements").
 *
 * Linux 3.9 (`rules.code` "3.9") differs in three ways the model follows: existing tables are
 * reached through the direct map, new pages come from `alloc_low_pages`, and past `end` the loops
 * go on and clear only entries that are not RAM (later top-down steps map the rest).
 *
 * Simplified: no 2 MiB or 1 GiB pages (a PV guest has neither), so the split and the large-page
 * branches are left out; `page_table_lock`, `update_page_count` and TLB flushes have no effect in
 * the model.
 *
 * @module
 */

import {
  __va,
  _PAGE_TABLE,
  PAGE_KERNEL,
  PAGE_SIZE,
  pgd_index,
  PGDIR_SIZE,
  pmd_index,
  PMD_SIZE,
  pud_index,
  PUD_SIZE,
} from "../mmu/mod.ts";
import { alloc_low_page, map_low_page, unmap_low_page } from "./alloc_low_page.ts";
import { e820_any_mapped, E820_RAM, E820_RESERVED_KERN } from "./e820.ts";
import { entryPfn, type Kernel, makeAlias, type TableAlias } from "./kernel.ts";
import { type BootStep, massage_pgprot, pfn_pte } from "./paravirt.ts";

/**
 * `kernel_physical_mapping_init(start, end, page_size_mask)`: map physical `[start, end)` at
 * `__va(start)` in `init_mm`, one PGD slot (512 GiB) at a time.
 *
 * @param k The kernel.
 * @param start The first byte (page-aligned).
 * @param end One past the last byte (page-aligned).
 * @returns The end of the last mapping made (a byte address), as the kernel returns it.
 */
export function* kernel_physical_mapping_init(
  k: Kernel,
  start: number,
  end: number,
): BootStep<number> {
  let last = end;
  const pgdTable = makeAlias(k, k.init_level4_pgt, __va(k.init_level4_pgt * PAGE_SIZE), -1);
  let next = start;
  for (; start < end; start = next) {
    next = Math.min(Math.floor(start / PGDIR_SIZE) * PGDIR_SIZE + PGDIR_SIZE, end);
    const index = pgd_index(__va(start));
    const pgd = k.mem.read(pgdTable.mfn, index);
    if (pgd.lo !== 0 || pgd.hi !== 0) {
      const pud = yield* map_low_page(k, entryPfn(k, pgd.lo, pgd.hi));
      // 2.6.39 passes end, not next, in this branch
      last = yield* phys_pud_init(k, pud, start, end);
      yield* unmap_low_page(k, pud);
      continue;
    }
    const pud = yield* alloc_low_page(k);
    // 2.6.39 passes next here; 3.9 passes end in both branches
    last = yield* phys_pud_init(k, pud, start, k.rules.code === "3.9" ? end : next);
    yield* unmap_low_page(k, pud);
    // pgd_populate(&init_mm, pgd, pud): the alloc hook, then the entry
    yield* k.pv.alloc_pud(k, pud.pfn);
    const e = pfn_pte(k, pud.pfn, _PAGE_TABLE);
    yield* k.pv.set_pgd(k, pgdTable, index, e.lo, e.hi);
  }
  return last;
}

/**
 * `phys_pud_init(pud_page, addr, end, page_size_mask)`: the pud entries of `[addr, end)` within
 * one pud page; a GiB no e820 entry mentions gets an empty entry.
 *
 * @param k The kernel.
 * @param pud The pud page, as the kernel reaches it.
 * @param addr The first byte.
 * @param end One past the last byte.
 * @returns The end of the last mapping made.
 */
export function* phys_pud_init(
  k: Kernel,
  pud: TableAlias,
  addr: number,
  end: number,
): BootStep<number> {
  let last = end;
  const v39 = k.rules.code === "3.9";
  for (let i = pud_index(__va(addr)), next: number; i < 512; i++, addr = next) {
    next = Math.floor(addr / PUD_SIZE) * PUD_SIZE + PUD_SIZE;
    if (addr >= end) {
      if (!v39) break;
      // 3.9 goes on to the end of the page and clears only what is not RAM
      if (!k.after_bootmem && !isRam(k, addr - addr % PUD_SIZE, next)) {
        yield* k.pv.set_pud(k, pud, i, 0, 0);
      }
      continue;
    }
    if (!v39 && !k.after_bootmem && !e820_any_mapped(k.memory.e820, addr, addr + PUD_SIZE, 0)) {
      yield* k.pv.set_pud(k, pud, i, 0, 0);
      continue;
    }
    const e = k.mem.read(pud.mfn, i);
    if (e.lo !== 0 || e.hi !== 0) {
      const pmd = yield* map_low_page(k, entryPfn(k, e.lo, e.hi));
      last = yield* phys_pmd_init(k, pmd, addr, end);
      yield* unmap_low_page(k, pmd);
      continue;
    }
    const pmd = yield* alloc_low_page(k);
    last = yield* phys_pmd_init(k, pmd, addr, end);
    yield* unmap_low_page(k, pmd);
    // pud_populate(&init_mm, pud, pmd)
    yield* k.pv.alloc_pmd(k, pmd.pfn);
    const v = pfn_pte(k, pmd.pfn, _PAGE_TABLE);
    yield* k.pv.set_pud(k, pud, i, v.lo, v.hi);
  }
  return last;
}

/**
 * `phys_pmd_init(pmd_page, address, end, page_size_mask, prot)`: the pmd entries of
 * `[address, end)` within one pmd page. Past `end`, every remaining entry is cleared.
 *
 * @param k The kernel.
 * @param pmd The pmd page, as the kernel reaches it.
 * @param address The first byte.
 * @param end One past the last byte.
 * @returns The end of the last mapping made.
 */
export function* phys_pmd_init(
  k: Kernel,
  pmd: TableAlias,
  address: number,
  end: number,
): BootStep<number> {
  let last = end;
  const v39 = k.rules.code === "3.9";
  for (let i = pmd_index(__va(address)), next: number; i < 512; i++, address = next) {
    next = Math.floor(address / PMD_SIZE) * PMD_SIZE + PMD_SIZE;
    if (address >= end) {
      if (v39) {
        if (!k.after_bootmem && !isRam(k, address - address % PMD_SIZE, next)) {
          yield* k.pv.set_pmd(k, pmd, i, 0, 0);
        }
        continue;
      }
      if (!k.after_bootmem) {
        for (; i < 512; i++) yield* k.pv.set_pmd(k, pmd, i, 0, 0);
      }
      break;
    }
    const e = k.mem.read(pmd.mfn, i);
    if (e.lo !== 0 || e.hi !== 0) {
      const pte = yield* map_low_page(k, entryPfn(k, e.lo, e.hi));
      last = phys_pte_init(k, pte, address, end, PAGE_KERNEL);
      yield* chunkDone(k, address, next, end);
      yield* unmap_low_page(k, pte);
      continue;
    }
    const pte = yield* alloc_low_page(k);
    last = phys_pte_init(k, pte, address, end, PAGE_KERNEL, true);
    yield* chunkDone(k, address, next, end);
    yield* unmap_low_page(k, pte);
    // pmd_populate_kernel(&init_mm, pmd, pte)
    yield* k.pv.alloc_pte(k, pte.pfn);
    const v = pfn_pte(k, pte.pfn, _PAGE_TABLE);
    yield* k.pv.set_pmd(k, pmd, i, v.lo, v.hi);
  }
  return last;
}

/** Move the mapping front past a chunk whose ptes are written, and report it. */
function* chunkDone(k: Kernel, address: number, next: number, end: number): BootStep {
  k.front = Math.min(next, end);
  if (k.events) yield { kind: "chunk", start: address, end: k.front };
}

/**
 * `phys_pte_init(pte_page, addr, end, prot)`: the ptes of `[addr, end)` within one pte page,
 * keeping every entry that is not empty; past `end`, every remaining entry is cleared. This is
 * the loop that runs once per page of memory, so it makes no objects per entry.
 *
 * @param k The kernel.
 * @param pte The pte page, as the kernel reaches it.
 * @param addr The first byte.
 * @param end One past the last byte.
 * @param prot The flags of the new ptes (`PAGE_KERNEL`).
 * @param fresh Whether the page was just allocated and cleared, so every entry is empty (the
 *   kernel checks each one anyway; the model can skip looking).
 * @returns The end of the last mapping made.
 */
export function phys_pte_init(
  k: Kernel,
  pte: TableAlias,
  addr: number,
  end: number,
  prot: number,
  fresh = false,
): number {
  let last = end;
  prot = massage_pgprot(k, prot); // what pfn_pte does to prot for every pte of the run
  const words = k.mem.table(pte.mfn); // reading needs no permission
  const setPte = k.pv.set_pte;
  const v39 = k.rules.code === "3.9";
  for (let i = Math.floor(addr / PAGE_SIZE) % 512; i < 512; i++, addr += PAGE_SIZE) {
    if (addr >= end) {
      if (v39) {
        if (!k.after_bootmem && !isRam(k, addr, addr + PAGE_SIZE)) setPte(k, pte, i, 0, 0);
        continue;
      }
      if (!k.after_bootmem) {
        for (; i < 512; i++) setPte(k, pte, i, 0, 0);
      }
      break;
    }
    if (words[2 * i] !== 0 || words[2 * i + 1] !== 0) continue; // re-use the existing mapping
    // a run of empty entries below end: set_pte(pte, pfn_pte(addr >> PAGE_SHIFT, prot)) each
    let n = 1;
    if (fresh) {
      n = Math.min(512 - i, Math.ceil((end - addr) / PAGE_SIZE));
    } else {
      while (
        i + n < 512 && addr + n * PAGE_SIZE < end && words[2 * (i + n)] === 0 &&
        words[2 * (i + n) + 1] === 0
      ) n++;
    }
    k.pv.set_ptes(k, pte, i, n, addr / PAGE_SIZE, prot);
    last = addr + n * PAGE_SIZE;
    i += n - 1;
    addr += (n - 1) * PAGE_SIZE;
  }
  return last;
}

/**
 * 3.9's test before clearing an entry past `end`: is any of `[start, end)` E820_RAM or
 * E820_RESERVED_KERN? Such entries are left alone, because a later step maps them.
 */
function isRam(k: Kernel, start: number, end: number): boolean {
  return e820_any_mapped(k.memory.e820, start, end, E820_RAM) ||
    e820_any_mapped(k.memory.e820, start, end, E820_RESERVED_KERN);
}
