import assert from "node:assert/strict";
import {
  __va,
  _KERNPG_TABLE,
  _PAGE_PRESENT,
  _PAGE_PSE,
  _PAGE_RW,
  _PAGE_USER,
  canWrite,
  formatWalk,
  makeEntry,
  PAGE_KERNEL,
  PAGE_KERNEL_EXEC,
  PAGE_KERNEL_LARGE,
  PAGE_KERNEL_RO,
  PageTableMemory,
  virt,
  walk,
} from "../../mmu/mod.ts";
import { treeBuilder } from "./_tree_builder.ts";

Deno.test("walk() translates through four levels", async (t) => {
  const b = treeBuilder();
  const cr3 = b.pgd * 4096;
  b.map4k(__va(0x5000), 0x77, PAGE_KERNEL);
  b.map2m(__va(0x40000000), 0x200, PAGE_KERNEL_LARGE);
  b.map1g(__va(0x80000000), 0x80000, PAGE_KERNEL_LARGE);

  await t.step("a 4 KiB page", () => {
    const r = walk(b.mem, cr3, __va(0x5abc));
    assert.equal(r.fault, null);
    assert.equal(r.pa, 0x77abc);
    assert.equal(r.pageSize, 4096);
    assert.deepEqual(r.steps.map((s) => s.level), ["pgd", "pud", "pmd", "pte"]);
    assert.deepEqual(r.steps.map((s) => s.index), [272, 0, 0, 5]);
  });
  await t.step("a 2 MiB page stops at the pmd", () => {
    const r = walk(b.mem, cr3, __va(0x40123456));
    assert.equal(r.pa, 0x200 * 4096 + 0x123456);
    assert.equal(r.pageSize, 2 ** 21);
    assert.equal(r.steps.length, 3);
  });
  await t.step("a 1 GiB page stops at the pud", () => {
    const r = walk(b.mem, cr3, __va(0x83456789));
    assert.equal(r.pa, 0x80000 * 4096 + 0x3456789);
    assert.equal(r.pageSize, 2 ** 30);
    assert.equal(r.steps.length, 2);
  });
  await t.step("a hole names the level that stopped it", () => {
    assert.equal(walk(b.mem, cr3, __va(0x6000)).fault?.level, "pte");
    assert.equal(walk(b.mem, cr3, __va(0x200000)).fault?.level, "pmd");
    assert.equal(walk(b.mem, cr3, __va(0x100000000)).fault?.level, "pud");
    const r = walk(b.mem, cr3, virt("0xffffc90000000000"));
    assert.deepEqual(r.fault, {
      level: "pgd",
      reason: "not-present",
      detail: "pgd entry not present",
    });
    assert.equal(r.pa, null);
  });
});

