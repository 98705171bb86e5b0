import assert from "node:assert/strict";
import {
  assertInvariants,
  checkInvariants,
  do_mmu_update,
  do_mmuext_op,
  guestWrite,
  MMUEXT_PIN_L2_TABLE,
  PGT_PINNED,
} from "../../xen/hypervisor/mod.ts";
import { bootstrap, e, RW, TABLE } from "./_machine.ts";

Deno.test("checkInvariants names the first broken rule", async (t) => {
  await t.step("an RW PTE of a page table slipped into a validated L1", () => {
    const { xen, m } = bootstrap();
    xen.mem.write(m(3), 9, e(m(2), RW));
    const v = checkInvariants(xen);
    assert.equal(v?.rule, "no writable mapping of a page-table frame");
    assert.equal(v?.mfn, m(3));
    assert.equal(v?.index, 9);
    assert.throws(
      () => assertInvariants(xen),
      new RegExp(
        'Invariant "no writable mapping of a page-table frame" is broken at mfn 100003 entry 9: ' +
          "L1 entry 0000000100002063 maps mfn 100002 RW, whose type_info is 2400000000000001",
      ),
    );
  });

  await t.step("a type count that does not match the references", () => {
    const { xen, m } = bootstrap();
    xen.typeInfo[m(9) - xen.firstMfn]++;
    assert.equal(checkInvariants(xen)?.rule, "type count equals references");
  });

  await t.step("a general count that does not match", () => {
    const { xen, m } = bootstrap();
    xen.countInfo[m(20) - xen.firstMfn]++;
    assert.equal(checkInvariants(xen)?.rule, "general count equals references");
  });

  await t.step("a pinned frame that is no page table", () => {
    const { xen, m } = bootstrap();
    xen.typeInfo[m(9) - xen.firstMfn] |= PGT_PINNED;
    assert.equal(checkInvariants(xen)?.rule, "a pin holds a page-table type");
  });

  await t.step("an L2 entry to a frame that is no validated L1", () => {
    const { xen, m } = bootstrap();
    xen.mem.write(m(2), 3, e(m(9), TABLE));
    assert.equal(checkInvariants(xen)?.rule, "entries of an Ln map a validated L(n-1)");
  });
});

Deno.test("XSA-182: Xen 4.1.0's fast path lets a linear entry become writable", async (t) => {
  const setup = (xsa182: "fixed" | "vulnerable") => {
    const machine = bootstrap({ xsa182 });
    const { xen, m, ma } = machine;
    // A read-only linear entry: the L2 at pfn 2 maps itself at slot 5.
    assert.equal(do_mmu_update(xen, [{ ptr: ma(2, 5), val: e(m(2), TABLE & ~2) }]), 0);
    return machine;
  };

  await t.step(
    "fixed: making it RW goes the slow path and is refused",
    () => {
      const { xen, m, ma } = setup("fixed");
      assert.equal(do_mmu_update(xen, [{ ptr: ma(2, 5), val: e(m(2), TABLE) }]), -22);
      assert.deepEqual(xen.console.lines, [
        "(XEN) mm.c:915:d1 Attempt to create linear p.t. with write perms",
      ]);
      assert.equal(checkInvariants(xen), null);
    },
  );

  await t.step(
    "vulnerable (4.1.0 as shipped, the default): accepted, and the guest can write its L1",
    () => {
      const { xen, m, ma } = setup("vulnerable");
      assert.equal(do_mmu_update(xen, [{ ptr: ma(2, 5), val: e(m(2), TABLE) }]), 0);
      assert.equal(checkInvariants(xen)?.rule, "linear entries are read-only");
      // Through pmd slot 5 the L2 serves as an L1, and its entry 0 as a PTE: va 0xa00000 reaches
      // the L1 at pfn 3, writable.
      const r = guestWrite(xen, 0xa00000 + 8 * 9, e(m(0), RW));
      assert.equal(r.kind, "store");
      assert.equal(checkInvariants(xen)?.rule, "linear entries are read-only");
      xen.mem.write(m(2), 5, { lo: 0, hi: 0 });
      assert.equal(checkInvariants(xen)?.rule, "no writable mapping of a page-table frame");
    },
  );

  await t.step("a pinned L2 with a linear entry validates", () => {
    const { xen, m } = bootstrap();
    xen.mem.write(m(16), 0, e(m(16), TABLE & ~2));
    assert.equal(do_mmuext_op(xen, [{ cmd: MMUEXT_PIN_L2_TABLE, mfn: m(16) }]), 0);
    assert.equal(checkInvariants(xen), null);
  });
});
