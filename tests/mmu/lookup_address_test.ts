import assert from "node:assert/strict";
import {
  __va,
  _KERNPG_TABLE,
  _PAGE_PRESENT,
  _PAGE_PSE,
  lookup_address,
  makeEntry,
  PAGE_KERNEL,
  PAGE_KERNEL_LARGE,
  PageTableMemory,
  PG_LEVEL_1G,
  PG_LEVEL_2M,
  PG_LEVEL_4K,
  PG_LEVEL_NONE,
  walk,
} from "../../mmu/mod.ts";

// Frames: 1 = pgd (init_level4_pgt), 2 = pud, 3 = pmd, 4 = pte.
function tables(): PageTableMemory {
  const mem = new PageTableMemory(64);
  mem.write(1, 272, makeEntry(2, _KERNPG_TABLE));
  mem.write(2, 0, makeEntry(3, _KERNPG_TABLE));
  mem.write(3, 0, makeEntry(4, _KERNPG_TABLE));
  mem.write(4, 5, makeEntry(0x30, PAGE_KERNEL));
  return mem;
}

Deno.test("lookup_address() follows Linux 2.6.39 step by step", async (t) => {
  const mem = tables();
  const init_mm = { mem, pgd: 1 };
  await t.step("a mapped 4 KiB page: the PTE slot, level 4K", () => {
    assert.deepEqual(lookup_address(init_mm, __va(0x5000)), {
      pte: { table: 4, index: 5 },
      level: PG_LEVEL_4K,
    });
  });
  await t.step("an empty PTE slot is still returned, level 4K", () => {
    assert.deepEqual(lookup_address(init_mm, __va(0x6000)), {
      pte: { table: 4, index: 6 },
      level: PG_LEVEL_4K,
    });
  });
  await t.step("pgd none: NULL, level NONE", () => {
    assert.deepEqual(lookup_address(init_mm, 0x1000), { pte: null, level: PG_LEVEL_NONE });
  });
  await t.step("pud none: NULL, level NONE", () => {
    assert.deepEqual(lookup_address(init_mm, __va(0x40000000)), {
      pte: null,
      level: PG_LEVEL_NONE,
    });
  });
  await t.step("pmd none: NULL, but level already 1G", () => {
    assert.deepEqual(lookup_address(init_mm, __va(0x200000)), { pte: null, level: PG_LEVEL_1G });
  });
});

Deno.test("lookup_address() returns large and not-present upper entries themselves", async (t) => {
  await t.step("a 1 GiB page: the PUD entry, level 1G", () => {
    const mem = tables();
    mem.write(2, 1, makeEntry(0x40000, PAGE_KERNEL_LARGE));
    assert.deepEqual(lookup_address({ mem, pgd: 1 }, __va(0x40001000)), {
      pte: { table: 2, index: 1 },
      level: PG_LEVEL_1G,
    });
  });
  await t.step("a 2 MiB page: the PMD entry, level 2M", () => {
    const mem = tables();
    mem.write(3, 1, makeEntry(0x200, PAGE_KERNEL_LARGE));
    assert.deepEqual(lookup_address({ mem, pgd: 1 }, __va(0x201000)), {
      pte: { table: 3, index: 1 },
      level: PG_LEVEL_2M,
    });
  });
  await t.step("a not-present but non-zero PUD entry: returned, level 1G", () => {
    const mem = tables();
    mem.write(2, 2, makeEntry(7, 0)); // frame bits set, P clear
    assert.deepEqual(lookup_address({ mem, pgd: 1 }, __va(0x80000000)), {
      pte: { table: 2, index: 2 },
      level: PG_LEVEL_1G,
    });
  });
  await t.step("a not-present but non-zero PMD entry: returned, level 2M", () => {
    const mem = tables();
    mem.write(3, 2, makeEntry(7, _PAGE_PSE)); // P clear
    assert.deepEqual(lookup_address({ mem, pgd: 1 }, __va(0x400000)), {
      pte: { table: 3, index: 2 },
      level: PG_LEVEL_2M,
    });
  });
  await t.step("a not-present but non-zero PGD entry is followed, as the kernel does", () => {
    const mem = tables();
    mem.write(1, 272, makeEntry(2, 0));
    assert.equal(lookup_address({ mem, pgd: 1 }, __va(0x5000)).level, PG_LEVEL_4K);
  });
});

Deno.test("lookup_address() sees only init_mm, not the tables the CPU uses", () => {
  const mem = tables();
  // A second tree rooted at frame 10 that maps the same address through its own tables.
  mem.write(10, 272, makeEntry(11, _KERNPG_TABLE));
  mem.write(11, 1, makeEntry(12, _KERNPG_TABLE));
  mem.write(12, 0, makeEntry(13, _KERNPG_TABLE));
  mem.write(13, 0, makeEntry(0x31, PAGE_KERNEL | _PAGE_PRESENT));
  const a = __va(0x40000000);
  assert.equal(walk(mem, 10 * 4096, a).pa, 0x31000);
  assert.deepEqual(lookup_address({ mem, pgd: 1 }, a), { pte: null, level: PG_LEVEL_NONE });
});
