import assert from "node:assert/strict";
import { checkInvariants, guestWrite, stateDigest } from "../../xen/hypervisor/mod.ts";
import { bootstrap, e, RO, RW } from "./_machine.ts";

Deno.test("guestWrite: a plain store, ptwr emulation, or a page fault", async (t) => {
  await t.step("a page mapped RW takes the store", () => {
    const { xen, m, va } = bootstrap();
    const r = guestWrite(xen, va(9) + 16, e(m(2), RW));
    assert.equal(r.kind, "store");
    assert.deepEqual(xen.mem.read(m(9), 2), e(m(2), RW));
    assert.equal(checkInvariants(xen), null);
  });

  await t.step("a read-only validated L1 gets its write emulated like mod_l1_entry", () => {
    const { xen, m, va } = bootstrap();
    const r = guestWrite(xen, va(3) + 8 * 9, e(m(9), RO));
    assert.equal(r.kind, "emulated");
    assert.equal(xen.pageInfo(m(9)).typeCount, 0);
    assert.equal(checkInvariants(xen), null);
  });

  await t.step("an emulated write mapping a page table RW is refused (mm.c:4967)", () => {
    const { xen, m, va } = bootstrap();
    const before = stateDigest(xen);
    const r = guestWrite(xen, va(3) + 8 * 40, e(m(2), RW));
    assert.equal(r.kind, "fault");
    assert.match(r.detail, /the page is an L1, but Xen refused the new entry/);
    assert.deepEqual(xen.console.lines, [
      "(XEN) mm.c:2424:d1 Bad type (saw 2400000000000001 != exp 7000000000000000) for mfn 100002 (pfn 2)",
      "(XEN) mm.c:907:d1 Error getting mfn 100002 (pfn 2) from L1 entry 0000000100002063 for l1e_owner=1, pg_owner=1",
      "(XEN) mm.c:4967:d1 ptwr_emulate: could not get_page_from_l1e()",
    ]);
    assert.equal(stateDigest(xen), before);
  });

  await t.step("a read-only L2 (or any other read-only page) is not emulated: page fault", () => {
    const { xen, m, va } = bootstrap();
    const before = stateDigest(xen);
    const r = guestWrite(xen, va(2) + 8 * 40, e(m(16), RW));
    assert.equal(r.kind, "fault");
    assert.match(r.detail, /not an L1 Xen can emulate/);
    assert.deepEqual(xen.console.lines, []);
    assert.equal(stateDigest(xen), before);
  });

  await t.step("an unmapped address faults", () => {
    const { xen, m } = bootstrap();
    assert.equal(guestWrite(xen, 0x200000, e(m(5), RO)).kind, "fault");
  });

  await t.step("a misaligned address throws", () => {
    const { xen, m, va } = bootstrap();
    assert.throws(
      () => guestWrite(xen, va(9) + 4, e(m(5), RO)),
      /Guest store address 0x9004 is not 8-byte aligned/,
    );
  });
});
