// A tiny page-table builder for tests: it allocates table frames in order and
// writes the entries a kernel would, so tests can state mappings briefly.
import {
  _KERNPG_TABLE,
  entryFrame,
  makeEntry,
  PageTableMemory,
  pgd_index,
  pmd_index,
  pte_index,
  pud_index,
} from "../../mmu/mod.ts";

export interface TreeBuilder {
  mem: PageTableMemory;
  /** Frame of the top-level table. */
  pgd: number;
  /** Map one 4 KiB page. */
  map4k(va: number, frame: number, flags: number): void;
  /** Map one 2 MiB page with a PSE PMD entry. */
  map2m(va: number, frame: number, flags: number): void;
  /** Map one 1 GiB page with a PSE PUD entry. */
  map1g(va: number, frame: number, flags: number): void;
}

export function treeBuilder(frames = 4096, firstTableFrame = 1): TreeBuilder {
  const mem = new PageTableMemory(frames);
  let next = firstTableFrame;
  const pgd = next++;
  mem.table(pgd);
  const child = (table: number, index: number): number => {
    const e = mem.read(table, index);
    if (e.lo !== 0 || e.hi !== 0) return entryFrame(e.lo, e.hi);
    const frame = next++;
    mem.table(frame);
    mem.write(table, index, makeEntry(frame, _KERNPG_TABLE));
    return frame;
  };
  const pudOf = (va: number) => child(pgd, pgd_index(va));
  const pmdOf = (va: number) => child(pudOf(va), pud_index(va));
  return {
    mem,
    pgd,
    map4k(va, frame, flags) {
      mem.write(child(pmdOf(va), pmd_index(va)), pte_index(va), makeEntry(frame, flags));
    },
    map2m(va, frame, flags) {
      mem.write(pmdOf(va), pmd_index(va), makeEntry(frame, flags));
    },
    map1g(va, frame, flags) {
      mem.write(pudOf(va), pud_index(va), makeEntry(frame, flags));
    },
  };
}
