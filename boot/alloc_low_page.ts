/**
 * `alloc_low_page`, `map_low_page` and `unmap_low_page` (Linux 2.6.38 / 2.6.39
 * `arch/x86/mm/init_64.c`): how `kernel_physical_mapping_init` gets a new table page from the
 * window, and how it reaches table pages that already exist.
 *
 * @module
 */

import { __va, PAGE_SIZE } from "../mmu/mod.ts";
import { early_iounmap, early_memremap } from "./early_memremap.ts";
import { KernelOops } from "./kernel_fault.ts";
import { KernelPanic } from "./kernel_panic.ts";
import { type Kernel, makeAlias, type TableAlias } from "./kernel.ts";
import type { BootStep } from "./paravirt.ts";
import { MEMBLOCK_ERROR, memblock_find_in_range_node, memblock_reserve } from "./memblock.ts";
import { printkHex } from "./printk.ts";

/**
 * `alloc_low_page(&phys)`: hand out the page at `pgt_buf_end` and move `pgt_buf_end` up by one;
 * map it with `early_memremap` and clear it through that mapping.
 *
 * @param k The kernel.
 * @returns The new page's fixmap alias; yields an `alloc_low_page` event once it is mapped and
 *   cleared.
 * @throws {KernelPanic} "alloc_low_page: ran out of memory" past `pgt_buf_top`.
 * @throws {KernelOops} When the alias is read-only and `clear_page` faults.
 */
export function* alloc_low_page(k: Kernel): BootStep<TableAlias> {
  if (k.rules.code === "3.9") return yield* alloc_low_pages(k);
  const pfn = k.pgt_buf.end++;
  if (pfn >= k.pgt_buf.top) throw new KernelPanic("alloc_low_page: ran out of memory");
  k.stats.tablePages++;
  const stale = k.mem.hasTable(k.pfn_to_mfn(pfn)); // a page that never held entries reads as 0
  const alias = early_memremap(k, pfn);
  clear_page(k, alias, stale);
  if (k.events) yield { kind: "alloc_low_page", pfn };
  return alias;
}

/**
 * Linux 3.9's `alloc_low_pages(1)` (`arch/x86/mm/init.c`): take the page from the BRK seed while
 * it lasts and `can_use_brk_pgt` allows it, printing `BRK [%#010lx, %#010lx] PGTABLE`; after
 * that, find it with memblock inside `[min_pfn_mapped, max_pfn_mapped)`, memory that is already
 * mapped, and reserve it at once. Either way the page is cleared through its direct-map address:
 * "Pages returned are already directly mapped".
 *
 * @param k The kernel.
 * @returns The page's direct-map alias; yields an `alloc_low_page` event.
 * @throws {KernelPanic} "alloc_low_page: ran out of memory" or "alloc_low_page: can not alloc
 *   memory", as 3.9 words them (singular, the name the function had before 3.9).
 */
export function* alloc_low_pages(k: Kernel): BootStep<TableAlias> {
  let pfn: number;
  const buf = k.pgt_buf;
  if (buf.end + 1 > buf.top || !k.can_use_brk_pgt) {
    if (k.min_pfn_mapped >= k.max_pfn_mapped) {
      throw new KernelPanic("alloc_low_page: ran out of memory");
    }
    const ret = memblock_find_in_range_node(
      k.memory.memblock,
      k.min_pfn_mapped * PAGE_SIZE,
      k.max_pfn_mapped * PAGE_SIZE,
      PAGE_SIZE,
      PAGE_SIZE,
    );
    if (ret === MEMBLOCK_ERROR) throw new KernelPanic("alloc_low_page: can not alloc memory");
    memblock_reserve(k.memory.memblock, ret, PAGE_SIZE);
    pfn = ret / PAGE_SIZE;
  } else {
    pfn = buf.end++;
    const line = `BRK [${printkHex(pfn * PAGE_SIZE, 10, true)}, ${
      printkHex(buf.end * PAGE_SIZE - 1, 10, true)
    }] PGTABLE`;
    k.log.push(line);
    if (k.events) yield { kind: "printk", line };
  }
  k.stats.tablePages++;
  const stale = k.mem.hasTable(k.pfn_to_mfn(pfn));
  const alias = makeAlias(k, pfn, __va(pfn * PAGE_SIZE), -1);
  clear_page(k, alias, stale);
  if (k.events) yield { kind: "alloc_low_page", pfn };
  return alias;
}

/**
 * `clear_page(adr)`: 4096 bytes of zeros through the alias, which must be writable. The model
 * only stores table contents, so a page that held none (`stale` false) is zero already.
 */
function clear_page(k: Kernel, alias: TableAlias, stale: boolean): void {
  if (!alias.writable) {
    throw new KernelOops(
      alias.va,
      3,
      `clear_page of pfn 0x${alias.pfn.toString(16)} through a read-only mapping`,
    );
  }
  if (stale) k.mem.table(alias.mfn).fill(0);
}

/**
 * Reach an existing table page: 2.6.39's `map_low_page` (an `early_memremap` alias, because the
 * page may not be in the direct map yet), or, in 2.6.38, its direct-map address (`__va`), which
 * the kernel then relied on being mapped.
 *
 * @param k The kernel.
 * @param pfn The table page.
 * @returns The alias; yields a `map_low_page` event for a fixmap alias.
 */
export function* map_low_page(k: Kernel, pfn: number): BootStep<TableAlias> {
  if (k.rules.existingTables === "direct-map") return makeAlias(k, pfn, __va(pfn * PAGE_SIZE), -1);
  const alias = early_memremap(k, pfn);
  if (k.events) yield { kind: "map_low_page", pfn };
  return alias;
}

/**
 * `unmap_low_page(adr)`: drop a fixmap alias (nothing to do for a direct-map one).
 *
 * @param k The kernel.
 * @param alias An alias from {@linkcode alloc_low_page} or {@linkcode map_low_page}.
 * @returns Nothing; yields the hypercall of `early_iounmap`, if any.
 */
export function* unmap_low_page(k: Kernel, alias: TableAlias): BootStep {
  if (alias.slot >= 0) yield* early_iounmap(k, alias);
}
