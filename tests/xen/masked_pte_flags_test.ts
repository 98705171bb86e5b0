import assert from "node:assert/strict";
import { _PAGE_RW, BootMachine, maskedPteFlags, PAGE_KERNEL } from "../../mod.ts";

const GiB = 2 ** 30;
const rw = (flags: number): boolean => (flags & _PAGE_RW) !== 0;

Deno.test("maskedPteFlags answers as mask_rw_pte's clauses say", async (t) => {
  await t.step("2.6.39: direct map up to top, fixmap all but pgt_buf_end - 1", () => {
    const m = new BootMachine({ kernel: "2.6.39", memory: GiB });
    m.runUntilAlloc();
    m.runUntilAlloc(); // two pages handed out: start, start + 1
    const k = m.kernel;
    const { start, end, top } = k.pgt_buf;
    assert.equal(rw(maskedPteFlags(k, start - 1, false, PAGE_KERNEL)), true);
    assert.equal(rw(maskedPteFlags(k, start, false, PAGE_KERNEL)), false);
    assert.equal(rw(maskedPteFlags(k, top - 1, false, PAGE_KERNEL)), false);
    assert.equal(rw(maskedPteFlags(k, end - 1, true, PAGE_KERNEL)), true);
    assert.equal(rw(maskedPteFlags(k, start, true, PAGE_KERNEL)), false);
  });
  await t.step("2.6.38: the direct-map clause stops at end, no fixmap clause", () => {
    const m = new BootMachine({ kernel: "2.6.38", memory: GiB });
    m.runUntilAlloc();
    const k = m.kernel;
    assert.equal(rw(maskedPteFlags(k, k.pgt_buf.start, false, PAGE_KERNEL)), false);
    assert.equal(rw(maskedPteFlags(k, k.pgt_buf.end, false, PAGE_KERNEL)), true);
    assert.equal(rw(maskedPteFlags(k, k.pgt_buf.start, true, PAGE_KERNEL)), true);
  });
  await t.step("a balloon page has no frame: an empty pte; a bad pfn is refused", () => {
    const m = new BootMachine({ kernel: "2.6.39", memory: GiB });
    m.runUntilAlloc();
    assert.equal(maskedPteFlags(m.kernel, 0x100000, false, PAGE_KERNEL), 0);
    assert.throws(
      () => maskedPteFlags(m.kernel, -1, false, PAGE_KERNEL),
      /pfn -1 is not a whole number >= 0/,
    );
  });
});
