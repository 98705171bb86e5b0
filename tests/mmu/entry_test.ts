import assert from "node:assert/strict";
import {
  _PAGE_NX,
  _PAGE_PRESENT,
  _PAGE_PSE,
  _PAGE_RW,
  describeFlags,
  entryFlags,
  entryFrame,
  formatEntry,
  makeEntry,
  MAX_ENTRY_FRAME,
  PAGE_KERNEL,
  PAGE_KERNEL_RO,
} from "../../mmu/mod.ts";

Deno.test("makeEntry() follows the x86-64 entry layout", async (t) => {
  await t.step("frame in bits 12..51, flags in 0..11, NX in 63", () => {
    assert.equal(formatEntry(makeEntry(0x1234, PAGE_KERNEL)), "8000000001234163");
    assert.equal(formatEntry(makeEntry(0x1234, PAGE_KERNEL_RO)), "8000000001234161");
    assert.equal(formatEntry(makeEntry(0, 0)), "0000000000000000");
  });
  await t.step("frame bits above 20 go to the high half", () => {
    const e = makeEntry(0x123456789, _PAGE_PRESENT);
    assert.equal(formatEntry(e), "0000123456789001");
    assert.equal(e.hi, 0x1234);
    assert.equal(e.lo, 0x56789001);
  });
  await t.step("the largest frame round-trips", () => {
    const e = makeEntry(MAX_ENTRY_FRAME, _PAGE_PRESENT | _PAGE_RW | _PAGE_NX);
    assert.equal(formatEntry(e), "800ffffffffff003");
    assert.equal(entryFrame(e.lo, e.hi), MAX_ENTRY_FRAME);
    assert.equal(entryFlags(e.lo, e.hi), (_PAGE_PRESENT | _PAGE_RW | _PAGE_NX) >>> 0);
  });
  await t.step("both halves are unsigned", () => {
    const e = makeEntry(0xfffff, _PAGE_NX | _PAGE_PRESENT);
    assert.ok(e.lo > 0 && e.hi > 0);
    assert.equal(e.lo, 0xfffff001);
    assert.equal(e.hi, 0x80000000);
  });
});

Deno.test("makeEntry() rejects what an entry cannot hold", async (t) => {
  await t.step("a frame wider than 40 bits", () => {
    assert.throws(
      () => makeEntry(2 ** 40, _PAGE_PRESENT),
      /Frame 1099511627776 cannot be put in an entry: a frame number is an integer from 0 to 2\^40-1/,
    );
  });
  await t.step("a negative or fractional frame", () => {
    assert.throws(() => makeEntry(-1, 0), /Frame -1 cannot be put in an entry/);
    assert.throws(() => makeEntry(1.5, 0), /Frame 1.5 cannot be put in an entry/);
  });
  await t.step("a frame-number bit in the flags word", () => {
    assert.throws(
      () => makeEntry(1, 0x1000 | _PAGE_PRESENT),
      /Flags 0x1001 are not a flags word: only bits 0..8 and _PAGE_NX may be set/,
    );
  });
});

Deno.test("describeFlags() names flags in bit order", () => {
  assert.equal(describeFlags(PAGE_KERNEL), "P RW A D G NX");
  assert.equal(describeFlags(_PAGE_PRESENT | _PAGE_PSE), "P PSE");
  assert.equal(describeFlags(0), "none");
});
