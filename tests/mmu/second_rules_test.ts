// Second, independent tests for rules of the walk and of lookup_address that a mutation campaign
// found held up by one test only.
import assert from "node:assert/strict";
import {
  _KERNPG_TABLE,
  _PAGE_RW,
  canWrite,
  lookup_address,
  makeEntry,
  PAGE_KERNEL,
  PageTableMemory,
  PG_LEVEL_1G,
  PG_LEVEL_NONE,
  walk,
} from "../../mmu/mod.ts";

/** pgd frame 1 -> pud 2 -> pmd 3 -> pte 4 -> data frame 9, at virtual address 0x5000. */
function chain(readOnlyAt: number | null): PageTableMemory {
  const mem = new PageTableMemory(16);
  const flags = (level: number, f: number) => level === readOnlyAt ? f & ~_PAGE_RW : f;
  mem.write(1, 0, makeEntry(2, flags(0, _KERNPG_TABLE)));
  mem.write(2, 0, makeEntry(3, flags(1, _KERNPG_TABLE)));
  mem.write(3, 0, makeEntry(4, flags(2, _KERNPG_TABLE)));
  mem.write(4, 5, makeEntry(9, flags(3, PAGE_KERNEL)));
  return mem;
}

Deno.test("a write needs RW at every level of the walk, each level on its own", () => {
  assert.equal(walk(chain(null), 0x1000, 0x5000, { access: "write" }).fault, null);
  assert.equal(canWrite(chain(null), 0x1000, 0x5000), true);
  for (const level of [0, 1, 2, 3]) {
    const mem = chain(level);
    const w = walk(mem, 0x1000, 0x5000, { access: "write" });
    assert.equal(w.fault?.reason, "protection", `RW clear at level ${level}`);
    assert.equal(w.fault?.level, "pte"); // the walk goes on to the leaf, as the CPU does
    assert.equal(w.pa, 9 * 4096);
    assert.equal(canWrite(mem, 0x1000, 0x5000), false, `canWrite, RW clear at level ${level}`);
    assert.equal(walk(mem, 0x1000, 0x5000).fault, null); // reading is fine
  }
});

Deno.test("lookup_address on an empty (none) pud or pmd entry gives NULL", () => {
  const mem = new PageTableMemory(16);
  const mm = { mem, pgd: 1 };
  const va = 0x40000000 + 0x200000 + 0x3000; // pgd 0, pud 1, pmd 1, pte 3
  mem.write(1, 0, makeEntry(2, _KERNPG_TABLE));
  assert.deepEqual(lookup_address(mm, va), { pte: null, level: PG_LEVEL_NONE }); // pud none
  mem.write(2, 1, makeEntry(3, _KERNPG_TABLE));
  assert.deepEqual(lookup_address(mm, va), { pte: null, level: PG_LEVEL_1G }); // pmd none
  mem.write(3, 1, makeEntry(4, _KERNPG_TABLE));
  assert.deepEqual(lookup_address(mm, va).pte, { table: 4, index: 3 });
});
