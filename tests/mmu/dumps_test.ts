import assert from "node:assert/strict";
import {
  __va,
  _PAGE_GLOBAL,
  _PAGE_PCD,
  _PAGE_PRESENT,
  _PAGE_PSE,
  _PAGE_PWT,
  _PAGE_USER,
  info_mem,
  info_tlb,
  PAGE_KERNEL,
  PAGE_KERNEL_EXEC,
  PAGE_KERNEL_LARGE,
  PAGE_KERNEL_RO,
  virt,
} from "../../mmu/mod.ts";
import { treeBuilder } from "./_tree_builder.ts";

function machine() {
  const b = treeBuilder();
  b.map4k(0x400000, 0x100, _PAGE_PRESENT | _PAGE_USER); // user, read-only
  b.map4k(__va(0x0), 0x500, PAGE_KERNEL);
  b.map4k(__va(0x1000), 0x501, PAGE_KERNEL);
  b.map4k(__va(0x2000), 0x502, PAGE_KERNEL_RO);
  b.map4k(__va(0x4000), 0x504, PAGE_KERNEL | _PAGE_GLOBAL | _PAGE_PCD | _PAGE_PWT);
  b.map2m(__va(0x200000), 0x600, PAGE_KERNEL_LARGE);
  b.map1g(virt("0xffffffff80000000"), 0x40000, PAGE_KERNEL_EXEC | _PAGE_PSE);
  b.map4k(virt("0xffffffffff5ff000"), 0x700, PAGE_KERNEL_EXEC);
  return b;
}

Deno.test("info_tlb() prints each leaf as QEMU's tlb_info_la48 does", () => {
  const b = machine();
  assert.equal(
    info_tlb(b.mem, b.pgd * 4096),
    [
      // PAGE_KERNEL and its kin carry G (0x100) in 2.6.39, as natively built entries do
      "0000000000400000: 0000000000100000 -------U-",
      "ffff880000000000: 0000000000500000 XG-DA---W",
      "ffff880000001000: 0000000000501000 XG-DA---W",
      "ffff880000002000: 0000000000502000 XG-DA----",
      "ffff880000004000: 0000000000504000 XG-DACT-W",
      "ffff880000200000: 0000000000600000 XGPDA---W",
      "ffffffff80000000: 0000000040000000 -GPDA---W",
      "ffffffffff5ff000: 0000000000700000 -G-DA---W",
    ].join("\n"),
  );
});

Deno.test("info_mem() merges ranges as QEMU's mem_info_la48 does", () => {
  const b = machine();
  assert.equal(
    info_mem(b.mem, b.pgd * 4096),
    [
      // US is and'ed along the path, and the builder's upper tables are kernel tables
      "0000000000400000-0000000000401000 0000000000001000 -r-",
      "ffff880000000000-ffff880000002000 0000000000002000 -rw",
      "ffff880000002000-ffff880000003000 0000000000001000 -r-",
      "ffff880000004000-ffff880000005000 0000000000001000 -rw",
      "ffff880000200000-ffff880000400000 0000000000200000 -rw",
      "ffffffff80000000-ffffffffc0000000 0000000040000000 -rw",
      "ffffffffff5ff000-ffffffffff600000 0000000000001000 -rw",
    ].join("\n"),
  );
});

Deno.test("the dumps of an empty tree are empty", () => {
  const b = treeBuilder();
  assert.equal(info_tlb(b.mem, b.pgd * 4096), "");
  assert.equal(info_mem(b.mem, b.pgd * 4096), "");
  assert.throws(() => info_mem(b.mem, 0x10), /CR3 16 is not 4 KiB-aligned/);
});
