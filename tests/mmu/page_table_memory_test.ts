import assert from "node:assert/strict";
import { _PAGE_PRESENT, makeEntry, PAGE_KERNEL, PageTableMemory } from "../../mmu/mod.ts";

Deno.test("PageTableMemory stores entries only for table frames", async (t) => {
  await t.step("an untouched frame reads as zeros and holds no table", () => {
    const mem = new PageTableMemory(16);
    assert.deepEqual(mem.read(3, 0), { lo: 0, hi: 0 });
    assert.equal(mem.hasTable(3), false);
    assert.deepEqual(mem.tableFrames(), []);
  });
  await t.step("writing an entry gives the frame storage", () => {
    const mem = new PageTableMemory(16);
    mem.write(5, 511, makeEntry(0xabcdef, PAGE_KERNEL));
    assert.equal(mem.hasTable(5), true);
    assert.deepEqual(mem.read(5, 511), makeEntry(0xabcdef, PAGE_KERNEL));
    assert.deepEqual(mem.read(5, 510), { lo: 0, hi: 0 });
    assert.deepEqual(mem.tableFrames(), [5]);
  });
  await t.step("table() is a live view, two words per entry", () => {
    const mem = new PageTableMemory(16);
    const words = mem.table(2);
    assert.equal(words.length, 1024);
    words[2 * 7] = 0x5003;
    assert.deepEqual(mem.read(2, 7), { lo: 0x5003, hi: 0 });
  });
  await t.step("tables do not overlap, also across storage chunks", () => {
    const mem = new PageTableMemory(1024);
    for (let f = 0; f < 600; f++) mem.write(f, f % 512, makeEntry(f + 1, _PAGE_PRESENT));
    for (let f = 0; f < 600; f++) {
      assert.deepEqual(mem.read(f, f % 512), makeEntry(f + 1, _PAGE_PRESENT));
      assert.deepEqual(mem.read(f, (f + 1) % 512), { lo: 0, hi: 0 });
    }
  });
  await t.step("release() zeroes a table and reuses its storage", () => {
    const mem = new PageTableMemory(16);
    mem.write(4, 1, makeEntry(9, _PAGE_PRESENT));
    mem.release(4);
    assert.equal(mem.hasTable(4), false);
    assert.deepEqual(mem.read(4, 1), { lo: 0, hi: 0 });
    assert.deepEqual(mem.table(6)[2], 0);
  });
  await t.step("frames anywhere below 2^40: found again, listed in order, released", () => {
    const mem = new PageTableMemory(2 ** 40);
    const frames = [2 ** 40 - 1, 0x10000, 2 ** 32 + 5, 0xffff, 2 ** 31, 3];
    frames.forEach((f, i) => mem.write(f, i, makeEntry(i + 1, _PAGE_PRESENT)));
    frames.forEach((f, i) => assert.deepEqual(mem.read(f, i), makeEntry(i + 1, _PAGE_PRESENT)));
    assert.deepEqual(mem.tableFrames(), [...frames].sort((a, b) => a - b));
    mem.release(2 ** 32 + 5);
    assert.equal(mem.hasTable(2 ** 32 + 5), false);
    assert.equal(mem.hasTable(2 ** 32 + 4), false);
    mem.write(2 ** 32 + 4, 0, makeEntry(7, _PAGE_PRESENT)); // takes the released storage, zeroed
    assert.deepEqual(mem.read(2 ** 32 + 4, 2), { lo: 0, hi: 0 }); // where 2^32 + 5 had its entry
    assert.deepEqual(mem.tableFrames(), [3, 0xffff, 0x10000, 2 ** 31, 2 ** 32 + 4, 2 ** 40 - 1]);
  });
});

Deno.test("PageTableMemory refuses bad input and changes nothing", async (t) => {
  const mem = new PageTableMemory(0x40000);
  mem.write(1, 1, makeEntry(2, _PAGE_PRESENT));
  const before = JSON.stringify([mem.tableFrames(), [...mem.table(1)]]);
  await t.step("a frame outside memory", () => {
    assert.throws(
      () => mem.write(0x40000, 0, makeEntry(1, _PAGE_PRESENT)),
      /Frame 0x40000 is outside memory: this machine has frames 0x0..0x3ffff/,
    );
    assert.throws(() => mem.read(-1, 0), /Frame -1 is outside memory/);
  });
  await t.step("an entry index out of range", () => {
    assert.throws(
      () => mem.write(1, 512, makeEntry(1, _PAGE_PRESENT)),
      /Entry index 512 is out of range: a page table holds entries 0..511/,
    );
    assert.throws(() => mem.read(1, -1), /Entry index -1 is out of range/);
  });
  await t.step("an entry half that is not a 32-bit number", () => {
    assert.throws(
      () => mem.write(1, 2, { lo: 2 ** 32, hi: 0 }),
      /Entry low half 4294967296 is not an unsigned 32-bit number/,
    );
  });
  await t.step("a machine with no frames", () => {
    assert.throws(() => new PageTableMemory(0), /Memory of 0 frames is not possible/);
  });
  assert.equal(JSON.stringify([mem.tableFrames(), [...mem.table(1)]]), before);
});
