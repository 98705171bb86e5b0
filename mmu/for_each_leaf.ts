/**
 * Visiting every present leaf mapping of a page-table tree, in address order:
 * the loop behind the `info tlb` and `info mem` dumps.
 *
 * @module
 */

import { entryFrame } from "./entry.ts";
import { PAGE_SIZE, PGDIR_SIZE, PMD_SIZE, PUD_SIZE } from "./page_64_types.ts";
import type { PageTableMemory } from "./page_table_memory.ts";
import { _PAGE_PRESENT, _PAGE_PSE } from "./pgtable_types.ts";

/**
 * Call `visit` for each present leaf entry reachable from `cr3`, in address
 * order, with the permissions of the upper levels in `pathFlags` (RW and US
 * and'ed, as QEMU's `info mem` combines them).
 *
 * @param mem The machine's memory.
 * @param cr3 The physical address of the top-level table.
 * @param visit Called with the virtual address, the leaf entry's halves, the page size and the
 *   and'ed flags of the entries above it.
 */
export function forEachLeaf(
  mem: PageTableMemory,
  cr3: number,
  visit: (va: number, lo: number, hi: number, size: number, pathFlags: number) => void,
): void {
  if (!Number.isInteger(cr3) || cr3 < 0 || cr3 % PAGE_SIZE !== 0) {
    throw new RangeError(
      `CR3 ${cr3} is not 4 KiB-aligned: a table address must start on a frame boundary`,
    );
  }
  const sizes = [PGDIR_SIZE, PUD_SIZE, PMD_SIZE, PAGE_SIZE];
  const descend = (table: number, depth: number, base: number, path: number): void => {
    if (!mem.hasTable(table)) return;
    const words = mem.table(table);
    for (let i = 0; i < 512; i++) {
      const lo = words[2 * i];
      const hi = words[2 * i + 1];
      if ((lo & _PAGE_PRESENT) === 0) continue;
      const va = base + i * sizes[depth];
      const isLeaf = depth === 3 || (depth > 0 && (lo & _PAGE_PSE) !== 0);
      if (isLeaf) {
        visit(va, lo, hi, sizes[depth], path);
      } else if (depth === 0 && (lo & _PAGE_PSE) !== 0) {
        continue; // reserved in a pgd entry: the hardware would fault, there is nothing to list
      } else {
        descend(entryFrame(lo, hi), depth + 1, va, path & lo);
      }
    }
  };
  mem.checkFrame(cr3 / PAGE_SIZE);
  descend(cr3 / PAGE_SIZE, 0, 0, 0xffffffff);
}
