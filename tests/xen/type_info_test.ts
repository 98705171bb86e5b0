import assert from "node:assert/strict";
import {
  formatPageType,
  formatTypeInfo,
  PGT_l1_page_table,
  PGT_l4_page_table,
  PGT_PINNED,
  PGT_VALIDATED,
  PGT_writable_page,
  Xen,
} from "../../xen/hypervisor/mod.ts";

Deno.test("type_info prints as Xen 4.1's PRtype_info", async (t) => {
  await t.step("type in bits 60..63, pinned 59, validated 58, count low", () => {
    assert.equal(
      formatTypeInfo((PGT_l1_page_table << 28 | PGT_VALIDATED | 2) >>> 0),
      "1400000000000002",
    );
    assert.equal(
      formatTypeInfo((PGT_l4_page_table << 28 | PGT_PINNED | PGT_VALIDATED | 1) >>> 0),
      "4c00000000000001",
    );
    assert.equal(
      formatTypeInfo((PGT_writable_page << 28 | PGT_VALIDATED | 0x123) >>> 0),
      "7400000000000123",
    );
    assert.equal(formatTypeInfo(0), "0000000000000000");
  });
  await t.step("a requested type prints alone", () => {
    assert.equal(formatPageType(PGT_l1_page_table), "1000000000000000");
    assert.equal(formatPageType(PGT_writable_page), "7000000000000000");
  });
});

Deno.test("a PV domain translates pfns and mfns both ways", async (t) => {
  const xen = new Xen({ nrPages: 0x40000 });
  await t.step("mfn = pfn + 0x100000 by default (mfn 13fff3 is pfn 3fff3)", () => {
    assert.equal(xen.pfnToMfn(0x3fff3), 0x13fff3);
    assert.equal(xen.mfnToPfn(0x13fff3), 0x3fff3);
    assert.equal(xen.formatPfn(0x13fff3), "3fff3");
  });
  await t.step("frames the domain does not own have no pfn and no count", () => {
    assert.equal(xen.owns(0xfffff), false);
    assert.equal(xen.owns(0x140000), false);
    assert.equal(xen.formatPfn(0x140000), "ffffffffffffffff");
    assert.deepEqual(xen.pageInfo(0x140000).count, 0);
  });
  await t.step("every owned frame starts allocated (count 1) and untyped", () => {
    const info = xen.pageInfo(0x100000);
    assert.equal(info.count, 1);
    assert.equal(info.typeInfo, "0000000000000000");
  });
  await t.step("bad sizes are refused by name", () => {
    assert.throws(() => new Xen({ nrPages: 0 }), /Domain of 0 pages is not possible/);
    assert.throws(() => xen.pfnToMfn(0x40000), /Pfn 262144 is outside the domain/);
    assert.throws(() => xen.pageInfo(0x200000), /Frame 0x200000 is outside memory/);
  });
});