Deno.test("walk() combines permissions along the path", async (t) => {
  const b = treeBuilder();
  const cr3 = b.pgd * 4096;
  b.map4k(0x1000, 1, PAGE_KERNEL_RO);
  b.map4k(0x2000, 2, PAGE_KERNEL);
  b.map4k(0x3000, 3, PAGE_KERNEL_EXEC);

  await t.step("a supervisor write to a read-only page is a protection fault", () => {
    const r = walk(b.mem, cr3, 0x1000, { access: "write" });
    assert.equal(r.fault?.reason, "protection");
    assert.equal(r.fault?.level, "pte");
    assert.equal(r.pa, 0x1000);
    assert.match(r.fault?.detail ?? "", /supervisor write refused: the page is read-only/);
    assert.equal(walk(b.mem, cr3, 0x1000).fault, null);
    assert.equal(canWrite(b.mem, cr3, 0x1000), false);
    assert.equal(canWrite(b.mem, cr3, 0x2000), true);
  });
  await t.step("NX forbids fetches, its absence allows them", () => {
    assert.equal(walk(b.mem, cr3, 0x2000, { access: "exec" }).fault?.reason, "protection");
    assert.equal(walk(b.mem, cr3, 0x3000, { access: "exec" }).fault, null);
  });
  await t.step("user access needs US at every level", () => {
    assert.equal(walk(b.mem, cr3, 0x2000, { user: true }).fault?.reason, "protection");
  });
  await t.step("a read-only upper level makes the page read-only", () => {
    const mem = new PageTableMemory(16);
    mem.write(1, 0, makeEntry(2, _PAGE_PRESENT | _PAGE_USER)); // no RW in the pgd entry
    mem.write(2, 0, makeEntry(3, _PAGE_PRESENT | _PAGE_RW | _PAGE_USER));
    mem.write(3, 0, makeEntry(4, _PAGE_PRESENT | _PAGE_RW | _PAGE_USER));
    mem.write(4, 0, makeEntry(9, _PAGE_PRESENT | _PAGE_RW | _PAGE_USER));
    const r = walk(mem, 0x1000, 0x0, { access: "write", user: true });
    assert.equal(r.writable, false);
    assert.equal(r.user, true);
    assert.equal(r.fault?.reason, "protection");
    assert.equal(canWrite(mem, 0x1000, 0x0), false);
    // the walk goes on below a read-only level: a pointer out of memory there is still an error
    mem.write(3, 1, makeEntry(99, _PAGE_PRESENT | _PAGE_RW));
    assert.throws(() => walk(mem, 0x1000, 0x200000, { access: "write" }), /Frame 0x63/);
    assert.throws(() => canWrite(mem, 0x1000, 0x200000), /Frame 0x63/);
  });
});

Deno.test("walk() treats PSE in a pgd entry as a reserved bit", () => {
  const mem = new PageTableMemory(16);
  mem.write(1, 0, makeEntry(2, _KERNPG_TABLE | _PAGE_PSE));
  assert.equal(walk(mem, 0x1000, 0x1000).fault?.reason, "reserved-bit");
  assert.equal(canWrite(mem, 0x1000, 0x1000), false);
});

Deno.test("walk() refuses a bad root or a pointer out of memory", () => {
  const mem = new PageTableMemory(16);
  assert.throws(
    () => walk(mem, 0x1234, 0),
    /CR3 0x1234 is not 4 KiB-aligned: a table address must start on a frame boundary/,
  );
  assert.throws(() => walk(mem, 0x10000, 0), /Frame 0x10 is outside memory/);
  mem.write(1, 0, makeEntry(0x99, _KERNPG_TABLE));
  assert.throws(() => walk(mem, 0x1000, 0), /Frame 0x99 is outside memory/);
  // canWrite refuses the same input with the same error, in the same order of checks
  const cases: [number, number][] = [[0x1234, 0], [0x10000, 0], [0x1000, 0], [0x10000, 2 ** 48], [
    0x1234,
    -1,
  ]];
  for (const [cr3, va] of cases) {
    assert.throws(() => canWrite(mem, cr3, va), (e: Error) => {
      assert.throws(() => walk(mem, cr3, va, { access: "write" }), { message: e.message });
      return true;
    });
  }
});

Deno.test("formatWalk() prints one line per level, and the outcome", () => {
  const b = treeBuilder(64, 1);
  b.map4k(__va(0x5000), 0x30, PAGE_KERNEL);
  const ok = formatWalk(walk(b.mem, 0x1000, __va(0x5123)));
  assert.equal(
    ok,
    [
      "Virtual address 0xffff880000005123 (pgd 272, pud 0, pmd 0, pte 5, offset 0x123)",
      "  --> pgd (L4) [272] in frame 0x1: 0000000000002063 (P RW A D) -> frame 0x2",
      "    --> pud (L3) [0] in frame 0x2: 0000000000003063 (P RW A D) -> frame 0x3",
      "      --> pmd (L2) [0] in frame 0x3: 0000000000004063 (P RW A D) -> frame 0x4",
      "        --> pte (L1) [5] in frame 0x4: 8000000000030163 (P RW A D G NX) -> frame 0x30",
      "          --> translates to physical address 0x30123 (4 KiB page, writable, supervisor-only, no-exec)",
    ].join("\n"),
  );
  const hole = formatWalk(walk(b.mem, 0x1000, __va(0x6000)));
  assert.match(
    hole,
    /\[6\] in frame 0x4: 0000000000000000 \(not present\)\n.*--> stops: page fault, pte entry not present$/,
  );
});

