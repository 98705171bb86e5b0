/**
 * QEMU's `info tlb` monitor command for 4-level x86-64 paging
 * (`tlb_info_la48` in QEMU's `target/i386/monitor.c`).
 *
 * @module
 */

import { entryFlags, entryFrame } from "./entry.ts";
import { forEachLeaf } from "./for_each_leaf.ts";
import { PAGE_SIZE } from "./page_64_types.ts";
import type { PageTableMemory } from "./page_table_memory.ts";
import {
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_GLOBAL,
  _PAGE_NX,
  _PAGE_PCD,
  _PAGE_PSE,
  _PAGE_PWT,
  _PAGE_RW,
  _PAGE_USER,
} from "./pgtable_types.ts";
import { formatVirt } from "./virtual_address.ts";

/**
 * List every present leaf mapping reachable from `cr3`, one line each, as
 * QEMU's `info tlb` prints it: the canonical virtual address, the physical
 * address of the page, then the leaf entry's flags as `XGPDACTUW` (NX, global,
 * PSE, dirty, accessed, cache disable, write-through, user, writable), a `-`
 * for each flag clear. Like QEMU it shows the leaf entry's own flags, not the
 * permissions combined along the path (that is what `info mem` does).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { _KERNPG_TABLE, info_tlb, makeEntry, PAGE_KERNEL, PageTableMemory } from "@xenmmu/book";
 * const mem = new PageTableMemory(16);
 * mem.write(1, 272, makeEntry(2, _KERNPG_TABLE));
 * mem.write(2, 0, makeEntry(3, _KERNPG_TABLE));
 * mem.write(3, 0, makeEntry(4, _KERNPG_TABLE));
 * mem.write(4, 1, makeEntry(9, PAGE_KERNEL));
 * assert.equal(info_tlb(mem, 0x1000), "ffff880000001000: 0000000000009000 XG-DA---W");
 * ```
 *
 * @param mem The machine's memory.
 * @param cr3 The physical address of the top-level table.
 * @returns The lines joined with newlines (empty when nothing is mapped).
 */
export function info_tlb(mem: PageTableMemory, cr3: number): string {
  const lines: string[] = [];
  forEachLeaf(mem, cr3, (va, lo, hi, size) => {
    const pa = Math.floor((entryFrame(lo, hi) * PAGE_SIZE) / size) * size;
    const flags = size === PAGE_SIZE ? entryFlags(lo, hi) & ~_PAGE_PSE : entryFlags(lo, hi);
    lines.push(
      `${formatVirt(va).slice(2)}: ${pa.toString(16).padStart(16, "0")} ${flagLetters(flags)}`,
    );
  });
  return lines.join("\n");
}

function flagLetters(flags: number): string {
  const letters: ReadonlyArray<readonly [number, string]> = [
    [_PAGE_NX, "X"],
    [_PAGE_GLOBAL, "G"],
    [_PAGE_PSE, "P"],
    [_PAGE_DIRTY, "D"],
    [_PAGE_ACCESSED, "A"],
    [_PAGE_PCD, "C"],
    [_PAGE_PWT, "T"],
    [_PAGE_USER, "U"],
    [_PAGE_RW, "W"],
  ];
  return letters.map(([bit, letter]) => (flags & bit) !== 0 ? letter : "-").join("");
}
