/**
 * QEMU's `info mem` monitor command for 4-level x86-64 paging
 * (`mem_info_la48` and `mem_print` in QEMU's `target/i386/monitor.c`).
 *
 * @module
 */

import { forEachLeaf } from "./for_each_leaf.ts";
import type { PageTableMemory } from "./page_table_memory.ts";
import { _PAGE_PRESENT, _PAGE_RW, _PAGE_USER } from "./pgtable_types.ts";
import { formatVirt } from "./virtual_address.ts";

const PROT_MASK = _PAGE_USER | _PAGE_RW | _PAGE_PRESENT;
const END_OF_SPACE = 2 ** 48;

/**
 * List the mapped virtual ranges reachable from `cr3`, merging neighbours with
 * the same permissions, as QEMU's `info mem` prints them:
 * `start-end size` then `u`/`-` (user), `r`, `w`/`-` (writable). The
 * permissions are those of the whole path (RW and US and'ed over the levels).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   _KERNPG_TABLE, info_mem, makeEntry, PAGE_KERNEL, PAGE_KERNEL_RO, PageTableMemory,
 * } from "@xenmmu/book";
 * const mem = new PageTableMemory(16);
 * mem.write(1, 272, makeEntry(2, _KERNPG_TABLE));
 * mem.write(2, 0, makeEntry(3, _KERNPG_TABLE));
 * mem.write(3, 0, makeEntry(4, _KERNPG_TABLE));
 * mem.write(4, 0, makeEntry(8, PAGE_KERNEL));
 * mem.write(4, 1, makeEntry(9, PAGE_KERNEL));
 * mem.write(4, 2, makeEntry(10, PAGE_KERNEL_RO));
 * assert.equal(
 *   info_mem(mem, 0x1000),
 *   "ffff880000000000-ffff880000002000 0000000000002000 -rw\n" +
 *     "ffff880000002000-ffff880000003000 0000000000001000 -r-",
 * );
 * ```
 *
 * @param mem The machine's memory.
 * @param cr3 The physical address of the top-level table.
 * @returns The lines joined with newlines (empty when nothing is mapped).
 */
export function info_mem(mem: PageTableMemory, cr3: number): string {
  const lines: string[] = [];
  let start = -1;
  let lastProt = 0;
  let nextVa = -1;
  // QEMU's mem_print: a range ends where the protection changes, and a hole
  // (a not-present entry) is protection 0.
  const memPrint = (end: number, prot: number): void => {
    if (prot === lastProt) return;
    if (start !== -1) {
      lines.push(
        `${canonical(start)}-${canonical(end)} ${(end - start).toString(16).padStart(16, "0")} ${
          lastProt & _PAGE_USER ? "u" : "-"
        }r${lastProt & _PAGE_RW ? "w" : "-"}`,
      );
    }
    start = prot !== 0 ? end : -1;
    lastProt = prot;
  };
  forEachLeaf(mem, cr3, (va, lo, _hi, size, pathFlags) => {
    if (nextVa !== -1 && va !== nextVa) memPrint(nextVa, 0);
    memPrint(va, lo & pathFlags & PROT_MASK);
    nextVa = va + size;
  });
  if (nextVa !== -1) memPrint(nextVa === END_OF_SPACE ? END_OF_SPACE : nextVa, 0);
  return lines.join("\n");
}

function canonical(address: number): string {
  return address === END_OF_SPACE ? "0001000000000000" : formatVirt(address).slice(2);
}