Deno.test("walk() reads a PSE pmd entry as a 2 MiB page, as the CPU does", async (t) => {
  const mem = new PageTableMemory(0x600);
  mem.write(1, 0, makeEntry(2, _KERNPG_TABLE));
  mem.write(2, 0, makeEntry(3, _KERNPG_TABLE));
  await t.step("an aligned frame: 512 frames from it, the offset inside 2 MiB", () => {
    mem.write(3, 1, makeEntry(0x400, _KERNPG_TABLE | _PAGE_PSE));
    const r = walk(mem, 0x1000, 0x200000 + 0x12345, { access: "write" });
    assert.equal(r.fault, null);
    assert.equal(r.pageSize, 2 * 1024 * 1024);
    assert.equal(r.pa, 0x400 * 4096 + 0x12345);
    assert.equal(r.steps.length, 3); // no pte level
    assert.equal(canWrite(mem, 0x1000, 0x200000), true);
  });
  await t.step("entry bit 12 is PAT, not part of the frame", () => {
    mem.write(3, 1, makeEntry(0x401, _KERNPG_TABLE | _PAGE_PSE));
    assert.equal(walk(mem, 0x1000, 0x200000).pa, 0x400 * 4096);
  });
  await t.step("bits 13..20 are reserved: a reserved-bit fault, and no write", () => {
    mem.write(3, 1, makeEntry(0x402, _KERNPG_TABLE | _PAGE_PSE));
    const r = walk(mem, 0x1000, 0x200000, { access: "write" });
    assert.equal(r.fault?.reason, "reserved-bit");
    assert.equal(r.fault?.level, "pmd");
    assert.equal(r.pa, null);
    assert.equal(canWrite(mem, 0x1000, 0x200000), false);
  });
  await t.step("a read-only 2 MiB page refuses writes", () => {
    mem.write(3, 1, makeEntry(0x400, (_KERNPG_TABLE | _PAGE_PSE) & ~_PAGE_RW));
    assert.equal(walk(mem, 0x1000, 0x200000, { access: "write" }).fault?.reason, "protection");
    assert.equal(canWrite(mem, 0x1000, 0x200000), false);
  });
  await t.step("a 1 GiB pud entry has bits 13..29 reserved", () => {
    mem.write(2, 1, makeEntry(0x40200, _KERNPG_TABLE | _PAGE_PSE)); // 2 MiB- but not 1 GiB-aligned
    assert.equal(walk(mem, 0x1000, 2 ** 30).fault?.reason, "reserved-bit");
    assert.equal(canWrite(mem, 0x1000, 2 ** 30), false);
    mem.write(2, 1, makeEntry(0x40000, _KERNPG_TABLE | _PAGE_PSE));
    assert.equal(walk(mem, 0x1000, 2 ** 30 + 5).pa, 2 ** 30 + 5);
    assert.equal(canWrite(mem, 0x1000, 2 ** 30), true);
  });
});

Deno.test("walk() names a bad access or user option", () => {
  const mem = new PageTableMemory(8);
  assert.throws(
    () => walk(mem, 0x1000, 0, { access: "bogus" as "read" }),
    (e: unknown) =>
      e instanceof TypeError &&
      e.message === 'Walk access "bogus" is not an access: use "read", "write" or "exec"',
  );
  assert.throws(
    () => walk(mem, 0x1000, 0, { user: "yes" as unknown as boolean }),
    /Walk option user yes is not a boolean/,
  );
});
