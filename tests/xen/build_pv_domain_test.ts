import assert from "node:assert/strict";
import {
  __START_KERNEL_map,
  _PAGE_RW,
  buildPvDomain,
  checkInvariants,
  do_update_va_mapping,
  entryFlags,
  formatVirt,
  makeEntry,
  PAGE_KERNEL,
  walk,
} from "../../mod.ts";

Deno.test("buildPvDomain() hands over the start of day xen.h describes", async (t) => {
  const { xen, layout, startInfo } = buildPvDomain({ nrPages: 0x40000 });
  const va = (pfn: number) => __START_KERNEL_map + pfn * 4096;
  const cr3 = xen.cr3! * 4096;

  await t.step("start_info points at the P2M list and the bootstrap tables", () => {
    assert.equal(startInfo.magic, "xen-3.0-x86_64");
    assert.equal(startInfo.nr_pages, 0x40000);
    assert.equal(formatVirt(startInfo.mfn_list), "0xffffffff82400000");
    assert.equal(formatVirt(startInfo.pt_base), "0xffffffff82603000");
    assert.equal(startInfo.nr_pt_frames, 23);
    assert.equal(formatVirt(startInfo.mod_start), "0xffffffff81c00000");
    assert.equal(startInfo.mod_len, 8 * 1024 * 1024);
    assert.equal(startInfo.store_mfn, xen.pfnToMfn(0x2601));
    assert.equal(startInfo.console_mfn, xen.pfnToMfn(0x2602));
  });
  await t.step("every page below v_end is mapped 1:1 from virt_base, through CR3", () => {
    for (const pfn of [0, 0x1000, 0x2400, layout.stack, layout.vEnd - 1]) {
      const r = walk(xen.mem, cr3, va(pfn));
      assert.equal(r.pa, xen.pfnToMfn(pfn) * 4096, `pfn ${pfn.toString(16)}`);
    }
    assert.equal(walk(xen.mem, cr3, va(layout.vEnd)).fault?.reason, "not-present");
  });
  await t.step("the bootstrap tables are mapped read-only, everything else writable", () => {
    for (let pfn = layout.pageTables.start; pfn < layout.pageTables.end; pfn++) {
      assert.equal(walk(xen.mem, cr3, va(pfn)).writable, false);
    }
    assert.equal(walk(xen.mem, cr3, va(layout.pageTables.start - 1)).writable, true);
    assert.equal(walk(xen.mem, cr3, va(layout.pageTables.end)).writable, true);
  });
  await t.step("the L4 is pinned and in CR3; the tables are validated with their types", () => {
    const l4 = xen.pageInfo(xen.pfnToMfn(layout.pageTables.start));
    assert.deepEqual([l4.type, l4.pinned, l4.validated], [4, true, true]);
    assert.equal(xen.cr3, l4.mfn);
    const l3 = xen.pageInfo(xen.pfnToMfn(layout.pageTables.start + 1));
    const l2 = xen.pageInfo(xen.pfnToMfn(layout.pageTables.start + 2));
    const l1 = xen.pageInfo(xen.pfnToMfn(layout.pageTables.start + 3));
    assert.deepEqual([l3.type, l2.type, l1.type], [3, 2, 1]);
    assert.deepEqual([l3.typeCount, l2.typeCount, l1.typeCount], [1, 1, 1]);
    // a data page is writable with one reference from its RW PTE
    const data = xen.pageInfo(xen.pfnToMfn(0x1000));
    assert.deepEqual([data.type, data.typeCount], [7, 1]);
    assert.equal(checkInvariants(xen), null);
  });
  await t.step("Xen refuses to make a bootstrap table writable", () => {
    const pfn = layout.pageTables.start + 3;
    const rc = do_update_va_mapping(xen, va(pfn), makeEntry(xen.pfnToMfn(pfn), PAGE_KERNEL), 0);
    assert.equal(rc, -22);
    const pte = walk(xen.mem, cr3, va(pfn)).steps[3];
    assert.equal(entryFlags(pte.lo, pte.hi) & _PAGE_RW, 0);
    assert.equal(checkInvariants(xen), null);
  });
});

Deno.test("buildPvDomain() refuses a domain smaller than its start-of-day area", () => {
  assert.throws(
    () => buildPvDomain({ nrPages: 4096 }),
    /A domain of 4096 pages is smaller than its own start-of-day area \(\d+ pages\)/,
  );
});
