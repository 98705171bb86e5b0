/**
 * Which entries point to a frame: the hardware-level half of "who maps frame X?".
 *
 * @module
 */

import { entryFrame } from "./entry.ts";
import type { EntryRef, PageTableMemory } from "./page_table_memory.ts";

/**
 * Every present entry, in every frame that holds table contents, whose frame number is `frame`,
 * in increasing order of table frame and index. A scan of all table pages: for questions a
 * reader asks, not for a hot path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { _KERNPG_TABLE, findEntries, makeEntry, PAGE_KERNEL, PageTableMemory } from "@xenmmu/book";
 * const mem = new PageTableMemory(16);
 * mem.write(3, 7, makeEntry(9, PAGE_KERNEL));
 * mem.write(4, 1, makeEntry(9, _KERNPG_TABLE));
 * mem.write(4, 2, makeEntry(9, 0)); // not present: not a mapping
 * assert.deepEqual(findEntries(mem, 9), [{ table: 3, index: 7 }, { table: 4, index: 1 }]);
 * ```
 *
 * @param mem The memory to search.
 * @param frame The frame number looked for.
 * @returns The entries found.
 */
export function findEntries(mem: PageTableMemory, frame: number): EntryRef[] {
  mem.checkFrame(frame);
  const found: EntryRef[] = [];
  for (const table of mem.tableFrames()) {
    const words = mem.table(table);
    for (let i = 0; i < 512; i++) {
      const lo = words[2 * i];
      if ((lo & 1) !== 0 && entryFrame(lo, words[2 * i + 1]) === frame) {
        found.push({ table, index: i });
      }
    }
  }
  return found;
}
